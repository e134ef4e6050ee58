import {
  type Address,
  type BlockEnv,
  DEPOSIT_TX_TYPE,
  type DepositTx,
  EMPTY_CODE_HASH,
  fromHex,
  type Hex,
  keccak256,
  toHex,
} from '@lanes/core'
import { encodeFunctionData } from 'viem'
import { describe, expect, it } from 'vitest'
import { executeBlockAsync } from './execute-block.js'
import { Counter } from './fixtures/contracts.js'
import { addr, MemState, makeTx } from './fixtures/mem-state.js'
import { l1Fee, l1GasUsed } from './l1-fee.js'
import type { ExecutorConfig } from './types.js'

const config: ExecutorConfig = {
  baseFeeVault: addr(1, 0xfe),
  priorityFeeVault: addr(2, 0xfe),
  l1FeeVault: addr(3, 0xfe),
  l1BaseFeeScalar: 1368n,
  l1BlobBaseFeeScalar: 810_949n,
}
const env: BlockEnv = {
  number: 1n,
  timestamp: 1_700_000_000n,
  gasLimit: 100_000n,
  baseFeePerGas: 1_000_000_000n,
  coinbase: addr(9, 0xcb),
  chainId: 901n,
  prevRandao: toHex(new Uint8Array(32)),
  l1BaseFee: 30_000_000_000n,
  l1BlobBaseFee: 2n,
}
const alice = addr(1)
const bob = addr(2)
const ETH = 10n ** 18n

function deposit(p: Partial<DepositTx> & { to: Address | null }): DepositTx {
  return {
    type: DEPOSIT_TX_TYPE,
    hash: toHex(keccak256(new Uint8Array([Number(p.queueIndex ?? 0n)]))),
    queueIndex: p.queueIndex ?? 0n,
    from: p.from ?? addr(5, 0x11),
    to: p.to,
    mint: p.mint ?? 0n,
    value: p.value ?? 0n,
    gasLimit: p.gasLimit ?? 100_000n,
    data: p.data ?? new Uint8Array(0),
    l1BlockNumber: 1n,
  }
}

