import type { EVMResult } from '@ethereumjs/evm'
import { Address as EjsAddress, generateAddress } from '@ethereumjs/util'
import {
  type Account,
  type Address,
  bigintToBytes,
  DEPOSIT_TX_TYPE,
  type DepositTx,
  EMPTY_CODE_HASH,
  fromHex,
  type Hex,
  intrinsicGas,
  type L2Tx,
  type Log,
  type RecoveredTx,
  toHex,
} from '@lanes/core'
import { bloomAdd } from './bloom.js'
import { type EvmBlock, type EvmContext, enableKzg, hasKzg } from './evm-context.js'
import { enableFastEvm } from './fast-evm.js'
import { l1Fee, l1GasUsed } from './l1-fee.js'
import { isEmptyAccount } from './tx-state.js'
import type { ExecutorConfig } from './types.js'

/** What one tx did, before block-level bookkeeping (index, cumulative gas, fee vaults). */
export type TxOutcome =
  | { ok: false; reason: string }
  | {
      ok: true
      type: number
      status: 0 | 1
      gasUsed: bigint
      effectiveGasPrice: bigint
      contractAddress: Address | null
      logs: Log[]
      bloom: Uint8Array
      l1GasUsed: bigint
      l1Fee: bigint
      /** the top call's return (or revert) data; empty for the native path */
      returnData: Uint8Array
      /** credits for the fee vaults: commutative deltas applied after the tx's writes */
      baseFee: bigint
      priorityFee: bigint
    }

export type TxEnv = {
  ctx: EvmContext
  block: EvmBlock
  baseFeePerGas: bigint
  coinbase: Address
  l1BaseFee: bigint
  l1BlobBaseFee: bigint
  config: ExecutorConfig
}

const ZERO_BLOOM: Uint8Array = new Uint8Array(256)
const EMPTY_BYTES: Uint8Array = new Uint8Array(0)
const NO_LOGS: Log[] = []

function newAccount(): Account {
  return { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH }
}

function createAddress(from: Address, nonce: bigint): Address {
  return toHex(generateAddress(fromHex(from), bigintToBytes(nonce))) as Address
}

/**
 * A plain ETH transfer to an account without code takes this path: no EVM, no
 * allocation beyond the new account records. Returns undefined when the EVM is needed.
 * It must leave exactly the state the EVM path leaves (differential-tested).
 */
function nativeTransfer(tx: RecoveredTx, env: TxEnv, gasPrice: bigint, fee1: bigint) {
  const st = env.ctx.state
  const to = tx.to
  if (to === null || tx.data.length > 0) return undefined
  if (env.ctx.precompileSet.has(to)) return undefined
  const toAcct = st.getAccountValue(to)
  if (toAcct !== undefined && toAcct.codeHash !== EMPTY_CODE_HASH) return undefined
  // Execution gas is 0: the EVM would run no code, so gasUsed is exactly the intrinsic gas.
  const gasUsed = tx.intrinsicGas
  const from = tx.from
  const s0 = st.getAccountValue(from)!
  st.putAccountValue(from, {
    nonce: s0.nonce + 1n,
    balance: s0.balance - gasUsed * gasPrice - fee1 - tx.value,
    codeHash: s0.codeHash,
  })
  const t0 = st.getAccountValue(to) ?? newAccount()
  const t1 = { nonce: t0.nonce, balance: t0.balance + tx.value, codeHash: t0.codeHash }
  // EIP-161: a touched account left empty is removed (a zero-value send to a fresh address).
  st.putAccountValue(to, isEmptyAccount(t1) ? null : t1)
  return gasUsed
}

