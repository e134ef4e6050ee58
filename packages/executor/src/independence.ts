import { type Address, DEPOSIT_TX_TYPE, type Hex, type L2Tx } from '@lanes/core'
import type { SlotPredictor } from './predict.js'

/** Above this share of txs sharing a predicted key with another tx, a block is contended. */
const MAX_SHARED = 0.01
/** Below this share of calls with a learned read pattern, the prediction says too little. */
const MIN_KNOWN = 0.9

export type BlockPlan = {
  /** predicted keys are (nearly) disjoint between txs: workers run long queues, no cross-talk */
  independent: boolean
  /** predicted storage reads of each tx (computed once per block, reused for priming) */
  slots: Array<Array<[Address, Hex]>>
  /** the largest share of the block's txs that touch one predicted key */
  maxShare: number
}

/**
 * Decides how a block runs in parallel from what each tx is predicted to touch: its
 * sender, the recipient when value moves, and the storage slots the predictor expects.
 * When almost no two txs share a key, workers can execute long runs on their own, seeing
 * only their own writes: a wrong guess costs a re-execution at commit, never a wrong
 * result (validation is the same in both modes).
 */
export function planBlock(txs: L2Tx[], predictor: SlotPredictor): BlockPlan {
  const slots: BlockPlan['slots'] = new Array(txs.length)
  const owner = new Map<string, number>()
  /** txs touching each key (a tx touching it twice counts once: it is its last toucher) */
  const count = new Map<string, number>()
  const last = new Map<string, number>()
  const shared = new Uint8Array(txs.length)
  let calls = 0
  let known = 0
  let most = 0
  const touch = (key: string, i: number) => {
    const first = owner.get(key)
    if (first === undefined) owner.set(key, i)
    else if (first !== i) shared[first] = shared[i] = 1
    if (last.get(key) === i) return
    last.set(key, i)
    const c = (count.get(key) ?? 0) + 1
    count.set(key, c)
    if (c > most) most = c
  }
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!
    const predicted = predictor.predict(tx)
    slots[i] = predicted
    touch(tx.from, i)
    const call = tx.to === null || tx.data.length > 0
    if (tx.to !== null && (!call || tx.value > 0n || tx.type === DEPOSIT_TX_TYPE)) touch(tx.to, i)
    if (call) {
      calls++
      if (predictor.knows(tx)) known++
    }
    for (const [a, k] of predicted) touch(a + k, i)
  }
  let nShared = 0
  for (let i = 0; i < txs.length; i++) nShared += shared[i]!
  const independent = nShared <= txs.length * MAX_SHARED && known >= calls * MIN_KNOWN
  return { independent, slots, maxShare: txs.length === 0 ? 0 : most / txs.length }
}
