import { toBlobs } from '@lanes/batch-codec'
import { type Hex, keccak256Hex } from '@lanes/core'
import {
  type BlobSidecars,
  blobsToCommitments,
  blobsToProofs,
  commitmentsToVersionedHashes,
  encodeFunctionData,
  type LocalAccount,
  parseTransaction,
  serializeTransaction,
  toBlobSidecars,
} from 'viem'
import { BLOB_PAYLOAD_BYTES } from './batch.js'
import { crashPoint } from './crash-point.js'
import { chooseDa, type DaMode, type DaSetting } from './decide/da.js'
import { bumpFees, type FeeLimits, type Fees, initialFees, isStuck } from './decide/fees.js'
import { CommitRevertedError, L1UnavailableError, ReconcileError } from './errors.js'
import type { L1Client, L1Receipt } from './l1/client.js'
import { loadKzg } from './l1/kzg.js'
import { batcherRollupAbi } from './l1/rollup-abi.js'
import type { AttemptRecord, BatchRecord, BatchStore } from './store.js'

export type TxManagerOptions = {
  rollup: Hex
  daMode: DaSetting
  confirmations: number
  limits: FeeLimits
  stuckAfterMs: number
  stuckAfterBlocks: number
  now?: () => number
}

export type TxEvents = {
  onSent?(b: BatchRecord, hash: Hex, fees: Fees, kind: 'first' | 'bump' | 'rebroadcast'): void
  onConfirmed?(b: BatchRecord): void
  onReorg?(b: BatchRecord): void
  /** a tx we did not send used nonce `taken`; the batch was re-signed at `nonce` */
  onNonceTaken?(b: BatchRecord, taken: number, nonce: number): void
  onBroadcastFailed?(b: BatchRecord, hash: Hex, err: Error, ms: number): void
}

export type CheckResult = 'unsent' | 'pending' | 'confirmed' | 'failed'

/** Execution gas besides payload bytes: storage writes, event, blobhash reads; generous so a commit never runs out. */
const COMMIT_OVERHEAD_GAS = 300_000n

const errText = (e: unknown): string => {
  const parts: string[] = []
  let cur: unknown = e
  for (let i = 0; cur && i < 6; i++) {
    const c = cur as { shortMessage?: string; message?: string; details?: string; cause?: unknown }
    parts.push(c.shortMessage ?? '', c.details ?? '', c.message ?? '')
    cur = c.cause
  }
  return parts.join(' | ').toLowerCase()
}

/**
 * The one owner of the batcher key's nonces. Every tx it sends is recorded in
 * SQLite (hash, raw bytes, nonce, fees) before it leaves, so after a crash it
 * rebroadcasts or waits for what it already sent instead of posting again.
 */
export class TxManager {
  private chainId: number | undefined
  private readonly sidecars = new Map<
    bigint,
    { sidecars: BlobSidecars<Hex>; hashes: readonly Hex[] }
  >()
  private lock: Promise<unknown> = Promise.resolve()
  private readonly now: () => number

  constructor(
    private readonly store: BatchStore,
    private readonly l1: L1Client,
    private readonly account: LocalAccount,
    private readonly opts: TxManagerOptions,
    private readonly events: TxEvents = {},
  ) {
    this.now = opts.now ?? Date.now
  }

  get address(): Hex {
    return this.account.address
  }

  /** the batch record was dropped (re-planned from L1): its blob sidecars are stale */
  forget(index: bigint): void {
    this.sidecars.delete(index)
  }

