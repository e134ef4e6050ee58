import { attestationDigest, rollupAbi } from '@lanes/contracts'
import {
  type Account,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
} from 'viem'
import type { ProverStore } from './store.js'

/** A finalize tx we signed and recorded before sending (so a restart finds it). */
type Pending = {
  index: string
  nonce: number
  hashes: Hex[]
  maxFeePerGas: string
  maxPriorityFeePerGas: string
  sentAt: number
}

export type FinalizerDeps = {
  l1: PublicClient
  account: Account & {
    signTransaction: NonNullable<Account['signTransaction']>
    signMessage: NonNullable<Account['signMessage']>
  }
  rollup: Address
  l2ChainId: bigint
  store: ProverStore
  feeBumpAfterMs: number
  log: (msg: string, fields?: Record<string, unknown>) => void
  now?: () => number
}

/** Fee bump for a same-nonce replacement: geth needs ≥ 10 %; use 12.5 % and at least +1 wei. */
export function bumpFee(fee: bigint): bigint {
  const bumped = (fee * 1125n) / 1000n
  return bumped > fee ? bumped : fee + 1n
}

/**
 * Sends finalizeBatch for verified batches, strictly in order, after the finalization delay.
 * One nonce owner: the signed tx is recorded before it is sent, stuck txs are re-sent with the
 * same nonce and higher fees, and a restart resumes the recorded tx instead of sending another.
 */
export class Finalizer {
  private l1ChainId: number | undefined

  constructor(private readonly d: FinalizerDeps) {}

  private pending(): Pending | undefined {
    const raw = this.d.store.getMeta('finalizePending')
    return raw ? (JSON.parse(raw) as Pending) : undefined
  }

  private setPending(p: Pending | undefined): void {
    if (p) this.d.store.setMeta('finalizePending', JSON.stringify(p))
    else this.d.store.db.prepare("DELETE FROM prover_meta WHERE key = 'finalizePending'").run()
  }

  private async send(p: Pending, data: Hex): Promise<Pending> {
    this.l1ChainId ??= await this.d.l1.getChainId()
    const signed = await this.d.account.signTransaction({
      type: 'eip1559',
      chainId: this.l1ChainId,
      nonce: p.nonce,
      to: this.d.rollup,
      data,
      gas: 200_000n,
      maxFeePerGas: BigInt(p.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(p.maxPriorityFeePerGas),
    })
    const hash = keccak256(signed)
    const hashes = p.hashes.includes(hash) ? p.hashes : [...p.hashes, hash]
    const next = { ...p, hashes, sentAt: (this.d.now ?? Date.now)() }
    this.setPending(next) // write-ahead: the hash is on disk before the node sees the tx
    try {
      await this.d.l1.sendRawTransaction({ serializedTransaction: signed })
    } catch (e) {
      const msg = (e as Error).message
      // already known / nonce too low: an earlier attempt is in the pool or mined; receipts tell
      if (!/already known|nonce too low|replacement transaction underpriced/i.test(msg)) throw e
    }
    this.d.log('finalize tx sent', { batch: p.index, nonce: p.nonce, hash })
    return next
  }

  /** One step: settle a pending tx, or send the next finalize. Returns the index finalized, if any. */
  async tick(): Promise<bigint | undefined> {
    const { l1, rollup, store } = this.d
    const nextFinalized = (await l1.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'nextFinalizedIndex',
    })) as bigint
    for (const b of store.batches()) {
      if (b.index < nextFinalized && b.status !== 'finalized') store.setStatus(b.index, 'finalized')
      // an L1 reorg dropped a finalization we had seen mined: it must be sent again
      if (b.index >= nextFinalized && b.status === 'finalized') store.setStatus(b.index, 'verified')
    }

