import { fromHex, loadedKzg, type RecoveredTx } from '@lanes/core'
import { afterAll, describe, expect, it } from 'vitest'
import { executeBlockAsync } from './execute-block.js'
import { canon } from './fixtures/canon.js'
import { pointEvaluationInputs } from './fixtures/kzg.js'
import { addr, makeTx } from './fixtures/mem-state.js'
import { buildTxs, buildWorld, user, WORLD_CONFIG, worldEnv } from './fixtures/world.js'
import { ParallelExecutor } from './parallel.js'

const POINT_EVAL = addr(10, 0)
const USERS = 48

/** ERC20 transfers with point evaluations (valid and invalid) from their own senders. */
function block() {
  const { valid, invalid } = pointEvaluationInputs()
  const half = USERS / 2
  const txs = buildTxs(
    Array.from({ length: half }, (_, i) => ({
      kind: 'erc20' as const,
      from: i,
      to: (i + 1) % half,
      amount: 3n,
    })),
  )
  for (let i = half; i < USERS; i++)
    txs.push(
      makeTx({
        from: user(i),
        nonce: 0n,
        to: POINT_EVAL,
        gasLimit: 100_000n,
        data: fromHex(i % 3 === 0 ? invalid : valid),
      }),
    )
  return txs
}

describe('KZG point evaluation (0x0a)', () => {
  const par = new ParallelExecutor({ workers: 2, minParallelTxs: 0, txTimeoutMs: 20_000 })
  afterAll(() => par.close())

  it('loads kzg-wasm on first use: valid inputs succeed, invalid ones fail', async () => {
    expect(loadedKzg()).toBeUndefined()
    const txs = block()
    const r = await executeBlockAsync(worldEnv(), txs, buildWorld(USERS, 1), WORLD_CONFIG)
    expect(loadedKzg()).toBeDefined()
    expect(r.invalid).toEqual([])
    const statuses = r.receipts.slice(USERS / 2).map((x) => x.status)
    const expected = txs.slice(USERS / 2).map((_, k) => ((USERS / 2 + k) % 3 === 0 ? 0 : 1))
    expect(statuses).toEqual(expected)
    // a successful evaluation costs 50k on top of the intrinsic gas
    const ok = r.receipts[USERS / 2 + 1]!
    const okTx = txs[USERS / 2 + 1] as RecoveredTx
    expect(ok.gasUsed).toBe(okTx.intrinsicGas + 50_000n)
  })

  it('parallel workers load it too and give the sequential result', async () => {
    const txs = block()
    const seq = await executeBlockAsync(worldEnv(), txs, buildWorld(USERS, 1), WORLD_CONFIG)
    const p = await par.execute(worldEnv(), txs, buildWorld(USERS, 1), WORLD_CONFIG)
    expect(p.mode).toBe('parallel')
    expect(canon(p)).toBe(canon(seq))
  })
})
