import {
  type Account,
  type Address,
  type BlockEnv,
  type BlockHeader,
  EMPTY_CODE_HASH,
  type Hex,
  intrinsicGas,
  keccak256Hex,
  type RecoveredTx,
  RpcVisibleError,
  type StateReader,
} from '@lanes/core'
import { type ExecutorConfig, simulateTx } from '@lanes/executor'
import {
  type CallRequest,
  type CallResult,
  ExecutionRevertedError,
  type StateOverrides,
} from './node.js'

export type CallContext = { header: BlockHeader; state: StateReader; overrides?: StateOverrides }

export type CallEnv = {
  chainId: bigint
  gasCap: bigint
  nextBaseFee: bigint
  coinbase: Address
  execConfig: ExecutorConfig
  blockHash: (n: bigint) => Hex | undefined
}

const ZERO = '0x0000000000000000000000000000000000000000' as Address

/** A StateReader with geth's eth_call state overrides applied on top. */
export function withOverrides(base: StateReader, overrides?: StateOverrides): StateReader {
  if (!overrides || overrides.size === 0) return base
  const byAddr = new Map<Address, NonNullable<ReturnType<StateOverrides['get']>>>()
  const code = new Map<Hex, Uint8Array>()
  for (const [a, o] of overrides) {
    byAddr.set(a.toLowerCase() as Address, o)
    if (o.code) code.set(keccak256Hex(o.code), o.code)
  }
  return {
    getAccount(address) {
      const o = byAddr.get(address)
      const acct = base.getAccount(address)
      if (!o) return acct
      const out: Account = acct
        ? { ...acct }
        : { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH }
      if (o.balance !== undefined) out.balance = o.balance
      if (o.nonce !== undefined) out.nonce = o.nonce
      if (o.code) out.codeHash = o.code.length === 0 ? EMPTY_CODE_HASH : keccak256Hex(o.code)
      return out
    },
    getStorage(address, slot) {
      const o = byAddr.get(address)
      if (o?.state) return o.state.get(slot) ?? 0n
      const patched = o?.stateDiff?.get(slot)
      return patched ?? base.getStorage(address, slot)
    },
    getCode(hash) {
      return code.get(hash) ?? base.getCode(hash)
    },
  }
}

/**
 * Runs `request` as the only tx of a throw-away block on top of the context block. Like geth,
 * a call without fee fields runs with base fee 0 so an unfunded `from` can call.
 * Returns the receipt status and gas used.
 */
async function run(
  request: CallRequest,
  gas: bigint,
  ctx: CallContext,
  env: CallEnv,
): Promise<{ status: 0 | 1; gasUsed: bigint; returnData: Hex }> {
  const state = withOverrides(ctx.state, ctx.overrides)
  const from = (request.from?.toLowerCase() ?? ZERO) as Address
  const priced =
    request.gasPrice !== undefined ||
    request.maxFeePerGas !== undefined ||
    request.maxPriorityFeePerGas !== undefined
  const baseFee = priced ? env.nextBaseFee : 0n
  const maxFee = request.maxFeePerGas ?? request.gasPrice ?? 0n
  const tip = request.maxPriorityFeePerGas ?? (request.gasPrice !== undefined ? maxFee : 0n)
  if (priced && maxFee < baseFee)
    throw new RpcVisibleError(
      -32000,
      `max fee per gas less than block base fee: address ${from}, maxFeePerGas: ${maxFee}, baseFee: ${baseFee}`,
    )
  const data = request.data ?? new Uint8Array(0)
  const to = request.to ? (request.to.toLowerCase() as Address) : null
  const accessList = request.accessList ?? []
  const intrinsic = intrinsicGas({ data, to, accessList })
  if (gas < intrinsic)
    throw new RpcVisibleError(
      -32000,
      `intrinsic gas too low: gas ${gas}, minimum needed ${intrinsic}`,
    )
  const nonce = request.nonce ?? state.getAccount(from)?.nonce ?? 0n
  const tx: RecoveredTx = {
    type: 2,
    chainId: env.chainId,
    nonce,
    gasLimit: gas,
    to,
    value: request.value ?? 0n,
    data,
    gasPrice: maxFee,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: tip > maxFee ? maxFee : tip,
    accessList,
    yParity: 0,
    r: 0n,
    s: 0n,
    hash: `0x${'00'.repeat(32)}`,
    signingHash: new Uint8Array(32),
    raw: new Uint8Array(0),
    intrinsicGas: intrinsic,
    from,
  }
  const blockEnv: BlockEnv = {
    number: ctx.header.number + 1n,
    timestamp: ctx.header.timestamp + 1n,
    gasLimit: gas > ctx.header.gasLimit ? gas : ctx.header.gasLimit,
    baseFeePerGas: baseFee,
    coinbase: env.coinbase,
    chainId: env.chainId,
    prevRandao: ctx.header.l1OriginHash,
    l1BaseFee: 0n,
    l1BlobBaseFee: 0n,
    blockHash: (n) => (n <= ctx.header.number ? env.blockHash(n) : undefined),
  }
  const result = await simulateTx(blockEnv, tx, state, env.execConfig)
  if (!result.ok) throw new RpcVisibleError(-32000, result.reason)
  const { receipt, returnData } = result
  return { status: receipt.status, gasUsed: receipt.gasUsed, returnData }
}

/** eth_call: the top call's output, or ExecutionRevertedError carrying the revert data. */
export async function executeCall(
  request: CallRequest,
  ctx: CallContext,
  env: CallEnv,
): Promise<CallResult> {
  const gas = request.gas !== undefined && request.gas < env.gasCap ? request.gas : env.gasCap
  const r = await run(request, gas, ctx, env)
  if (r.status === 0) throw new ExecutionRevertedError(r.returnData)
  return { returnData: r.returnData, gasUsed: r.gasUsed }
}

/** eth_estimateGas: geth's binary search for the smallest gas limit that succeeds. */
export async function estimateCallGas(
  request: CallRequest,
  ctx: CallContext,
  env: CallEnv,
): Promise<bigint> {
  let hi = request.gas !== undefined && request.gas < env.gasCap ? request.gas : env.gasCap
  const top = await run(request, hi, ctx, env)
  if (top.status === 0) throw new ExecutionRevertedError(top.returnData)
  const data = request.data ?? new Uint8Array(0)
  let lo = intrinsicGas({ data, to: request.to ?? null, accessList: request.accessList ?? [] }) - 1n
  // geth's shortcut: plain transfers and most calls succeed at the gas they used (+ refunds
  // aside); try that first so the search is usually one extra run.
  const guess = top.gasUsed
  if (guess > lo && guess < hi) {
    const r = await run(request, guess, ctx, env)
    if (r.status === 1) hi = guess
    else lo = guess
  }
  while (lo + 1n < hi) {
    const mid = (lo + hi) / 2n
    const r = await run(request, mid, ctx, env).catch(() => ({ status: 0 as const }))
    if (r.status === 1) hi = mid
    else lo = mid
  }
  return hi
}