  /** Serialize every nonce-touching operation: there is one owner, and it acts one step at a time. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.lock.then(f, f)
    this.lock = run.catch(() => {})
    return run
  }

  private async l1ChainId(): Promise<number> {
    if (this.chainId === undefined) this.chainId = await this.l1.chainId()
    return this.chainId
  }

  private commitment(b: BatchRecord, depositQueueHash: Hex) {
    return {
      batchIndex: b.batchIndex,
      parentStateRoot: b.parentRoot,
      postStateRoot: b.postRoot,
      firstBlock: b.firstBlock,
      lastBlock: b.lastBlock,
      depositCursor: b.depositCursorEnd,
      depositQueueHash,
    }
  }

  private async blobData(b: BatchRecord) {
    const cached = this.sidecars.get(b.batchIndex)
    if (cached) return cached
    const blobs = toBlobs(b.payload!).map((x) => bytesHex(x))
    let commitments: readonly Hex[]
    let proofs: readonly Hex[]
    if (b.kzg && b.kzg.commitments.length === blobs.length) {
      // computed by the compress stage in its own process
      commitments = b.kzg.commitments
      proofs = b.kzg.proofs
    } else {
      const kzg = await loadKzg()
      commitments = blobsToCommitments({ blobs, kzg, to: 'hex' })
      proofs = blobsToProofs({ blobs, commitments, kzg, to: 'hex' })
    }
    const sidecars = toBlobSidecars({ blobs, commitments, proofs, to: 'hex' })
    const hashes = commitmentsToVersionedHashes({ commitments, to: 'hex' })
    const v = { sidecars, hashes }
    this.sidecars.set(b.batchIndex, v)
    return v
  }

  private async sign(
    b: BatchRecord,
    mode: DaMode,
    nonce: number,
    fees: Fees,
  ): Promise<{ hash: Hex; raw: Hex }> {
    const chainId = await this.l1ChainId()
    const dqh = await this.l1.depositQueueHashAt(b.depositCursorEnd)
    const c = this.commitment(b, dqh)
    const payload = b.payload!
    if (mode === 'calldata') {
      const data = encodeFunctionData({
        abi: batcherRollupAbi,
        functionName: 'commitBatch',
        args: [c, bytesHex(payload)],
      })
      const gas = 21_000n + 16n * BigInt((data.length - 2) / 2) + COMMIT_OVERHEAD_GAS
      const raw = await this.account.signTransaction({
        type: 'eip1559',
        chainId,
        nonce,
        to: this.opts.rollup,
        data,
        gas,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      })
      return { hash: keccak256Hex(raw), raw }
    }
    const { sidecars, hashes } = await this.blobData(b)
    const data = encodeFunctionData({
      abi: batcherRollupAbi,
      functionName: 'commitBatchBlobs',
      args: [c, BigInt(hashes.length)],
    })
    const tx = {
      type: 'eip4844' as const,
      chainId,
      nonce,
      to: this.opts.rollup,
      data,
      gas: 21_000n + 16n * BigInt((data.length - 2) / 2) + COMMIT_OVERHEAD_GAS,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      maxFeePerBlobGas: fees.maxFeePerBlobGas ?? 1n,
      blobVersionedHashes: [...hashes],
    }
    // the hash covers the tx without its sidecar; the network form carries the blobs
    const signedBare = await this.account.signTransaction({ ...tx, sidecars: false })
    const sig = parseTransaction(signedBare)
    const raw = serializeTransaction(
      { ...tx, sidecars },
      { r: sig.r!, s: sig.s!, yParity: sig.yParity! },
    )
    return { hash: keccak256Hex(signedBare), raw }
  }

  private async broadcast(raw: Hex): Promise<'ok' | 'nonce-too-low' | 'underpriced'> {
    try {
      await this.l1.sendRawTransaction(raw)
      return 'ok'
    } catch (e) {
      if (e instanceof L1UnavailableError) throw e
      const t = errText(e)
      if (
        t.includes('already known') ||
        t.includes('already imported') ||
        t.includes('transaction already exists')
      )
        return 'ok'
      if (t.includes('nonce too low') || t.includes('nonce has already been used'))
        return 'nonce-too-low'
      if (t.includes('underpriced') || t.includes('replacement')) return 'underpriced'
      throw e
    }
  }

  /**
   * First send of a batch. A batch that already has attempts is left to
   * `check` (which rebroadcasts or bumps): this never creates a second tx.
   */
  send(index: bigint): Promise<'sent' | 'already-sent' | 'capped'> {
    return this.exclusive(async () => {
      const b = this.store.get(index)
      if (!b?.payload) throw new Error(`batch ${index} has no payload`)
      if (this.store.attempts(index).length > 0) return 'already-sent'
      const nonce = this.store.assignNonce(index, await this.l1.nonce(this.account.address))
      const market = await this.l1.feeMarket()
      const mode =
        b.daMode ??
        chooseDa(this.opts.daMode, {
          payloadBytes: b.payload.length,
          bytesPerBlob: BLOB_PAYLOAD_BYTES,
          baseFee: market.baseFee,
          blobBaseFee: market.blobBaseFee,
          priorityFee:
            market.suggestedTip > this.opts.limits.minTip
              ? market.suggestedTip
              : this.opts.limits.minTip,
          calldataOverheadGas: 21_000n + 60_000n,
          blobOverheadGas: 21_000n + 80_000n,
        })
      const fees = initialFees(mode, market, this.opts.limits)
      if ('capped' in fees) return 'capped'
      const blobCount = mode === 'blobs' ? Math.ceil(b.payload.length / BLOB_PAYLOAD_BYTES) : 0
      if (b.daMode === null) this.store.setDa(index, mode, blobCount)
      const rec = { ...b, daMode: mode }
      const { hash, raw } = await this.sign(rec, mode, nonce, fees)
      const l1Block = await this.l1.blockNumber()
      this.store.recordAttempt({
        txHash: hash,
        batchIndex: index,
        nonce,
        daMode: mode,
        fees,
        raw,
        sentAtMs: this.now(),
        sentAtL1Block: l1Block,
      })
      crashPoint('signed')
      this.events.onSent?.(rec, hash, fees, 'first')
      // a transport failure here is fine: the attempt is on disk and `check` rebroadcasts it
      const t0 = this.now()
      await this.broadcast(raw).catch((e) => {
        if (!(e instanceof L1UnavailableError)) throw e
        this.events.onBroadcastFailed?.(rec, hash, e, this.now() - t0)
      })
      crashPoint('sent')
      return 'sent'
    })
  }