describe('executeBlockAsync', () => {
  it('charges gas and the L1 fee, credits the three vaults, and lists invalid txs without throwing', async () => {
    const state = new MemState()
    state.fund(alice, ETH)
    const poor = addr(3)
    state.fund(poor, 21_000n * 2_000_000_000n) // covers gas but not the L1 fee
    const t1 = makeTx({ from: alice, nonce: 0n, to: bob, value: 5n })
    const wrongNonce = makeTx({ from: alice, nonce: 5n, to: bob, value: 1n })
    const noFunds = makeTx({ from: poor, nonce: 0n, to: bob, value: 0n })
    const tooBig = makeTx({ from: alice, nonce: 1n, to: bob, gasLimit: 90_000n })
    const t2 = makeTx({ from: alice, nonce: 1n, to: bob, value: 6n })
    const res = await executeBlockAsync(env, [t1, wrongNonce, noFunds, tooBig, t2], state, config)
    expect(res.invalid).toEqual([
      { index: 1, hash: wrongNonce.hash, reason: 'nonce too high' },
      { index: 2, hash: noFunds.hash, reason: 'insufficient funds for gas * price + value' },
      { index: 3, hash: tooBig.hash, reason: 'gas limit reached' },
    ])
    expect(res.receipts.map((r) => [r.transactionHash, r.transactionIndex])).toEqual([
      [t1.hash, 0],
      [t2.hash, 1],
    ])
    expect(res.gasUsed).toBe(42_000n)
    expect(res.receipts[1]!.cumulativeGasUsed).toBe(42_000n)
    const fee1 = l1Fee(l1GasUsed(t1.raw), {
      l1BaseFee: env.l1BaseFee,
      l1BlobBaseFee: env.l1BlobBaseFee,
      l1BaseFeeScalar: config.l1BaseFeeScalar,
      l1BlobBaseFeeScalar: config.l1BlobBaseFeeScalar,
    })
    expect(fee1).toBeGreaterThan(0n)
    const r0 = res.receipts[0]!
    expect(r0.l1Fee).toBe(fee1)
    expect(r0.l1GasUsed).toBe(l1GasUsed(t1.raw))
    expect(r0.l1BaseFee).toBe(env.l1BaseFee)
    expect(r0.effectiveGasPrice).toBe(1_100_000_000n)
    const fee2 = res.receipts[1]!.l1Fee
    expect(res.diff.accounts.get(alice)).toEqual({
      nonce: 2n,
      balance: ETH - 11n - 42_000n * 1_100_000_000n - fee1 - fee2,
      codeHash: EMPTY_CODE_HASH,
    })
    expect(res.diff.accounts.get(bob)?.balance).toBe(11n)
    expect(res.diff.accounts.get(config.baseFeeVault)?.balance).toBe(42_000n * 1_000_000_000n)
    expect(res.diff.accounts.get(config.priorityFeeVault)?.balance).toBe(42_000n * 100_000_000n)
    expect(res.diff.accounts.get(config.l1FeeVault)?.balance).toBe(fee1 + fee2)
    expect(res.diff.accounts.has(poor)).toBe(false)
    expect(res.mode).toBe('sequential')
  })

  it('L1 fee follows the Ecotone formula', () => {
    const raw = fromHex('0x00000102ff')
    expect(l1GasUsed(raw)).toBe(2n * 4n + 3n * 16n)
    const p = {
      l1BaseFee: 10n ** 9n,
      l1BlobBaseFee: 3n,
      l1BaseFeeScalar: 1368n,
      l1BlobBaseFeeScalar: 810_949n,
    }
    expect(l1Fee(44n, p)).toBe((44n * (16n * 1368n * 10n ** 9n + 810_949n * 3n)) / 16_000_000n)
  })

  it('deposits mint even when the call fails, pay no gas, and skip the gas-limit rule', async () => {
    const state = new MemState()
    const counter = addr(50, 0xcc)
    state.deploy(counter, Counter.runtime)
    const from = addr(7, 0x11)
    const d1 = deposit({ to: bob, mint: 3n * ETH, value: ETH, from, queueIndex: 0n })
    // reverts: Counter has no such function; the mint stays with the depositor
    const d2 = deposit({ to: counter, mint: 2n, data: fromHex('0xdeadbeef'), from, queueIndex: 1n })
    const d3 = deposit({
      to: counter,
      data: fromHex(encodeFunctionData({ abi: Counter.abi, functionName: 'inc' }) as Hex),
      from,
      queueIndex: 2n,
      gasLimit: 200_000n, // more than the block's remaining gas: deposits are never skipped
    })
    const res = await executeBlockAsync(env, [d1, d2, d3], state, config)
    expect(res.invalid).toEqual([])
    expect(res.receipts.map((r) => r.status)).toEqual([1, 0, 1])
    // OP Stack rules: the mint goes to the depositor, the call moves `value` once
    expect(res.diff.accounts.get(bob)?.balance).toBe(ETH)
    expect(res.diff.accounts.get(counter)?.balance ?? 0n).toBe(0n)
    expect(res.diff.storage.get(counter)?.get(toHex(new Uint8Array(32)))).toBe(1n)
    expect(res.diff.accounts.get(from)).toEqual({
      nonce: 3n,
      balance: 2n * ETH + 2n,
      codeHash: EMPTY_CODE_HASH,
    })
    expect(res.receipts[2]!.logs).toHaveLength(1)
    expect(res.receipts.every((r) => r.effectiveGasPrice === 0n && r.l1Fee === 0n)).toBe(true)
    expect(res.diff.accounts.has(config.baseFeeVault)).toBe(false)
  })

  it('EIP-161: a zero-value transfer to a fresh address creates no account', async () => {
    const state = new MemState()
    state.fund(alice, ETH)
    const res = await executeBlockAsync(
      env,
      [makeTx({ from: alice, nonce: 0n, to: bob, value: 0n })],
      state,
      config,
    )
    expect(res.receipts[0]!.status).toBe(1)
    expect(res.diff.accounts.has(bob)).toBe(false)
  })
})

describe('simulateTx', () => {
  it('returns the call output and revert data', async () => {
    const { simulateTx } = await import('./simulate.js')
    const { Token } = await import('./fixtures/contracts.js')
    const state = new MemState()
    state.fund(alice, ETH)
    const token = addr(60, 0xcc)
    state.deploy(token, Token.runtime)
    const ok = await simulateTx(
      env,
      makeTx({
        from: alice,
        nonce: 0n,
        to: token,
        gasLimit: 60_000n,
        data: fromHex(
          encodeFunctionData({ abi: Token.abi, functionName: 'balanceOf', args: [bob] }) as Hex,
        ),
      }),
      state,
      config,
    )
    expect(ok.ok && ok.returnData).toBe(`0x${'0'.repeat(64)}`)
    const bad = await simulateTx(
      env,
      makeTx({
        from: alice,
        nonce: 0n,
        to: token,
        gasLimit: 60_000n,
        data: fromHex(
          encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [bob, 1n] }) as Hex,
        ),
      }),
      state,
      config,
    )
    expect(bad.ok && bad.receipt.status).toBe(0)
    // Error(string) selector, then "insufficient balance"
    expect(bad.ok && bad.returnData.startsWith('0x08c379a0')).toBe(true)
    expect(state.getAccount(alice)?.nonce).toBe(0n)
  })
})
