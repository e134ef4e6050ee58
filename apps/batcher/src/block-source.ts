import type { BlockHeader, Hex } from '@lanes/core'
import { fromHex, toHex, toQuantity } from '@lanes/core'
import { BatcherError } from './errors.js'

/** A sealed L2 block as the batcher needs it: its header and the raw signed txs (no deposits; those are implied by the deposit cursor). */
export type SealedBlock = { header: BlockHeader; txs: Uint8Array[] }

export type SyncStatus = {
  /** highest sealed L2 block */
  sealedHead: bigint
}

export type ThrottleRequest = { on: boolean; maxBlockBytes: number }

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
type JsonBlock = { header: JsonHeader; txs: Hex[] }

const BIGINT_FIELDS = [
  'number',
  'timestamp',
  'gasLimit',
  'gasUsed',
  'baseFeePerGas',
  'l1OriginNumber',
  'depositCursor',
] as const

export function headerFromJson(h: JsonHeader): BlockHeader {
  const out = { ...h } as unknown as Record<string, unknown>
  for (const f of BIGINT_FIELDS) out[f] = BigInt(h[f])
  return out as unknown as BlockHeader
}

export function headerToJson(h: BlockHeader): JsonHeader {
  const out = { ...h } as unknown as Record<string, unknown>
  for (const f of BIGINT_FIELDS) out[f] = toQuantity(h[f])
  return out as unknown as JsonHeader
}

export const blockToJson = (b: SealedBlock): JsonBlock => ({
  header: headerToJson(b.header),
  txs: b.txs.map(toHex),
})
export const blockFromJson = (b: JsonBlock): SealedBlock => ({
  header: headerFromJson(b.header),
  txs: b.txs.map((t) => fromHex(t)),
})

/** The real BlockSource: the sequencer's lanes_* JSON-RPC methods. */
export class RpcBlockSource implements BlockSource {
  private id = 0
  constructor(
    private readonly url: string,
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
      throw new SequencerRpcError(`${method} failed: ${body.error.message} (${body.error.code})`)
    return body.result as T
  }

  async syncStatus(): Promise<SyncStatus> {
    const s = await this.call<{ sealed?: { number: string } | string; sealedHead?: string }>(
      'lanes_syncStatus',
      [],
    )
    const v = s.sealedHead ?? (typeof s.sealed === 'string' ? s.sealed : s.sealed?.number)
    if (v === undefined) throw new SequencerRpcError('lanes_syncStatus returned no sealed head')
    return { sealedHead: BigInt(v) }
  }

  async getBlockRange(from: bigint, to: bigint): Promise<SealedBlock[]> {
    const r = await this.call<JsonBlock[]>('lanes_getBlockRange', [
      toQuantity(from),
      toQuantity(to),
    ])
    return r.map(blockFromJson)
  }

  async setThrottle(t: ThrottleRequest): Promise<void> {
    await this.call('lanes_setThrottle', [{ on: t.on, maxBlockBytes: toQuantity(t.maxBlockBytes) }])
  }
}

export function rawBytesOf(b: SealedBlock): number {
  let n = 0
  for (const t of b.txs) n += t.length
  return n
}
