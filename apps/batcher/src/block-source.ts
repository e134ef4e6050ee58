import type { BlockHeader, Hex } from '@lanes/core'
import { fromHex, toHex, toQuantity } from '@lanes/core'
import { BatcherError } from './errors.js'

/** A sealed L2 block as the batcher needs it: its header and the raw signed txs (no deposits; those are implied by the deposit cursor). */
export type SealedBlock = { header: BlockHeader; txs: Uint8Array[] }

export type SyncStatus = {
  /** highest sealed L2 block */
  sealedHead: bigint
}

/** signed tx bytes per block the sequencer should keep to; null lifts the limit */
export type ThrottleRequest = { maxBlockTxBytes: number | null }

/** Everything the batcher needs from the sequencer. */
export interface BlockSource {
  syncStatus(): Promise<SyncStatus>
  /** inclusive range; returns fewer blocks only when `to` is past the sealed head */
  getBlockRange(from: bigint, to: bigint): Promise<SealedBlock[]>
  setThrottle(t: ThrottleRequest): Promise<void>
}

export class SequencerRpcError extends BatcherError {
  override name = 'SequencerRpcError'
}

type JsonHeader = { [K in keyof BlockHeader]: string }
/** lanes_getBlockRange's block: the header fields flat, plus `transactions` (signed ones carry `raw`, deposits do not) */
export type RangeBlockJson = JsonHeader & { transactions: Array<{ type: string; raw?: Hex }> }

const BIGINT_FIELDS = [
  'number',
  'timestamp',
  'gasLimit',
  'gasUsed',
  'baseFeePerGas',
  'l1OriginNumber',
  'depositCursor',
] as const
const HEADER_FIELDS = [
  ...BIGINT_FIELDS,
  'hash',
  'parentHash',
  'stateRoot',
  'transactionsRoot',
  'receiptsRoot',
  'logsBloom',
  'coinbase',
  'l1OriginHash',
] as const

/** Parse the sequencer's lanes_getBlockRange block; deposits are skipped (they come from L1). */
export function blockFromRangeJson(b: RangeBlockJson): SealedBlock {
  const header: Record<string, unknown> = {}
  for (const f of HEADER_FIELDS) {
    if (b[f] === undefined) throw new SequencerRpcError(`lanes_getBlockRange block lacks ${f}`)
    header[f] = b[f]
  }
  for (const f of BIGINT_FIELDS) header[f] = BigInt(b[f])
  const txs: Uint8Array[] = []
  for (const t of b.transactions) if (t.raw !== undefined) txs.push(fromHex(t.raw))
  return { header: header as unknown as BlockHeader, txs }
}

/** The same JSON, for fakes and job data (signed txs only). */
export function blockToRangeJson(b: SealedBlock): RangeBlockJson {
  const out: Record<string, unknown> = {}
  for (const f of HEADER_FIELDS) out[f] = b.header[f]
  for (const f of BIGINT_FIELDS) out[f] = toQuantity(b.header[f])
  out.transactions = b.txs.map((t) => ({
    type: toQuantity(t[0]! > 0x7f ? 0 : t[0]!),
    raw: toHex(t),
  }))
  return out as RangeBlockJson
}

export const blockToJson = blockToRangeJson
export const blockFromJson = blockFromRangeJson

/** The real BlockSource: the sequencer's lanes_* JSON-RPC methods. */
export class RpcBlockSource implements BlockSource {
  private id = 0
  private throttleSupported = true
  constructor(
    private readonly url: string,
    /** the sequencer's maxBlockRange; learned from its error when smaller */
    private maxRange = 100,
    private readonly timeoutMs = 10_000,
  ) {}

  private async call<T>(method: string, params: unknown[]): Promise<T> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch((cause) => {
      throw new SequencerRpcError(`sequencer ${this.url} unreachable for ${method}`, { cause })
    })
    const body = (await res.json()) as { result?: T; error?: { code: number; message: string } }
    if (body.error)
      throw new SequencerRpcError(`${method} failed: ${body.error.message} (${body.error.code})`, {
        details: String(body.error.code),
      })
    return body.result as T
  }

  async syncStatus(): Promise<SyncStatus> {
    const s = await this.call<{ sealed: { number: string } }>('lanes_syncStatus', [])
    return { sealedHead: BigInt(s.sealed.number) }
  }

  async getBlockRange(from: bigint, to: bigint): Promise<SealedBlock[]> {
    const out: SealedBlock[] = []
    for (let f = from; f <= to; ) {
      const t = f + BigInt(this.maxRange) - 1n < to ? f + BigInt(this.maxRange) - 1n : to
      let r: RangeBlockJson[]
      try {
        r = await this.call<RangeBlockJson[]>('lanes_getBlockRange', [toQuantity(f), toQuantity(t)])
      } catch (e) {
        const m = /at most (\d+) blocks/.exec((e as Error).message)
        if (m && Number(m[1]) < this.maxRange) {
          this.maxRange = Math.max(1, Number(m[1]))
          continue
        }
        throw e
      }
      out.push(...r.map(blockFromRangeJson))
      if (r.length < Number(t - f + 1n)) break
      f = t + 1n
    }
    return out
  }

  async setThrottle(t: ThrottleRequest): Promise<void> {
    if (!this.throttleSupported) return
    try {
      await this.call('lanes_setThrottle', [
        t.maxBlockTxBytes === null ? null : toQuantity(t.maxBlockTxBytes),
      ])
    } catch (e) {
      // a sequencer without the admin method: keep batching, just do not throttle
      if ((e as SequencerRpcError).details === '-32601') this.throttleSupported = false
      else throw e
    }
  }
}

export function rawBytesOf(b: SealedBlock): number {
  let n = 0
  for (const t of b.txs) n += t.length
  return n
}
