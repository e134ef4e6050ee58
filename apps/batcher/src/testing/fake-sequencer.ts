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

  constructor(
    readonly chainId: bigint,
    readonly genesisRoot: Hex,
  ) {}

  async sealBlock(txCount: number, dataBytes = 0): Promise<SealedBlock> {
    const number = BigInt(this.blocks.length + 1)
    const txs: Uint8Array[] = []
    for (let i = 0; i < txCount; i++) {
      const raw = await this.account.signTransaction({
        type: 'eip1559',
        chainId: Number(this.chainId),
        nonce: this.nonce++,
        to: `0x${(i % 250).toString(16).padStart(2, '0').repeat(20)}`,
        value: BigInt(1000 + i),
        gas: 21_000n + 16n * BigInt(dataBytes),
        maxFeePerGas: 2_000_000_000n,
        maxPriorityFeePerGas: 1_000_000n,
        data: dataBytes ? (`0x${'ab'.repeat(dataBytes)}` as Hex) : undefined,
      })
      txs.push(fromHex(raw))
    }
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
