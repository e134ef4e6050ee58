import { EventEmitter } from 'node:events'
import {
  type Account,
  type Address,
  type BlockHeader,
  DEPOSIT_TX_TYPE,
  type DepositTx,
  EMPTY_CODE_HASH,
  type Hex,
  keccak256Hex,
  type L2Tx,
  type Receipt,
  type RecoveredTx,
  RpcVisibleError,
  signedTxFromFields,
  toHex,
} from '@lanes/core'
import { Registry } from 'prom-client'
import { encodeErrorResult, parseAbi } from 'viem'
import {
  type AccountProof,
  type BlockRecord,
  type BlockSelector,
  type BlockState,
  type CallRequest,
  type CallResult,
  ExecutionRevertedError,
  type FeeData,
  type FeeHistory,
  type Health,
  type LogFilter,
  type LogRecord,
  type NodeEvents,
  type NodeLimits,
  type OutputAtBlock,
  type PoolContent,
  type PoolStatus,
  type ReceiptRecord,
  type SequencerNode,
  type StateOverrides,
  type SyncStatus,
  type TxRecord,
} from '../node.js'
import { matchesLog } from './log-filter.js'

/**
 * An in-memory SequencerNode for the RPC layer's unit tests (behind our own interface): a few
 * fixed blocks with legacy, 1559 and deposit txs, receipts and logs, a tiny state, and knobs
 * (`calls`, `submitted`, `failNext`) that tests set to exercise error paths.
 */

export const FAKE_CHAIN_ID = 901n
export const ALICE: Address = '0x00000000000000000000000000000000000a11ce'
export const BOB: Address = '0x0000000000000000000000000000000000000b0b'
export const TOKEN: Address = '0x000000000000000000000000000000000000c0de'
export const TRANSFER_TOPIC: Hex =
  '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'
const pad = (a: Address): Hex => `0x${a.slice(2).padStart(64, '0')}` as Hex
export const REVERT_DATA = encodeErrorResult({
  abi: parseAbi(['error Error(string)']),
  errorName: 'Error',
  args: ['not enough tokens'],
})

const h = (s: string): Hex => keccak256Hex(new TextEncoder().encode(s))

function signed(fields: {
  type: 0 | 2
  nonce: bigint
  to: Address | null
  value: bigint
  data?: Hex
}): RecoveredTx {
  const tx = signedTxFromFields({
    type: fields.type,
    chainId: FAKE_CHAIN_ID,
    nonce: fields.nonce,
    gasLimit: 100_000n,
    to: fields.to,
    value: fields.value,
    data: fields.data ? Buffer.from(fields.data.slice(2), 'hex') : new Uint8Array(0),
    gasPrice: 2_000_000_000n,
    maxFeePerGas: 3_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    accessList: [],
    yParity: 1,
    r: 0x1234n,
    s: 0x5678n,
  })
  return { ...tx, from: ALICE }
}

function header(n: bigint, parent: Hex, extra: Partial<BlockHeader> = {}): BlockHeader {
  return {
    number: n,
    hash: h(`block ${n}`),
    parentHash: parent,
    timestamp: 1_700_000_000n + n,
    stateRoot: h(`root ${n}`),
    transactionsRoot: h(`txs ${n}`),
    receiptsRoot: h(`receipts ${n}`),
    logsBloom: `0x${'00'.repeat(256)}`,
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    baseFeePerGas: 1_000_000_000n,
    coinbase: '0x4200000000000000000000000000000000000011',
    l1OriginNumber: 10n + n,
    l1OriginHash: h(`l1 ${n}`),
    depositCursor: 0n,
    ...extra,
  }
}

type FakeBlock = { header: BlockHeader; txs: L2Tx[]; receipts: Receipt[] }

export class FakeNode implements SequencerNode {
  readonly chainId = FAKE_CHAIN_ID
  readonly limits: NodeLimits = {
    maxLogsBlockRange: 100n,
    maxLogs: 1000,
    maxBlockRange: 10,
    rpcGasCap: 50_000_000n,
    maxFeeHistory: 1024,
  }
  readonly events: NodeEvents = new EventEmitter()
  readonly metrics = new Registry()
  readonly blocks: FakeBlock[] = []
  readonly pool = new Map<Hex, RecoveredTx>()
  readonly accounts = new Map<Address, Account>([
    [ALICE, { nonce: 2n, balance: 10n ** 18n, codeHash: EMPTY_CODE_HASH }],
  ])
  readonly code = new Map<Address, Uint8Array>([[TOKEN, Uint8Array.from([0x60, 0x00])]])
  readonly storage = new Map<string, bigint>([[`${TOKEN}:${'0x'.padEnd(66, '0')}`, 42n]])
  /** raw txs submitted, in order */
  readonly submitted: Uint8Array[] = []
  /** calls made to call()/estimateGas(), for assertions */
  readonly calls: { request: CallRequest; selector: BlockSelector; overrides?: StateOverrides }[] =
    []
  health_: Health = { live: true, ready: true }
  /** makes the next node method that checks it throw this */
  failNext: unknown
  /** delays call() by this many ms (timeout tests) */
  callDelayMs = 0