  /**
   * One step of watching a sent batch: counts confirmations, notices a commit
   * that a reorg removed and rebroadcasts it, and bumps fees of a stuck tx.
   */
  check(index: bigint): Promise<CheckResult> {
    return this.exclusive(async () => {
      const b = this.store.get(index)
      if (!b) throw new Error(`batch ${index} not found`)
      if (b.status === 'confirmed') return 'confirmed'
      if (b.status === 'failed') return 'failed'
      const attempts = this.store.attempts(index)
      const last = attempts[attempts.length - 1]
      if (!last) return 'unsent'
      const head = await this.l1.blockNumber()
      // a successful receipt wins over a reverted one: after a foreign tx took a nonce and
      // an L1 reorg undid it, an old attempt and its re-sent successor may both be mined
      const found: Array<{ a: AttemptRecord; r: L1Receipt }> = []
      for (let i = attempts.length - 1; i >= 0; i--) {
        const r = await this.l1.receipt(attempts[i]!.txHash)
        if (r) found.push({ a: attempts[i]!, r })
      }
      const hit = found.find((x) => x.r.status !== 'reverted') ?? found[0]
      if (hit) {
        const { a, r } = hit
        if (r.status === 'reverted') {
          const msg = `commit of batch ${index} reverted in L1 tx ${a.txHash}`
          this.store.setFailed(index, msg)
          throw new CommitRevertedError(msg)
        }
        const fee = r.gasUsed * r.effectiveGasPrice + r.blobGasUsed * r.blobGasPrice
        if (b.minedTxHash !== a.txHash || b.minedBlock !== r.blockNumber)
          this.store.setMined(index, {
            txHash: a.txHash,
            block: r.blockNumber,
            gasUsed: r.gasUsed,
            feeWei: fee,
          })
        if (head - r.blockNumber + 1n >= BigInt(this.opts.confirmations)) {
          this.store.setConfirmed(index, this.now())
          this.events.onConfirmed?.(this.store.get(index)!)
          return 'confirmed'
        }
        return 'pending'
      }
      if (b.minedBlock !== null) {
        // it was mined and is not any more: an L1 reorg dropped it
        this.store.setMined(index, null)
        this.events.onReorg?.(b)
      }
      const now = this.now()
      // the newest attempt the node holds; a bump it refused leaves the previous one pooled
      let pooled: AttemptRecord | undefined
      for (let i = attempts.length - 1; i >= 0 && !pooled; i--)
        if (await this.l1.knowsTransaction(attempts[i]!.txHash)) pooled = attempts[i]
      if (!pooled) {
        const res = await this.broadcast(last.raw)
        if (res === 'nonce-too-low') return this.nonceConsumed(b, attempts)
        this.store.touchAttempt(last.txHash, now, head)
        this.events.onSent?.(b, last.txHash, last.fees, 'rebroadcast')
        return 'pending'
      }
      if (isStuck(pooled.sentAtMs, pooled.sentAtL1Block, now, head, this.opts)) {
        const market = await this.l1.feeMarket()
        // bump over the highest fees tried so far, so a refused replacement climbs next time
        const top = attempts.reduce(
          (m, a) => ({
            maxFeePerGas:
              a.fees.maxFeePerGas > m.maxFeePerGas ? a.fees.maxFeePerGas : m.maxFeePerGas,
            maxPriorityFeePerGas:
              a.fees.maxPriorityFeePerGas > m.maxPriorityFeePerGas
                ? a.fees.maxPriorityFeePerGas
                : m.maxPriorityFeePerGas,
            maxFeePerBlobGas:
              (a.fees.maxFeePerBlobGas ?? 0n) > (m.maxFeePerBlobGas ?? 0n)
                ? a.fees.maxFeePerBlobGas
                : m.maxFeePerBlobGas,
          }),
          pooled.fees,
        )
        const fees = bumpFees(last.daMode, top, market, this.opts.limits)
        if ('capped' in fees) return 'pending'
        const { hash, raw } = await this.sign(b, last.daMode, last.nonce, fees)
        this.store.recordAttempt({
          txHash: hash,
          batchIndex: index,
          nonce: last.nonce,
          daMode: last.daMode,
          fees,
          raw,
          sentAtMs: now,
          sentAtL1Block: head,
        })
        this.events.onSent?.(b, hash, fees, 'bump')
        const res = await this.broadcast(raw)
        if (res === 'nonce-too-low') return this.nonceConsumed(b, attempts)
      }
      return 'pending'
    })
  }