function toLogs(raw: EVMResult['execResult']['logs']): { logs: Log[]; bloom: Uint8Array } {
  if (raw === undefined || raw.length === 0) return { logs: NO_LOGS, bloom: ZERO_BLOOM }
  const bloom: Uint8Array = new Uint8Array(256)
  const logs: Log[] = []
  for (const [address, topics, data] of raw) {
    bloomAdd(bloom, address)
    const t: Hex[] = []
    for (const topic of topics) {
      bloomAdd(bloom, topic)
      t.push(toHex(topic))
    }
    logs.push({ address: toHex(address) as Address, topics: t, data: toHex(data) })
  }
  return { logs, bloom }
}

/**
 * Runs the EVM part of a tx whose sender was already charged and nonce-bumped in
 * env.ctx.state. Mirrors @ethereumjs/vm runTx after its upfront checks: warming
 * (EIP-2929/2930/3651), runCall, refunds (EIP-3529), EIP-6780 selfdestructs and EIP-161
 * cleanup of touched empty accounts.
 */
async function runEvm(
  env: TxEnv,
  caller: Address,
  to: Address | null,
  value: bigint,
  data: Uint8Array,
  gasLimit: bigint,
  intrinsic: bigint,
  gasPrice: bigint,
  accessList: RecoveredTx['accessList'],
): Promise<{ result: EVMResult; gasUsed: bigint; thrown: boolean }> {
  const { evm } = env.ctx
  if (!env.ctx.fast) {
    await enableFastEvm(evm, env.ctx.state)
    env.ctx.fast = true
  }
  const journal = evm.journal
  journal.cleanJournal()
  evm.transientStorage.clear()
  for (const p of env.ctx.precompiles) journal.addAlwaysWarmAddress(p)
  journal.addAlwaysWarmAddress(caller)
  if (to !== null) journal.addAlwaysWarmAddress(to)
  journal.addAlwaysWarmAddress(env.coinbase)
  for (const item of accessList) {
    const a = item.address.slice(2).toLowerCase()
    journal.addAlwaysWarmAddress(a)
    for (const k of item.storageKeys) journal.addAlwaysWarmSlot(a, k.slice(2).toLowerCase())
  }
  // The sender debit and nonce bump are journal.putAccount in runTx: they touch the sender.
  const st = env.ctx.state
  const callerEjs = new EjsAddress(fromHex(caller))
  await journal.putAccount(callerEjs, await st.getAccount(callerEjs))
  const depth = st.depth()
  let result: EVMResult
  try {
    result = await evm.runCall({
      block: env.block as never,
      gasPrice,
      caller: callerEjs,
      origin: callerEjs,
      gasLimit: gasLimit - intrinsic,
      to: to === null ? undefined : new EjsAddress(fromHex(to)),
      value,
      data,
      skipNonceIncrement: true,
    })
  } catch (e) {
    // The point-evaluation precompile was reached before kzg-wasm was loaded in this thread:
    // runTx loads it and runs the tx again from scratch.
    if (!hasKzg(env.ctx) && e instanceof Error && e.message.includes('kzg not initialized'))
      throw new KzgNeeded()
    // Any other host-side failure: the call fails and burns its gas, the same in every mode.
    st.revertToDepth(depth)
    journal.cleanJournal()
    return { result: undefined as never, gasUsed: gasLimit, thrown: true }
  }
  let gasUsed = result.execResult.executionGasUsed + intrinsic
  const refund = result.execResult.gasRefund ?? 0n
  if (refund > 0n) {
    const max = gasUsed / 5n
    gasUsed -= refund < max ? refund : max
  }
  return { result, gasUsed, thrown: false }
}

async function finishEvm(env: TxEnv, result: EVMResult): Promise<void> {
  const { evm } = env.ctx
  const sd = result.execResult.selfdestruct
  if (sd !== undefined && sd.size > 0) {
    const created = result.execResult.createdAddresses
    for (const a of [...sd.keys()].sort()) {
      // EIP-6780: only contracts created in this tx are deleted.
      if (created?.has(a)) await evm.journal.deleteAccount(new EjsAddress(fromHex(a)))
    }
  }
  await evm.journal.cleanup()
}

