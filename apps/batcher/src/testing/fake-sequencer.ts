import { fromHex, type Hex, keccak256Hex } from '@lanes/core'
import { privateKeyToAccount } from 'viem/accounts'
import type { BlockSource, SealedBlock, SyncStatus, ThrottleRequest } from '../block-source.js'

/**
 * An in-memory BlockSource for tests: seals blocks of real signed EIP-1559
 * transfers (so the codec and the self-check see real txs) with made-up roots.
 */
export class FakeSequencer implements BlockSource {
  readonly blocks: SealedBlock[] = []
  readonly throttles: ThrottleRequest[] = []
  private nonce = 0
  private readonly account = privateKeyToAccount(`0x${'42'.repeat(32)}`)
  down = false
  /** wall-clock time each block was sealed, for lag measurements */
  readonly sealedAtMs: number[] = []

  constructor(
    readonly chainId: bigint,
    readonly genesisRoot: Hex,
  ) {}

  /** sign txs ahead of time (benchmarks seal them without signing cost) */
  async presign(count: number, dataBytes = 0): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    // recipients among 10k accounts and uneven values, so compression sees realistic entropy
    for (let i = 0; i < count; i++)
      out.push(await this.signTransfer((i * 7919) % 10_000, dataBytes))
    return out
  }

  private async signTransfer(i: number, dataBytes: number): Promise<Uint8Array> {
    const raw = await this.account.signTransaction({
      type: 'eip1559',
      chainId: Number(this.chainId),
      nonce: this.nonce++,
      to: keccak256Hex(new TextEncoder().encode(`acct-${i}`)).slice(0, 42) as Hex,
      value: BigInt(1000 + ((i * 2654435761) % 1_000_000_007)),
      gas: 21_000n + 16n * BigInt(dataBytes),
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
      data: dataBytes ? (`0x${'ab'.repeat(dataBytes)}` as Hex) : undefined,
    })
    return fromHex(raw)
  }

  async sealBlock(txCount: number, dataBytes = 0): Promise<SealedBlock> {
    const txs: Uint8Array[] = []
    for (let i = 0; i < txCount; i++) txs.push(await this.signTransfer(i, dataBytes))
    return this.sealTxs(txs)
  }

  /** seal a block of already signed txs */
  sealTxs(txs: Uint8Array[]): SealedBlock {
    const number = BigInt(this.blocks.length + 1)
    const txCount = txs.length
    const b: SealedBlock = {
      header: {
        number,
        hash: keccak256Hex(new TextEncoder().encode(`block-${number}`)),
        parentHash: this.blocks.at(-1)?.header.hash ?? (`0x${'00'.repeat(32)}` as Hex),
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
        stateRoot: keccak256Hex(new TextEncoder().encode(`root-${number}`)),
        transactionsRoot: `0x${'00'.repeat(32)}`,
        receiptsRoot: `0x${'00'.repeat(32)}`,
        logsBloom: `0x${'00'.repeat(256)}`,
        gasLimit: 30_000_000n,
        gasUsed: 21_000n * BigInt(txCount),
        baseFeePerGas: 1_000_000_000n,
        coinbase: `0x${'00'.repeat(20)}`,
        l1OriginNumber: 1n,
        l1OriginHash: `0x${'00'.repeat(32)}`,
        depositCursor: 0n,
      },
      txs,
    }
    this.blocks.push(b)
    this.sealedAtMs.push(Date.now())
    return b
  }

  rootOf(n: bigint): Hex {
    return n === 0n ? this.genesisRoot : this.blocks[Number(n) - 1]!.header.stateRoot
  }

  async syncStatus(): Promise<SyncStatus> {
    if (this.down) throw new Error('sequencer down')
    return { sealedHead: BigInt(this.blocks.length) }
  }

  async getBlockRange(from: bigint, to: bigint): Promise<SealedBlock[]> {
    if (this.down) throw new Error('sequencer down')
    return this.blocks.slice(Number(from) - 1, Number(to))
  }

  async setThrottle(t: ThrottleRequest): Promise<void> {
    this.throttles.push(t)
  }
}