  /**
   * Our nonce was used but none of our attempts has a receipt: either a
   * receipt is about to show up (next check sees it) or another tx from our key
   * took the nonce. L1 decides: committed with our root is fine. Not committed, with none of
   * our attempts mined and the nonce confirmed on L1, the tx at that nonce is not ours, so
   * re-signing at a fresh nonce cannot post the batch twice. That is done only when no later
   * batch holds a nonce: their txs would land before this one and revert, so that case
   * stays loud for an operator.
   */
  private async nonceConsumed(b: BatchRecord, attempts: AttemptRecord[]): Promise<CheckResult> {
    const head = await this.l1.rollupHead()
    if (head.nextBatchIndex > b.batchIndex) {
      const root = await this.l1.postStateRootOf(b.batchIndex)
      if (root.toLowerCase() !== b.postRoot.toLowerCase())
        throw new ReconcileError(
          `batch ${b.batchIndex} on L1 has root ${root}, ours is ${b.postRoot}`,
        )
      return 'pending'
    }
    // re-read after the refusal: one of ours may have been mined meanwhile
    for (const a of attempts) if (await this.l1.receipt(a.txHash)) return 'pending'
    const confirmed = await this.l1.nonce(this.account.address)
    const used = attempts.at(-1)?.nonce ?? b.nonce ?? 0
    if (confirmed <= used) return 'pending' // taken only in the pool so far; rebroadcast later
    const behind = this.store
      .open()
      .filter((x) => x.batchIndex > b.batchIndex && x.nonce !== null && x.nonce > used)
    if (behind.length > 0)
      throw new ReconcileError(
        `nonce ${used} of batch ${b.batchIndex} was used by a tx we did not send, and batches ${behind.map((x) => x.batchIndex).join(', ')} already hold later nonces`,
      )
    const nonce = this.store.renonce(b.batchIndex, confirmed)
    const mode = attempts.at(-1)?.daMode ?? b.daMode ?? 'calldata'
    const market = await this.l1.feeMarket()
    const fees = initialFees(mode, market, this.opts.limits)
    if ('capped' in fees) return 'pending'
    const { hash, raw } = await this.sign(b, mode, nonce, fees)
    this.store.recordAttempt({
      txHash: hash,
      batchIndex: b.batchIndex,
      nonce,
      daMode: mode,
      fees,
      raw,
      sentAtMs: this.now(),
      sentAtL1Block: await this.l1.blockNumber(),
    })
    this.events.onNonceTaken?.(b, used, nonce)
    this.events.onSent?.(b, hash, fees, 'first')
    await this.broadcast(raw)
    return 'pending'
  }
}

function bytesHex(b: Uint8Array): Hex {
  return `0x${Buffer.from(b).toString('hex')}` as Hex
}