export type Prepared = {
  ok: true
  gasPrice: bigint
  priority: bigint
  l1Gas: bigint
  fee1: bigint
  sender: Account
}

/** The checks that make a tx invalid (skipped, like geth's miner) rather than failed. */
export function precheck(tx: RecoveredTx, env: TxEnv): Prepared | { ok: false; reason: string } {
  const st = env.ctx.state
  if (tx.gasLimit < tx.intrinsicGas) return { ok: false, reason: 'intrinsic gas too low' }
  if (tx.maxFeePerGas < env.baseFeePerGas)
    return { ok: false, reason: 'max fee per gas less than block base fee' }
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas)
    return { ok: false, reason: 'max priority fee per gas higher than max fee per gas' }
  const sender = st.getAccountValue(tx.from) ?? newAccount()
  if (sender.codeHash !== EMPTY_CODE_HASH) return { ok: false, reason: 'sender not an eoa' }
  if (sender.nonce !== tx.nonce)
    return { ok: false, reason: sender.nonce > tx.nonce ? 'nonce too low' : 'nonce too high' }
  const l1Gas = l1GasUsed(tx.raw)
  const fee1 = l1Fee(l1Gas, {
    l1BaseFee: env.l1BaseFee,
    l1BlobBaseFee: env.l1BlobBaseFee,
    l1BaseFeeScalar: env.config.l1BaseFeeScalar,
    l1BlobBaseFeeScalar: env.config.l1BlobBaseFeeScalar,
  })
  // Upfront check as EIP-1559 states it (gasLimit × maxFeePerGas + value), plus the L1 fee.
  if (sender.balance < tx.gasLimit * tx.maxFeePerGas + tx.value + fee1)
    return { ok: false, reason: 'insufficient funds for gas * price + value' }
  const tip = tx.maxFeePerGas - env.baseFeePerGas
  const priority = tx.maxPriorityFeePerGas < tip ? tx.maxPriorityFeePerGas : tip
  return { ok: true, gasPrice: env.baseFeePerGas + priority, priority, l1Gas, fee1, sender }
}

function outcome(
  tx: RecoveredTx,
  env: TxEnv,
  p: Prepared,
  gasUsed: bigint,
  status: 0 | 1,
  logs: Log[],
  bloom: Uint8Array,
  returnData: Uint8Array = EMPTY_BYTES,
): TxOutcome {
  return {
    ok: true,
    type: tx.type,
    status,
    gasUsed,
    effectiveGasPrice: p.gasPrice,
    contractAddress: tx.to === null ? createAddress(tx.from, tx.nonce) : null,
    logs,
    bloom,
    l1GasUsed: p.l1Gas,
    l1Fee: p.fee1,
    baseFee: gasUsed * env.baseFeePerGas,
    priorityFee: gasUsed * p.priority,
    returnData,
  }
}

/** The native path as a whole tx, synchronously; undefined when the tx needs the EVM. */
export function runNativeSync(tx: RecoveredTx, env: TxEnv, p: Prepared): TxOutcome | undefined {
  const gasUsed = nativeTransfer(tx, env, p.gasPrice, p.fee1)
  if (gasUsed === undefined) return undefined
  return outcome(tx, env, p, gasUsed, 1, NO_LOGS, ZERO_BLOOM)
}

/** Thrown out of runEvm to make runTx load KZG and start the tx over. */
class KzgNeeded extends Error {}

/** Executes one signed tx or deposit on env.ctx.state (already reset onto its source). */
export async function runTx(tx: L2Tx, env: TxEnv): Promise<TxOutcome> {
  try {
    return await runTxOnce(tx, env)
  } catch (e) {
    if (!(e instanceof KzgNeeded)) throw e
    await enableKzg(env.ctx)
    // Drop everything the first attempt wrote or read; the rerun reads the same source.
    env.ctx.evm.journal.cleanJournal()
    env.ctx.state.reset(env.ctx.state.source)
    return runTxOnce(tx, env)
  }
}

