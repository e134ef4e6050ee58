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
  /** first batch of the run */
  index: string
  /** batches in the run (absent in records written before runs: 1) */
  count?: number
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
  /** most consecutive batches in one finalizeBatches tx */
  maxBatches: number
  log: (msg: string, fields?: Record<string, unknown>) => void
  now?: () => number
}

/** Fee bump for a same-nonce replacement: geth needs ≥ 10 %; use 12.5 % and at least +1 wei. */
export function bumpFee(fee: bigint): bigint {
  const bumped = (fee * 1125n) / 1000n
  return bumped > fee ? bumped : fee + 1n
}

/**
 * Finalizes verified batches, strictly in order, after the finalization delay: every batch that
 * is due goes into one finalizeBatches tx (up to maxBatches), so finalization keeps up however
 * many batches L1 takes per block. One nonce owner: the signed tx is recorded before it is sent,
 * stuck txs are re-sent with the same nonce and higher fees, and a restart resumes the recorded
 * tx instead of sending another.
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

  private async send(p: Pending): Promise<Pending> {
    const count = p.count ?? 1
    const data = await this.calldata(BigInt(p.index), count)
    this.l1ChainId ??= await this.d.l1.getChainId()
    const signed = await this.d.account.signTransaction({
      type: 'eip1559',
      chainId: this.l1ChainId,
      nonce: p.nonce,
      to: this.d.rollup,
      data,
      gas: 120_000n + 60_000n * BigInt(count),
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
    this.d.log('finalize tx sent', { batch: p.index, batches: count, nonce: p.nonce, hash })
    return next
  }

  /** One step: settle a pending tx, or send the next finalize. Returns how many batches it saw finalized. */
  async tick(): Promise<number> {
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
          const count = pending.count ?? 1
          if (receipt.status === 'success') {
            const first = BigInt(pending.index)
            for (let i = 0n; i < BigInt(count); i++) store.setStatus(first + i, 'finalized', hash)
            this.d.log('batches finalized', { batch: pending.index, batches: count, hash })
            return count
          }
          this.d.log('finalize tx reverted', { batch: pending.index, batches: count, hash })
          return 0
        }
      }
      const mined = await l1.getTransactionCount({
        address: this.d.account.address,
        blockTag: 'latest',
      })
      if (mined > pending.nonce) {
        // the nonce was used by a tx we cannot see (e.g. reorged away): start over
        this.setPending(undefined)
        return 0
      }
      if (mined < pending.nonce || BigInt(pending.index) > nextFinalized) {
        // an L1 reorg dropped an earlier finalize: ours waits behind a nonce gap, or finalizes
        // out of order; start over from the index and nonce L1 has now
        this.d.log('L1 lost an earlier finalization: finalizing again from it', {
          batch: String(nextFinalized),
          nonce: mined,
        })
        this.setPending(undefined)
        return 0
      }
      const pooled = await Promise.all(
        pending.hashes.map((hash) => l1.getTransaction({ hash }).then(Boolean, () => false)),
      )
      if (!pooled.includes(true)) {
        // neither mined nor pooled (an L1 reorg drops its txs): send it again now
        await this.send(pending)
        return 0
      }
      if ((this.d.now ?? Date.now)() - pending.sentAt >= this.d.feeBumpAfterMs) {
        const bumped = {
          ...pending,
          maxFeePerGas: bumpFee(BigInt(pending.maxFeePerGas)).toString(),
          maxPriorityFeePerGas: bumpFee(BigInt(pending.maxPriorityFeePerGas)).toString(),
        }
        await this.send(bumped)
      }
      return 0
    }

    const count = await this.dueRun(nextFinalized)
    if (count === 0) return 0
    const fees = await l1.estimateFeesPerGas()
    // latest, not pending: we send one finalize at a time, so every earlier one is mined, and a
    // tx a reorg left queued behind a gap must not push our nonce past the gap
    const nonce = await l1.getTransactionCount({
      address: this.d.account.address,
      blockTag: 'latest',
    })
    for (let i = 0n; i < BigInt(count); i++) store.setStatus(nextFinalized + i, 'finalizing')
    await this.send({
      index: nextFinalized.toString(),
      count,
      nonce,
      hashes: [],
      maxFeePerGas: fees.maxFeePerGas.toString(),
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
      sentAt: 0,
    })
    return 0
  }

  /** How many batches from `first` on are verified, past the delay and the ones L1 holds. */
  private async dueRun(first: bigint): Promise<number> {
    const { l1, rollup, store } = this.d
    const [delay, head] = await Promise.all([
      l1.readContract({ address: rollup, abi: rollupAbi, functionName: 'finalizationDelay' }),
      l1.getBlock({ blockTag: 'latest' }),
    ])
    let count = 0
    for (; count < this.d.maxBatches; count++) {
      const index = first + BigInt(count)
      const rec = store.batch(index)
      if (!rec || (rec.status !== 'verified' && rec.status !== 'finalizing')) break
      const stored = (await l1.readContract({
        address: rollup,
        abi: rollupAbi,
        functionName: 'batches',
        args: [index],
      })) as { committedAt: bigint; dataHash: Hex }
      if (head.timestamp < stored.committedAt + (delay as bigint)) break
      if (stored.dataHash !== rec.dataHash) {
        this.d.log(
          'L1 holds a different batch at this index than the one verified; waiting for derive',
          { batch: String(index) },
        )
        break
      }
    }
    return count
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

  private async calldata(first: bigint, count: number): Promise<Hex> {
    if (count === 1)
      return encodeFunctionData({
        abi: rollupAbi,
        functionName: 'finalizeBatch',
        args: [first, await this.attest(first)],
      })
    const attestations: Hex[] = []
    for (let i = 0n; i < BigInt(count); i++) attestations.push(await this.attest(first + i))
    return encodeFunctionData({
      abi: rollupAbi,
      functionName: 'finalizeBatches',
      args: [first, attestations],
    })
  }
}
