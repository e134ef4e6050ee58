import type { Address, Hex } from '@lanes/core'
import {
  createPublicClient,
  http,
  type PublicClient,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
} from 'viem'
import type { FeeMarket } from '../decide/fees.js'
import { L1UnavailableError } from '../errors.js'
import { batcherRollupAbi } from './rollup-abi.js'

export type L1Receipt = {
  blockNumber: bigint
  blockHash: Hex
  status: 'success' | 'reverted'
  gasUsed: bigint
  effectiveGasPrice: bigint
  blobGasUsed: bigint
  blobGasPrice: bigint
}

export type RollupHead = {
  nextBatchIndex: bigint
  lastCommittedBlock: bigint
  /** post root of the last committed batch, genesis root when none */
  lastStateRoot: Hex
  lastDepositCursor: bigint
}

/** Everything the batcher needs from L1. */
export interface L1Client {
  chainId(): Promise<number>
  blockNumber(): Promise<bigint>
  /** confirmed ('latest') nonce of an account */
  nonce(address: Address): Promise<number>
  feeMarket(): Promise<FeeMarket>
  sendRawTransaction(raw: Hex): Promise<Hex>
  receipt(hash: Hex): Promise<L1Receipt | null>
  /** whether the node knows the tx at all (pool or chain) */
  knowsTransaction(hash: Hex): Promise<boolean>
  rollupHead(): Promise<RollupHead>
  postStateRootOf(index: bigint): Promise<Hex>
  depositQueueHashAt(index: bigint): Promise<Hex>
}

/** viem errors that mean "could not talk to L1", as opposed to "L1 said no". */
export function isTransportError(e: unknown): boolean {
  const name = (e as { name?: string })?.name ?? ''
  const msg = String((e as { message?: string })?.message ?? '')
  return (
    name === 'HttpRequestError' ||
    name === 'TimeoutError' ||
    name === 'WebSocketRequestError' ||
    /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|other side closed/i.test(msg)
  )
}

export class ViemL1Client implements L1Client {
  readonly client: PublicClient
  constructor(
    url: string,
    private readonly rollup: Address,
  ) {
    // viem's own retry stays short: the batcher's loop owns backoff.
    this.client = createPublicClient({ transport: http(url, { retryCount: 1, timeout: 30_000 }) })
  }

  private async wrap<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f()
    } catch (e) {
      if (isTransportError(e))
        throw new L1UnavailableError(`L1 unreachable during ${what}`, { cause: e })
      throw e
    }
  }

  chainId(): Promise<number> {
    return this.wrap('eth_chainId', () => this.client.getChainId())
  }

  blockNumber(): Promise<bigint> {
    return this.wrap('eth_blockNumber', () => this.client.getBlockNumber({ cacheTime: 0 }))
  }

  nonce(address: Address): Promise<number> {
    return this.wrap('eth_getTransactionCount', () =>
      this.client.getTransactionCount({ address, blockTag: 'latest' }),
    )
  }

  feeMarket(): Promise<FeeMarket> {
    return this.wrap('fee market', async () => {
      const [block, blobBaseFee, tip] = await Promise.all([
        this.client.getBlock({ blockTag: 'latest' }),
        this.client.getBlobBaseFee(),
        this.client.estimateMaxPriorityFeePerGas().catch(() => 0n),
      ])
      return { baseFee: block.baseFeePerGas ?? 0n, blobBaseFee, suggestedTip: tip }
    })
  }

  sendRawTransaction(raw: Hex): Promise<Hex> {
    return this.wrap('eth_sendRawTransaction', () =>
      this.client.sendRawTransaction({ serializedTransaction: raw }),
    )
  }

  receipt(hash: Hex): Promise<L1Receipt | null> {
    return this.wrap('eth_getTransactionReceipt', async () => {
      try {
        const r = await this.client.getTransactionReceipt({ hash })
        return {
          blockNumber: r.blockNumber,
          blockHash: r.blockHash,
          status: r.status,
          gasUsed: r.gasUsed,
          effectiveGasPrice: r.effectiveGasPrice,
          blobGasUsed: r.blobGasUsed ?? 0n,
          blobGasPrice: r.blobGasPrice ?? 0n,
        }
      } catch (e) {
        if (e instanceof TransactionReceiptNotFoundError) return null
        throw e
      }
    })
  }

  knowsTransaction(hash: Hex): Promise<boolean> {
    return this.wrap('eth_getTransactionByHash', async () => {
      try {
        await this.client.getTransaction({ hash })
        return true
      } catch (e) {
        if (e instanceof TransactionNotFoundError) return false
        throw e
      }
    })
  }

  rollupHead(): Promise<RollupHead> {
    return this.wrap('rollup reads', async () => {
      const read = <T>(
        functionName:
          | 'nextBatchIndex'
          | 'lastCommittedBlock'
          | 'lastDepositCursor'
          | 'genesisStateRoot',
      ) =>
        this.client.readContract({
          address: this.rollup,
          abi: batcherRollupAbi,
          functionName,
        }) as Promise<T>
      const [next, lastBlock, cursor] = await Promise.all([
        read<bigint>('nextBatchIndex'),
        read<bigint>('lastCommittedBlock'),
        read<bigint>('lastDepositCursor'),
      ])
      const lastStateRoot =
        next === 0n ? await read<Hex>('genesisStateRoot') : await this.postStateRootOf(next - 1n)
      return {
        nextBatchIndex: next,
        lastCommittedBlock: lastBlock,
        lastStateRoot,
        lastDepositCursor: cursor,
      }
    })
  }

  postStateRootOf(index: bigint): Promise<Hex> {
    return this.wrap('postStateRootOf', () =>
      this.client.readContract({
        address: this.rollup,
        abi: batcherRollupAbi,
        functionName: 'postStateRootOf',
        args: [index],
      }),
    )
  }

  depositQueueHashAt(index: bigint): Promise<Hex> {
    return this.wrap('depositQueueHashAt', () =>
      this.client.readContract({
        address: this.rollup,
        abi: batcherRollupAbi,
        functionName: 'depositQueueHashAt',
        args: [index],
      }),
    )
  }
}
