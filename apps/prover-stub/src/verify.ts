import {
  type BlockHeader,
  chainParams,
  type Genesis,
  type Hex,
  type L1Origin,
  type L2Tx,
  LanesError,
  nextBlockEnv,
  sealHeader,
} from '@lanes/core'
import type { DerivedBatch } from '@lanes/derive'
import { type ExecutorConfig, executeBlock } from '@lanes/executor'
import type { WorldState } from '@lanes/state-tree'
import type { ProverStore } from './store.js'

/** What the prover found wrong with a committed batch. It is never finalized. */
export class BatchMismatchError extends LanesError {
  override name = 'BatchMismatchError'
  constructor(
    readonly batchIndex: bigint,
    readonly reason: string,
    readonly detail: {
      block?: bigint
      tx?: Hex
      /** a root mismatch: the block's last tx (deposits first), where the roots are known to differ */
      lastTxIndex?: number
      lastTx?: Hex
      expected?: string
      actual?: string
    } = {},
  ) {
    const where = [
      `batch ${batchIndex}`,
      detail.block !== undefined ? `block ${detail.block}` : undefined,
      detail.tx ? `tx ${detail.tx}` : undefined,
    ]
      .filter(Boolean)
      .join(', ')
    const roots =
      detail.expected !== undefined
        ? ` (committed ${detail.expected}, re-executed ${detail.actual})`
        : ''
    super(`${where}: ${reason}${roots}`)
  }
}

export type VerifyContext = {
  genesis: Genesis
  store: ProverStore
  state: WorldState
  execConfig: ExecutorConfig
  /** L1 origins of every block of the batch, prefetched (verification itself is synchronous) */
  origins: Map<bigint, L1Origin>
}

/**
 * Re-execute every block of a derived batch on the prover's own state and compare the result
 * with what was committed on L1. Runs inside one SQLite transaction: on a mismatch it throws
 * and nothing of the batch is kept.
 */
export function verifyBatch(ctx: VerifyContext, batch: DerivedBatch): BlockHeader {
  const { store, state, genesis } = ctx
  return store.transaction(() => {
    let parent = store.head()
    if (!parent) throw new LanesError('prover store has no genesis block')
    const h = batch.header
    if (h.firstBlock !== parent.number + 1n)
      throw new BatchMismatchError(
        h.batchIndex,
        `starts at block ${h.firstBlock}, expected ${parent.number + 1n}`,
      )
    if (h.parentStateRoot !== parent.stateRoot)
      throw new BatchMismatchError(h.batchIndex, 'parent state root differs', {
        expected: h.parentStateRoot,
        actual: parent.stateRoot,
      })
    for (const b of batch.blocks) {
      const origin = ctx.origins.get(b.l1OriginNumber)
      if (!origin) throw new LanesError(`L1 origin ${b.l1OriginNumber} was not prefetched`)
      if (b.timestamp <= parent.timestamp)
        throw new BatchMismatchError(h.batchIndex, `timestamp ${b.timestamp} does not increase`, {
          block: b.number,
        })
      if (b.l1OriginNumber < parent.l1OriginNumber)
        throw new BatchMismatchError(h.batchIndex, 'L1 origin goes backwards', { block: b.number })
      const env = nextBlockEnv(parent, b.timestamp, origin, chainParams(genesis), (n) =>
        n < b.number ? store.blockHash(n) : undefined,
      )
      if (env.number !== b.number)
        throw new BatchMismatchError(
          h.batchIndex,
          `block ${b.number} does not follow ${parent.number}`,
        )
      const txs: L2Tx[] = [...b.deposits, ...b.txs]
      const result = executeBlock(env, txs, state, ctx.execConfig)
      const bad = result.invalid[0]
      if (bad)
        throw new BatchMismatchError(h.batchIndex, `tx cannot be included: ${bad.reason}`, {
          block: b.number,
          tx: bad.hash,
        })
      const header = sealHeader({
        parent,
        env,
        origin,
        stateRoot: state.applyDiff(b.number, result.diff),
        txs,
        receipts: result.receipts,
        logsBloom: result.logsBloom,
        gasUsed: result.gasUsed,
        depositCursor: b.depositCursor,
      })
      // Every block's committed root is checked, so a wrong intermediate root is refused even
      // when the batch ends on the right one, and the first divergent block is the one named.
      if (header.stateRoot !== b.stateRoot)
        throw new BatchMismatchError(
          h.batchIndex,
          b.number === h.lastBlock ? 'post state root differs' : 'block state root differs',
          {
            block: b.number,
            ...(txs.length ? { lastTxIndex: txs.length - 1, lastTx: txs.at(-1)!.hash } : {}),
            expected: b.stateRoot,
            actual: header.stateRoot,
          },
        )
      store.insertBlock(header)
      parent = header
    }
    if (parent.stateRoot !== h.postStateRoot)
      throw new BatchMismatchError(h.batchIndex, 'post state root differs', {
        block: parent.number,
        expected: h.postStateRoot,
        actual: parent.stateRoot,
      })
    store.putBatch({
      index: h.batchIndex,
      l1TxHash: batch.l1.l1TxHash,
      l1Block: batch.l1.l1BlockNumber,
      parentStateRoot: h.parentStateRoot,
      postStateRoot: h.postStateRoot,
      dataHash: batch.commitment.dataHash,
      lastBlock: h.lastBlock,
      status: 'verified',
      error: null,
      finalizeTx: null,
    })
    return parent
  })
}