async function runTxOnce(tx: L2Tx, env: TxEnv): Promise<TxOutcome> {
  if (tx.type === DEPOSIT_TX_TYPE) return runDeposit(tx, env)
  const p = precheck(tx, env)
  if (!p.ok) return p
  const native = runNativeSync(tx, env, p)
  if (native !== undefined) return native
  const st = env.ctx.state
  const sender = p.sender
  st.putAccountValue(tx.from, {
    nonce: sender.nonce + 1n,
    balance: sender.balance - tx.gasLimit * p.gasPrice - p.fee1,
    codeHash: sender.codeHash,
  })
  const r = await runEvm(
    env,
    tx.from,
    tx.to,
    tx.value,
    tx.data,
    tx.gasLimit,
    tx.intrinsicGas,
    p.gasPrice,
    tx.accessList,
  )
  const s = st.getAccountValue(tx.from)!
  st.putAccountValue(tx.from, {
    nonce: s.nonce,
    balance: s.balance + (tx.gasLimit - r.gasUsed) * p.gasPrice,
    codeHash: s.codeHash,
  })
  if (r.thrown) {
    await env.ctx.evm.journal.cleanup()
    return outcome(tx, env, p, r.gasUsed, 0, NO_LOGS, ZERO_BLOOM)
  }
  const { logs, bloom } = toLogs(r.result.execResult.logs)
  await finishEvm(env, r.result)
  const status = r.result.execResult.exceptionError === undefined ? 1 : 0
  return outcome(tx, env, p, r.gasUsed, status, logs, bloom, r.result.execResult.returnValue)
}

/**
 * L1 deposit, OP Stack rules: mint to the depositor's L2 account, bump its nonce (which also
 * fixes the creation address), then run the call — which moves `value` to the recipient —
 * with the deposit's gas limit and no gas price. A failing call keeps the mint with the
 * depositor. (Minting to the recipient and then sending `value` again would credit it twice.)
 */
async function runDeposit(tx: DepositTx, env: TxEnv): Promise<TxOutcome> {
  const st = env.ctx.state
  if (tx.mint > 0n) {
    const r = st.getAccountValue(tx.from) ?? newAccount()
    st.putAccountValue(tx.from, {
      nonce: r.nonce,
      balance: r.balance + tx.mint,
      codeHash: r.codeHash,
    })
  }
  const s = st.getAccountValue(tx.from) ?? newAccount()
  const contractAddress = tx.to === null ? createAddress(tx.from, s.nonce) : null
  st.putAccountValue(tx.from, { nonce: s.nonce + 1n, balance: s.balance, codeHash: s.codeHash })
  const intrinsic = intrinsicGas({ data: tx.data, to: tx.to, accessList: [] })
  let gasUsed = tx.gasLimit
  let status: 0 | 1 = 0
  let logs = NO_LOGS
  let bloom: Uint8Array = ZERO_BLOOM
  let returnData = EMPTY_BYTES
  if (tx.gasLimit >= intrinsic) {
    const r = await runEvm(env, tx.from, tx.to, tx.value, tx.data, tx.gasLimit, intrinsic, 0n, [])
    gasUsed = r.gasUsed
    if (r.thrown) await env.ctx.evm.journal.cleanup()
    else {
      status = r.result.execResult.exceptionError === undefined ? 1 : 0
      returnData = r.result.execResult.returnValue
      ;({ logs, bloom } = toLogs(r.result.execResult.logs))
      await finishEvm(env, r.result)
    }
  } else {
    await env.ctx.evm.journal.cleanup()
  }
  return {
    ok: true,
    type: DEPOSIT_TX_TYPE,
    status,
    gasUsed,
    effectiveGasPrice: 0n,
    contractAddress,
    logs,
    bloom,
    l1GasUsed: 0n,
    l1Fee: 0n,
    baseFee: 0n,
    priorityFee: 0n,
    returnData,
  }
}