    const pending = this.pending()
    if (pending) {
      for (const hash of pending.hashes) {
        const receipt = await l1.getTransactionReceipt({ hash }).catch(() => undefined)
        if (receipt) {
          this.setPending(undefined)
          if (receipt.status === 'success') {
            store.setStatus(BigInt(pending.index), 'finalized', hash)
            this.d.log('batch finalized', { batch: pending.index, hash })
            return BigInt(pending.index)
          }
          this.d.log('finalize tx reverted', { batch: pending.index, hash })
          return undefined
        }
      }
      const mined = await l1.getTransactionCount({
        address: this.d.account.address,
        blockTag: 'latest',
      })
      if (mined > pending.nonce) {
        // the nonce was used by a tx we cannot see (e.g. reorged away): start over
        this.setPending(undefined)
        return undefined
      }
      if (mined < pending.nonce || BigInt(pending.index) > nextFinalized) {
        // an L1 reorg dropped an earlier finalize: ours waits behind a nonce gap, or finalizes
        // out of order; start over from the index and nonce L1 has now
        this.d.log('L1 lost an earlier finalization: finalizing again from it', {
          batch: String(nextFinalized),
          nonce: mined,
        })
        this.setPending(undefined)
        return undefined
      }
      const pooled = await Promise.all(
        pending.hashes.map((hash) => l1.getTransaction({ hash }).then(Boolean, () => false)),
      )
      if (!pooled.includes(true)) {
        // neither mined nor pooled (an L1 reorg drops its txs): send it again now
        await this.send(
          pending,
          this.calldata(BigInt(pending.index), await this.attest(BigInt(pending.index))),
        )
        return undefined
      }
      if ((this.d.now ?? Date.now)() - pending.sentAt >= this.d.feeBumpAfterMs) {
        const bumped = {
          ...pending,
          maxFeePerGas: bumpFee(BigInt(pending.maxFeePerGas)).toString(),
          maxPriorityFeePerGas: bumpFee(BigInt(pending.maxPriorityFeePerGas)).toString(),
        }
        await this.send(
          bumped,
          this.calldata(BigInt(pending.index), await this.attest(BigInt(pending.index))),
        )
      }
      return undefined
    }

    const rec = store.batch(nextFinalized)
    if (!rec || (rec.status !== 'verified' && rec.status !== 'finalizing')) return undefined
    const [stored, delay, head] = await Promise.all([
      l1.readContract({
        address: rollup,
        abi: rollupAbi,
        functionName: 'batches',
        args: [nextFinalized],
      }),
      l1.readContract({ address: rollup, abi: rollupAbi, functionName: 'finalizationDelay' }),
      l1.getBlock({ blockTag: 'latest' }),
    ])
    const committedAt = (stored as { committedAt: bigint }).committedAt
    if (head.timestamp < committedAt + (delay as bigint)) return undefined
    if ((stored as { dataHash: Hex }).dataHash !== rec.dataHash) {
      this.d.log(
        'L1 holds a different batch at this index than the one verified; waiting for derive',
        {
          batch: String(nextFinalized),
        },
      )
      return undefined
    }
    const fees = await l1.estimateFeesPerGas()
    // latest, not pending: we send one finalize at a time, so every earlier one is mined, and a
    // tx a reorg left queued behind a gap must not push our nonce past the gap
    const nonce = await l1.getTransactionCount({
      address: this.d.account.address,
      blockTag: 'latest',
    })
    store.setStatus(nextFinalized, 'finalizing')
    await this.send(
      {
        index: nextFinalized.toString(),
        nonce,
        hashes: [],
        maxFeePerGas: fees.maxFeePerGas.toString(),
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
        sentAt: 0,
      },
      this.calldata(nextFinalized, await this.attest(nextFinalized)),
    )
    return undefined
  }

  private async attest(index: bigint): Promise<Hex> {
    const rec = this.d.store.batch(index)
    if (!rec) throw new Error(`batch ${index} is not verified`)
    const digest = attestationDigest({
      l2ChainId: this.d.l2ChainId,
      rollup: this.d.rollup,
      batchIndex: index,
      parentStateRoot: rec.parentStateRoot,
      postStateRoot: rec.postStateRoot,
      dataHash: rec.dataHash,
    })
    return this.d.account.signMessage({ message: { raw: digest } })
  }

  private calldata(index: bigint, attestation: Hex): Hex {
    return encodeFunctionData({
      abi: rollupAbi,
      functionName: 'finalizeBatch',
      args: [index, attestation],
    })
  }
}