  readonly legacyTx = signed({ type: 0, nonce: 0n, to: BOB, value: 1000n })
  readonly dynamicTx = signed({ type: 2, nonce: 1n, to: TOKEN, value: 0n, data: '0xa9059cbb' })
  readonly deposit: DepositTx = {
    type: DEPOSIT_TX_TYPE,
    hash: h('deposit 0'),
    queueIndex: 0n,
    from: BOB,
    to: ALICE,
    mint: 5n,
    value: 5n,
    gasLimit: 50_000n,
    data: new Uint8Array(0),
    l1BlockNumber: 9n,
  }
  readonly pendingTx = signed({ type: 2, nonce: 2n, to: BOB, value: 7n })

  constructor() {
    const genesis = header(0n, `0x${'00'.repeat(32)}`)
    this.blocks.push({ header: genesis, txs: [], receipts: [] })
    const b1 = header(1n, genesis.hash, { gasUsed: 21_000n })
    this.blocks.push({
      header: b1,
      txs: [this.legacyTx],
      receipts: [this.#receipt(this.legacyTx, 0, 21_000n, 21_000n, [])],
    })
    const b2 = header(2n, b1.hash, { gasUsed: 71_000n, depositCursor: 1n })
    const log = {
      address: TOKEN,
      topics: [TRANSFER_TOPIC, pad(ALICE), pad(BOB)],
      data: `0x${'00'.repeat(31)}01` as Hex,
    }
    this.blocks.push({
      header: b2,
      txs: [this.deposit, this.dynamicTx],
      receipts: [
        this.#receipt(this.deposit, 0, 21_000n, 21_000n, []),
        this.#receipt(this.dynamicTx, 1, 50_000n, 71_000n, [log]),
      ],
    })
    this.pool.set(this.pendingTx.hash, this.pendingTx)
  }

  #receipt(
    tx: L2Tx,
    index: number,
    gasUsed: bigint,
    cumulative: bigint,
    logs: Receipt['logs'],
  ): Receipt {
    const deposit = tx.type === DEPOSIT_TX_TYPE
    return {
      transactionHash: tx.hash,
      transactionIndex: index,
      type: tx.type,
      status: 1,
      gasUsed,
      cumulativeGasUsed: cumulative,
      effectiveGasPrice: deposit ? 0n : 2_000_000_000n,
      contractAddress: null,
      logs,
      logsBloom: `0x${'00'.repeat(256)}`,
      l1Fee: deposit ? 0n : 1234n,
      l1GasUsed: deposit ? 0n : 1600n,
      l1BaseFee: 7n,
      l1BlobBaseFee: 1n,
    }
  }

  #check(): void {
    if (this.failNext !== undefined) {
      const e = this.failNext
      this.failNext = undefined
      throw e
    }
  }

  /** Seals a new empty block and emits newHead + logs, like the builder does. */
  sealEmptyBlock(): BlockRecord {
    const prev = this.blocks[this.blocks.length - 1]!.header
    const hd = header(prev.number + 1n, prev.hash)
    this.blocks.push({ header: hd, txs: [], receipts: [] })
    const record = this.getBlock(hd.number, false)!
    this.events.emit('newHead', record)
    return record
  }

  /** Seals a block with one log from TOKEN and emits its events. */
  sealBlockWithLog(topic: Hex = TRANSFER_TOPIC): BlockRecord {
    const prev = this.blocks[this.blocks.length - 1]!.header
    const tx = signed({ type: 2, nonce: prev.number + 10n, to: TOKEN, value: 0n })
    const hd = header(prev.number + 1n, prev.hash)
    const log = { address: TOKEN, topics: [topic], data: '0x' as Hex }
    this.blocks.push({
      header: hd,
      txs: [tx],
      receipts: [this.#receipt(tx, 0, 30_000n, 30_000n, [log])],
    })
    const record = this.getBlock(hd.number, false)!
    this.events.emit('newHead', record)
    this.events.emit('logs', this.#blockLogs(this.blocks[this.blocks.length - 1]!))
    return record
  }

  health(): Health {
    return this.health_
  }

  headNumber(): bigint {
    return BigInt(this.blocks.length - 1)
  }

  resolveBlock(selector: BlockSelector): bigint | undefined {
    if (typeof selector === 'bigint') return selector <= this.headNumber() ? selector : undefined
    if (typeof selector === 'object') {
      const b = this.blocks.find((x) => x.header.hash === selector.hash.toLowerCase())
      return b?.header.number
    }
    switch (selector) {
      case 'earliest':
        return 0n
      case 'safe':
        return 1n
      case 'finalized':
        return 0n
      default:
        return this.headNumber()
    }
  }

  #block(selector: BlockSelector): FakeBlock | undefined {
    const n = this.resolveBlock(selector)
    return n === undefined ? undefined : this.blocks[Number(n)]
  }

  getBlock(selector: BlockSelector, fullTxs: boolean): BlockRecord | undefined {
    this.#check()
    const b = this.#block(selector)
    if (!b) return undefined
    const record: BlockRecord = { header: b.header, txHashes: b.txs.map((t) => t.hash), size: 600 }
    if (fullTxs) record.txs = b.txs
    return record
  }

  #locate(hash: Hex): { block: FakeBlock; index: number } | undefined {
    for (const block of this.blocks) {
      const index = block.txs.findIndex((t) => t.hash === hash)
      if (index >= 0) return { block, index }
    }
    return undefined
  }

  #location(block: FakeBlock, index: number) {
    return {
      blockHash: block.header.hash,
      blockNumber: block.header.number,
      index,
      baseFee: block.header.baseFeePerGas,
      timestamp: block.header.timestamp,
    }
  }

  getTransaction(hash: Hex): TxRecord | undefined {
    const at = this.#locate(hash)
    if (at) return { tx: at.block.txs[at.index]!, location: this.#location(at.block, at.index) }
    const pending = this.pool.get(hash)
    return pending ? { tx: pending, location: null } : undefined
  }

  #receiptRecords(block: FakeBlock): ReceiptRecord[] {
    let logIndex = 0
    return block.receipts.map((receipt, i) => {
      const record = {
        receipt,
        tx: block.txs[i]!,
        location: this.#location(block, i),
        firstLogIndex: logIndex,
      }
      logIndex += receipt.logs.length
      return record
    })
  }

  getReceipt(hash: Hex): ReceiptRecord | undefined {
    const at = this.#locate(hash)
    return at ? this.#receiptRecords(at.block)[at.index] : undefined
  }

  getBlockReceipts(selector: BlockSelector): ReceiptRecord[] | undefined {
    const b = this.#block(selector)
    return b ? this.#receiptRecords(b) : undefined
  }

  #blockLogs(block: FakeBlock): LogRecord[] {
    return this.#receiptRecords(block).flatMap((r) =>
      r.receipt.logs.map((log, i) => ({
        ...log,
        blockNumber: block.header.number,
        blockHash: block.header.hash,
        blockTimestamp: block.header.timestamp,
        transactionHash: r.receipt.transactionHash,
        transactionIndex: r.receipt.transactionIndex,
        logIndex: r.firstLogIndex + i,
      })),
    )
  }

  getLogs(filter: LogFilter): LogRecord[] {
    this.#check()
    let from: bigint
    let to: bigint
    if (filter.blockHash) {
      const n = this.resolveBlock({ hash: filter.blockHash })
      if (n === undefined) throw new RpcVisibleError(-32000, 'unknown block')
      from = n
      to = n
    } else {
      from = this.resolveBlock(filter.fromBlock ?? 'latest') ?? this.headNumber()
      to = this.resolveBlock(filter.toBlock ?? 'latest') ?? this.headNumber()
    }
    if (from > to) throw new RpcVisibleError(-32000, 'invalid block range params')
    if (to - from > this.limits.maxLogsBlockRange)
      throw new RpcVisibleError(
        -32000,
        `exceed maximum block range: ${this.limits.maxLogsBlockRange}`,
      )
    const out: LogRecord[] = []
    for (let n = from; n <= to; n++)
      for (const log of this.#blockLogs(this.blocks[Number(n)]!))
        if (matchesLog(log, filter)) out.push(log)
    return out
  }

  stateAt(selector: BlockSelector): BlockState {
    this.#check()
    const b = this.#block(selector)
    if (!b) throw new RpcVisibleError(-32000, 'header not found')
    return {
      header: b.header,
      getAccount: (a) => this.accounts.get(a),
      getStorage: (a, slot) => this.storage.get(`${a}:${slot}`) ?? 0n,
      getCode: () => undefined,
      balance: (a) => this.accounts.get(a)?.balance ?? 0n,
      nonce: (a) => this.accounts.get(a)?.nonce ?? 0n,
      code: (a) => this.code.get(a) ?? new Uint8Array(0),
      storageAt: (a, slot) => this.storage.get(`${a}:${slot}`) ?? 0n,
    }
  }

  pendingNonce(address: Address): bigint {
    const base = this.accounts.get(address)?.nonce ?? 0n
    const mine = [...this.pool.values()].filter((t) => t.from === address).length
    return base + BigInt(mine)
  }

  async proof(address: Address, slots: Hex[], selector: BlockSelector): Promise<AccountProof> {
    const state = this.stateAt(selector)
    return {
      address,
      blockNumber: state.header.number,
      stateRoot: state.header.stateRoot,
      account: this.accounts.get(address),
      accountProof: '0x000000',
      accountLeaf: this.accounts.has(address) ? h(`leaf ${address}`) : null,
      storageProof: slots.map((key) => ({
        key,
        value: state.storageAt(address, key),
        proof: '0x01',
      })),
    }
  }

  async call(
    request: CallRequest,
    selector: BlockSelector,
    overrides?: StateOverrides,
  ): Promise<CallResult> {
    this.calls.push(overrides ? { request, selector, overrides } : { request, selector })
    this.stateAt(selector)
    if (this.callDelayMs) await new Promise((r) => setTimeout(r, this.callDelayMs))
    if (request.data && toHex(request.data) === '0xdead')
      throw new ExecutionRevertedError(REVERT_DATA)
    return { returnData: request.data ? toHex(request.data) : '0x', gasUsed: 21_000n }
  }

  async estimateGas(
    request: CallRequest,
    selector: BlockSelector,
    overrides?: StateOverrides,
  ): Promise<bigint> {
    const r = await this.call(request, selector, overrides)
    return r.gasUsed + BigInt(request.data?.length ?? 0) * 16n
  }

  feeData(): FeeData {
    return { nextBaseFee: 1_000_000_000n, suggestedTip: 1_000_000n, gasPrice: 1_001_000_000n }
  }

  feeHistory(blockCount: number, newest: BlockSelector, percentiles?: number[]): FeeHistory {
    const last = this.resolveBlock(newest) ?? this.headNumber()
    const count = Math.min(blockCount, Number(last) + 1)
    const oldest = last - BigInt(count) + 1n
    const out: FeeHistory = {
      oldestBlock: oldest,
      baseFeePerGas: Array.from({ length: count + 1 }, () => 1_000_000_000n),
      gasUsedRatio: Array.from({ length: count }, () => 0.5),
    }
    if (percentiles) out.reward = Array.from({ length: count }, () => percentiles.map(() => 5n))
    return out
  }

  async submitRawTransaction(raw: Uint8Array): Promise<Hex> {
    this.#check()
    if (raw.length === 0) throw new RpcVisibleError(-32000, 'typed transaction too short')
    this.submitted.push(raw)
    const hash = keccak256Hex(raw)
    this.events.emit('pendingTx', { ...this.pendingTx, hash })
    return hash
  }

  poolStatus(): PoolStatus {
    return { pending: this.pool.size, queued: 0 }
  }

  poolContent(): PoolContent {
    const pending: PoolContent['pending'] = {}
    for (const tx of this.pool.values()) {
      const bySender = pending[tx.from] ?? {}
      bySender[tx.nonce.toString()] = tx
      pending[tx.from] = bySender
    }
    return { pending, queued: {} }
  }

  syncStatus(): SyncStatus {
    const ref = (n: bigint) => {
      const hd = this.blocks[Number(n)]!.header
      return { number: hd.number, hash: hd.hash, timestamp: hd.timestamp, stateRoot: hd.stateRoot }
    }
    return {
      sealed: ref(this.headNumber()),
      batched: ref(1n),
      committed: ref(1n),
      finalized: ref(0n),
      l1Head: { number: 20n, hash: h('l1 head') },
      depositCursor: 1n,
    }
  }

  blockRange(from: bigint, to: bigint) {
    const out = []
    for (let n = from; n <= to && n <= this.headNumber(); n++) {
      const b = this.blocks[Number(n)]!
      out.push({ header: b.header, txs: b.txs })
    }
    return out
  }

  outputAtBlock(selector: BlockSelector): OutputAtBlock | undefined {
    const b = this.#block(selector)
    if (!b) return undefined
    return {
      blockNumber: b.header.number,
      blockHash: b.header.hash,
      stateRoot: b.header.stateRoot,
      timestamp: b.header.timestamp,
      depositCursor: b.header.depositCursor,
      l1OriginNumber: b.header.l1OriginNumber,
      withdrawalStore: '0x4200000000000000000000000000000000000016',
    }
  }
}
