import { type Common, createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { EVM, EVMError } from '@ethereumjs/evm'
import {
  createZeroAddress,
  Account as EjsAccount,
  type Address as EjsAddress,
} from '@ethereumjs/util'
import { type Hex, LanesError } from '@lanes/core'
import { TxState } from './tx-state.js'

// A faster interpreter loop for our own EVM instances, measured on ERC20 transfers: the
// stock loop awaits an async runStep per opcode and every dynamic-gas handler is an async
// function (a promise per MSTORE); the jump-destination analysis is redone on every call;
// MSTORE/MLOAD/SLOAD go through hex strings and array spreads. Together that was ~40 % of
// the bytes allocated per tx, and young-generation GC was a quarter of the CPU.
//
// Only EVMs passed to enableFastEvm take these paths (the prototype patch checks a flag),
// so @ethereumjs/vm in the differential tests keeps the stock interpreter as the reference.
// Everything here must charge the same gas and leave the same state as the stock code.

type Stack = {
  length: number
  _store: bigint[]
  _len: number
  push(v: bigint): void
  pop(): bigint
  peek(n?: number): bigint[]
}
type Memory = { _store: Uint8Array; extend(offset: number, size: number): void }
type OpInfo = {
  code: number
  name: string
  feeBigInt: bigint
  dynamicGas: boolean
  isAsync: boolean
  isInvalid: boolean
}
type OpEntry = {
  opcodeInfo: OpInfo
  opHandler: (rs: RunState, common: Common) => unknown
  gasHandler: (rs: RunState, gas: bigint, common: Common) => Promise<bigint>
}
type RunState = {
  programCounter: number
  opCode: number
  memory: Memory
  memoryWordCount: bigint
  highestMemCost: bigint
  stack: Stack
  code: Uint8Array
  validJumps: Uint8Array
  cachedPushes: Record<number, bigint>
  shouldDoJumpAnalysis: boolean
  gasLeft: bigint
  env: { address: EjsAddress; accessWitness?: unknown; eof?: unknown }
  interpreter: Interp
  eip8037BurnLeftoverAfterCreateHaltOntoAlive?: boolean
  eip7928PostTargetCallOog?: unknown
}
type Analysis = { jumps: Uint8Array; pushes: Record<number, bigint>; opcodesCached: OpEntry[] }
type Interp = {
  _evm: FastEvm
  _runState: RunState
  common: Common
  useGas(amount: bigint, context?: unknown): void
  isStatic(): boolean
  _getValidJumpDestinations(code: Uint8Array): Analysis
  run(code: Uint8Array, opts?: { pc?: number }): Promise<unknown>
}
type FastEvm = {
  common: Common
  _opcodeMap: OpEntry[]
  events: { listenerCount(event: string): number }
  runCode(opts: { code: Uint8Array; gasLimit: bigint }): Promise<unknown>
  DEBUG: boolean
  _optsCached: { profiler?: { enabled?: boolean } }
  journal: {
    journal: Map<string, Set<string>>
    alwaysWarmJournal: Map<string, Set<string>>
    addWarmedStorage(address: Uint8Array, slot: Uint8Array): void
  }
  [FAST]?: FastState
}
type FastState = {
  analyses: WeakMap<Uint8Array, Analysis>
  state: TxState
  common: Common
  /** interpreters of finished frames, reused (each held an 8 KB memory and a stack) */
  idle: Interp[]
}

const FAST = Symbol('lanes.fastEvm')
/** frames run by the fast loop in this thread (tests check the fast path was taken) */
export const fastRuns = { count: 0 }
const B0 = 0n
const B1 = 1n
const B32 = 32n
const M64 = 0xffffffffffffffffn

function trap(msg: string): never {
  throw new EVMError(msg as never)
}

function divCeil(a: bigint, b: bigint): bigint {
  const d = a / b
  return a % b === B0 ? d : d + B1
}

/** util.js subMemUsage, with the memory gas params read once per EVM. */
function memCost(rs: RunState, offset: bigint, length: bigint, fee: bigint, quad: bigint): bigint {
  if (length === B0) return B0
  const words = divCeil(offset + length, B32)
  if (words <= rs.memoryWordCount) return B0
  let cost = words * fee + (words * words) / quad
  if (cost > rs.highestMemCost) {
    const prev = rs.highestMemCost
    rs.highestMemCost = cost
    cost -= prev
  }
  rs.memoryWordCount = words
  return cost
}

let dvStore: Uint8Array | undefined
let dv: DataView | undefined
function view(store: Uint8Array): DataView {
  if (store !== dvStore) {
    dvStore = store
    dv = new DataView(store.buffer, store.byteOffset, store.byteLength)
  }
  return dv!
}

/** A 256-bit word big-endian at `at` (what setLengthLeft(bigIntToBytes(w), 32) writes). */
function writeWord(store: Uint8Array, at: number, w: bigint): void {
  const d = view(store)
  if (w <= M64) {
    d.setBigUint64(at, B0)
    d.setBigUint64(at + 8, B0)
    d.setBigUint64(at + 16, B0)
    d.setBigUint64(at + 24, w)
    return
  }
  d.setBigUint64(at + 24, w & M64)
  d.setBigUint64(at + 16, (w >> 64n) & M64)
  d.setBigUint64(at + 8, (w >> 128n) & M64)
  d.setBigUint64(at, w >> 192n)
}

function readWord(store: Uint8Array, at: number): bigint {
  const d = view(store)
  const a = d.getBigUint64(at)
  const b = d.getBigUint64(at + 8)
  const c = d.getBigUint64(at + 16)
  const e = d.getBigUint64(at + 24)
  if (a === B0 && b === B0 && c === B0) return e
  return (a << 192n) | (b << 128n) | (c << 64n) | e
}

const HEX64 = '0'.repeat(64)
function slotHex(key: bigint): string {
  const h = key.toString(16)
  return HEX64.slice(h.length) + h
}

function need(stack: Stack, n: number): void {
  if (stack.length < n) trap(EVMError.errorMessages.STACK_UNDERFLOW)
}

type SyncGas = (rs: RunState, gas: bigint) => bigint

/** Dynamic gas of the ops whose stock handlers are async functions without awaits. */
function syncGasHandlers(common: Common): Map<number, SyncGas> {
  const fee = common.param('memoryGas')
  const quad = common.param('quadCoefficientDivGas')
  const wordGas = common.param('keccak256WordGas')
  const copyGas = common.param('copyGas')
  const topicGas = common.param('logTopicGas')
  const dataGas = common.param('logDataGas')
  const m = new Map<number, SyncGas>()
  const mem = (rs: RunState, o: bigint, l: bigint) => memCost(rs, o, l, fee, quad)
  m.set(0x20, (rs, gas) => {
    const [offset, length] = rs.stack.peek(2) as [bigint, bigint]
    return gas + mem(rs, offset, length) + wordGas * divCeil(length, B32)
  })
  m.set(0x37, (rs, gas) => {
    const [memOffset, , length] = rs.stack.peek(3) as [bigint, bigint, bigint]
    gas += mem(rs, memOffset, length)
    return length === B0 ? gas : gas + copyGas * divCeil(length, B32)
  })
  m.set(0x51, (rs, gas) => gas + mem(rs, rs.stack.peek()[0]!, B32))
  m.set(0x52, (rs, gas) => gas + mem(rs, rs.stack.peek()[0]!, B32))
  m.set(0x53, (rs, gas) => gas + mem(rs, rs.stack.peek()[0]!, B1))
  const log: SyncGas = (rs, gas) => {
    if (rs.interpreter.isStatic()) trap(EVMError.errorMessages.STATIC_STATE_CHANGE)
    const [memOffset, memLength] = rs.stack.peek(2) as [bigint, bigint]
    const topics = rs.opCode - 0xa0
    gas += mem(rs, memOffset, memLength)
    return gas + topicGas * BigInt(topics) + memLength * dataGas
  }
  for (let op = 0xa0; op <= 0xa4; op++) m.set(op, log)
  const ret: SyncGas = (rs, gas) => {
    const [offset, length] = rs.stack.peek(2) as [bigint, bigint]
    return gas + mem(rs, offset, length)
  }
  m.set(0xf3, ret)
  m.set(0xfd, ret)
  return m
}

/** Op handlers without the hex round trips (same stack and memory effects). */
function installHandlers(evm: FastEvm, st: FastState): void {
  const map = evm._opcodeMap
  const set = (op: number, fn: (rs: RunState) => void) => {
    const e = map[op]
    if (e !== undefined && e.opcodeInfo.code === op) e.opHandler = fn
  }
  set(0x51, (rs) => {
    const at = Number(rs.stack.pop())
    rs.memory.extend(at, 32)
    rs.stack.push(readWord(rs.memory._store, at))
  })
  set(0x52, (rs) => {
    need(rs.stack, 2)
    const at = Number(rs.stack.pop())
    const w = rs.stack.pop()
    rs.memory.extend(at, 32)
    writeWord(rs.memory._store, at, w)
  })
  // SSTORE straight into TxState, then the stock handler's re-read of the contract account
  set(0x55, (rs) => {
    need(rs.stack, 2)
    const key = rs.stack.pop()
    const val = rs.stack.pop()
    const a = rs.env.address.toString() as `0x${string}`
    st.state.putStorageValue(a, `0x${slotHex(key)}` as Hex, val)
    const account = st.state.ejsAccount(a)
    if (account === undefined)
      throw new FastEvmError('could not read account while persisting memory')
    ;(rs.env as { contract?: unknown }).contract = account
  })
  // SLOAD straight from TxState (its async getStorage is hex bytes in and out)
  set(0x54, (rs) => {
    const key = rs.stack.pop()
    rs.stack.push(st.state.getStorageValue(rs.env.address.toString(), `0x${slotHex(key)}` as Hex))
  })
}

/**
 * SSTORE gas as the stock handler computes it for Cancun (EIP-2200 with the EIP-2929 warm
 * adjustments, then the cold-slot charge), on bigints instead of padded byte arrays.
 */
function sstoreGas(evm: FastEvm, st: FastState, common: Common): SyncGas {
  const p = (name: string) => common.param(name)
  const sentry = p('sstoreSentryEIP2200Gas')
  const noop = p('sstoreNoopEIP2200Gas')
  const init = p('sstoreInitEIP2200Gas')
  const clean = p('sstoreCleanEIP2200Gas')
  const dirty = p('sstoreDirtyEIP2200Gas')
  const clearRefund = p('sstoreClearRefundEIP2200Gas')
  const initRefund = p('sstoreInitRefundEIP2200Gas')
  const cleanRefund = p('sstoreCleanRefundEIP2200Gas')
  const reset = p('sstoreResetGas')
  const cold = p('coldsloadGas')
  const warmRead = p('warmstoragereadGas')
  return (rs, gas) => {
    const it = rs.interpreter as Interp & {
      refundGas(amount: bigint, context?: string): void
      subRefund(amount: bigint, context?: string): void
    }
    if (it.isStatic()) trap(EVMError.errorMessages.STATIC_STATE_CHANGE)
    const [key, val] = rs.stack.peek(2) as [bigint, bigint]
    const addr = rs.env.address
    const a = addr.toString()
    const k = slotHex(key)
    const slot = `0x${k}` as Hex
    const current = st.state.getStorageValue(a as `0x${string}`, slot)
    const original = st.state.originalValue(a as `0x${string}`, slot)
    if (rs.gasLeft <= sentry) trap(EVMError.errorMessages.OUT_OF_GAS)
    const j = evm.journal
    const ah = a.slice(2)
    const warm = j.journal.get(ah)?.has(k) === true || j.alwaysWarmJournal.get(ah)?.has(k) === true
    if (current === val) gas += warm ? warmRead : noop
    else if (original === current) {
      if (original === B0) gas += init
      else {
        if (val === B0) it.refundGas(clearRefund)
        gas += clean
      }
    } else {
      if (original !== B0) {
        if (current === B0) it.subRefund(clearRefund)
        else if (val === B0) it.refundGas(clearRefund)
      }
      if (original === val) {
        if (original === B0) it.refundGas(warm ? init - warmRead : initRefund)
        else it.refundGas(warm ? reset - cold - warmRead : cleanRefund)
      }
      gas += dirty
    }
    // accessStorageEIP2929 for SSTORE: only a cold slot costs (and is warmed)
    if (!warm) {
      const kb = new Uint8Array(32)
      writeWord(kb, 0, key)
      j.addWarmedStorage(addr.bytes, kb)
      gas += cold
    }
    return gas
  }
}

/** EIP-2929 SLOAD gas with string keys (journal.isWarmedStorage hexes the bytes each time). */
function sloadGas(evm: FastEvm, common: Common): SyncGas {
  const cold = common.param('coldsloadGas')
  const warm = common.param('warmstoragereadGas')
  return (rs, gas) => {
    const key = rs.stack.peek()[0]!
    const j = evm.journal
    const addr = rs.env.address
    const a = addr.toString().slice(2)
    const k = slotHex(key)
    if (j.journal.get(a)?.has(k) || j.alwaysWarmJournal.get(a)?.has(k)) return gas + warm
    const kb = new Uint8Array(32)
    writeWord(kb, 0, key)
    j.addWarmedStorage(addr.bytes, kb)
    return gas + cold
  }
}

const syncGas = new WeakMap<FastEvm, Map<number, SyncGas>>()

function step(it: Interp, rs: RunState, entry: OpEntry, gasMap: Map<number, SyncGas>) {
  const info = entry.opcodeInfo
  let gas = info.feeBigInt
  if (info.dynamicGas) {
    const g = gasMap.get(info.code)
    if (g === undefined) return stepAsync(it, rs, entry, gas)
    gas = g(rs, gas)
  }
  return finish(it, rs, entry, gas)
}

async function stepAsync(it: Interp, rs: RunState, entry: OpEntry, gas: bigint) {
  gas = await entry.gasHandler(rs, gas, it.common)
  await finish(it, rs, entry, gas)
}

function finish(it: Interp, rs: RunState, entry: OpEntry, gas: bigint): unknown {
  const info = entry.opcodeInfo
  if (info.isInvalid) trap(EVMError.errorMessages.INVALID_OPCODE)
  it.useGas(gas, info)
  rs.programCounter++
  return entry.opHandler(rs, it.common)
}

/**
 * Interpreter.run for legacy bytecode with no tracer, profiler, EOF, Verkle or
 * block-access-list EIP active (checked once in enableFastEvm): no promise per opcode.
 */
async function fastRun(this: Interp, code: Uint8Array, opts: { pc?: number } = {}) {
  fastRuns.count++
  const rs = this._runState
  const evm = this._evm
  rs.code = code
  rs.programCounter = opts.pc ?? rs.programCounter
  const pc0 = rs.programCounter
  if (pc0 !== 0 && (pc0 < 0 || pc0 >= code.length))
    throw new FastEvmError('Internal error: program counter not in range')
  // Analysis up front (cached per code): the stock loop runs it at the first jump and
  // until then reads the same values from the code directly.
  const an = this._getValidJumpDestinations(code)
  rs.validJumps = an.jumps
  rs.cachedPushes = an.pushes
  rs.shouldDoJumpAnalysis = false
  const ops = an.opcodesCached
  const map = evm._opcodeMap
  const gasMap = syncGas.get(evm)!
  let err: unknown
  while (rs.programCounter < code.length) {
    const pc = rs.programCounter
    const entry = ops[pc] ?? map[code[pc]!]!
    rs.opCode = entry.opcodeInfo.code
    try {
      const p = step(this, rs, entry, gasMap)
      if (p !== undefined) await p
    } catch (e) {
      // as the stock loop: only EVM errors end the frame, STOP is not an exception
      if ((e as { errorType?: unknown } | null)?.errorType !== 'EVMError') throw e
      if ((e as EVMError).error !== EVMError.errorMessages.STOP) err = e
      break
    }
  }
  if (
    err === undefined &&
    rs.eip8037BurnLeftoverAfterCreateHaltOntoAlive === true &&
    rs.gasLeft > B0
  ) {
    rs.gasLeft = B0
    err = new EVMError(EVMError.errorMessages.OUT_OF_GAS)
  }
  return { runState: rs, exceptionError: err }
}

let protos: Protos | undefined

function patch(p: Protos): void {
  if (protos !== undefined) return
  protos = p
  const proto = p.interp
  const run = proto.run
  const analyse = proto._getValidJumpDestinations
  proto.run = function (this: Interp, code: Uint8Array, opts?: { pc?: number }) {
    const evm = this._evm
    const fast =
      evm[FAST] !== undefined &&
      !evm.DEBUG &&
      evm._optsCached.profiler?.enabled !== true &&
      evm.events.listenerCount('step') === 0 &&
      this._runState.env.accessWitness === undefined &&
      this._runState.env.eof === undefined &&
      code[0] !== 0xef
    return fast ? fastRun.call(this, code, opts) : run.call(this, code, opts)
  }
  proto._getValidJumpDestinations = function (this: Interp, code: Uint8Array) {
    const st = this._evm[FAST]
    if (st === undefined) return analyse.call(this, code)
    let a = st.analyses.get(code)
    if (a === undefined) {
      a = analyse.call(this, code)
      st.analyses.set(code, a)
    }
    return a
  }
}

export class FastEvmError extends LanesError {
  override name = 'FastEvmError'
}

type Protos = { interp: Interp; memory: object; stack: object }

/** Gets Interpreter/Memory/Stack prototypes (not exported) from a throwaway EVM's first opcode. */
async function interpreterProto(): Promise<Protos> {
  const state = new TxState()
  state.reset({ account: () => undefined, storage: () => 0n, code: () => undefined })
  const common = createCustomCommon({}, Mainnet, { hardfork: Hardfork.Cancun })
  const evm = new EVM({ common, stateManager: state }) as unknown as FastEvm
  const entry = evm._opcodeMap[0x00]!
  let proto: Protos | undefined
  const stop = entry.opHandler
  entry.opHandler = (rs, c) => {
    proto = {
      interp: Object.getPrototypeOf(rs.interpreter) as Interp,
      memory: Object.getPrototypeOf(rs.memory) as object,
      stack: Object.getPrototypeOf(rs.stack) as object,
    }
    return stop(rs, c)
  }
  await evm.runCode({ code: Uint8Array.of(0x00), gasLimit: 100n })
  if (proto === undefined) throw new FastEvmError('could not reach the EVM interpreter')
  return proto
}

const UNSUPPORTED_EIPS = [3540, 6800, 7864, 7928, 8037, 8024]

/**
 * Makes `evm` (running on `state`) use the fast paths, if its fork has none of the EIPs
 * they do not model. Once per thread, a throwaway EVM finds the interpreter to patch.
 */
export async function enableFastEvm(evm: EVM, state: TxState): Promise<void> {
  const e = evm as unknown as FastEvm
  if (e[FAST] !== undefined) return
  const common = evm.common
  if (UNSUPPORTED_EIPS.some((eip) => common.isActivatedEIP(eip))) return
  if (!common.isActivatedEIP(2929)) return
  if (protos === undefined) patch(await interpreterProto())
  const st: FastState = { analyses: new WeakMap(), state, common, idle: [] }
  const gas = syncGasHandlers(common)
  gas.set(0x54, sloadGas(e, common))
  gas.set(0x55, sstoreGas(e, st, common))
  syncGas.set(e, gas)
  installHandlers(e, st)
  if (common.consensusType() !== 'poa')
    (e as unknown as { runInterpreter: unknown }).runInterpreter = runInterpreter
  e[FAST] = st
}

const NO_BYTES = new Uint8Array(0)
const MEMORY_SIZE = 8192

type Message = {
  to?: EjsAddress
  caller?: EjsAddress
  data?: Uint8Array
  value?: bigint
  code: Uint8Array
  isStatic?: boolean
  isCreate?: boolean
  depth?: number
  codeAddress: EjsAddress
  gasRefund: bigint
  gasLimit: bigint
  chargeCodeAccesses?: boolean
  blobVersionedHashes?: Uint8Array[]
  accessWitness?: { commit(): void }
  createdAddresses?: Set<string>
  selfdestruct?: Map<string, Uint8Array>
}
type EvmInternals = FastEvm & {
  stateManager: TxState
  blockchain: unknown
  performanceLogger: unknown
  _tx: { gasPrice: bigint; origin?: EjsAddress }
  _block: unknown
}
type InterpFields = Interp & {
  opDebuggers: object
  _stateManager: unknown
  journal: unknown
  _env: Record<string, unknown>
  _result: {
    logs: unknown[]
    returnValue?: Uint8Array
    selfdestruct: Map<string, Uint8Array>
    createdAddresses?: Set<string>
  }
  profilerOpts: unknown
  performanceLogger: unknown
}

/**
 * An interpreter as the stock constructor builds it, but reusing a finished frame's memory
 * (zeroed) and stack: the stock one allocates an 8 KB buffer per call.
 */
function takeInterpreter(
  evm: EvmInternals,
  env: Record<string, unknown>,
  gasLeft: bigint,
): InterpFields {
  const st = evm[FAST]!
  let it = st.idle.pop() as InterpFields | undefined
  let memory: Memory
  let stack: Stack
  if (it === undefined) {
    it = Object.create(protos!.interp) as InterpFields
    memory = Object.create(protos!.memory) as Memory
    memory._store = new Uint8Array(MEMORY_SIZE)
    stack = Object.create(protos!.stack) as Stack
    stack._len = 0
    stack._store = []
    ;(stack as unknown as { _maxHeight: number })._maxHeight = 1024
  } else {
    memory = it._runState.memory
    stack = it._runState.stack
  }
  it.opDebuggers = {}
  it._evm = evm
  it._stateManager = evm.stateManager
  it.common = evm.common
  it._runState = {
    programCounter: 0,
    opCode: 0xfe,
    memory,
    memoryWordCount: B0,
    highestMemCost: B0,
    stack,
    code: NO_BYTES,
    validJumps: NO_BYTES,
    cachedPushes: {},
    stateManager: evm.stateManager,
    blockchain: evm.blockchain,
    env,
    shouldDoJumpAnalysis: true,
    interpreter: it,
    gasRefund: env.gasRefund,
    gasLeft,
    stateGasSpilled: B0,
    returnBytes: NO_BYTES,
  } as unknown as RunState
  it.journal = evm.journal
  it._env = env
  it._result = { logs: [], returnValue: undefined, selfdestruct: new Map() }
  it.profilerOpts = evm._optsCached.profiler
  it.performanceLogger = evm.performanceLogger
  return it
}

function releaseInterpreter(evm: EvmInternals, it: InterpFields): void {
  const rs = it._runState
  const m = rs.memory
  // a grown memory is dropped; the usual one is zeroed for the next frame
  if (m._store.length !== MEMORY_SIZE) m._store = new Uint8Array(MEMORY_SIZE)
  else m._store.fill(0)
  rs.stack._len = 0
  if (evm[FAST]!.idle.length < 16) evm[FAST]!.idle.push(it)
}

/**
 * EVM.runInterpreter for our EVMs: the same frame setup and result, with a reused
 * interpreter and the result's `runState` (the stock code spreads three objects of ~45 keys
 * into it, and nothing reads it) built only if read.
 */
async function runInterpreter(this: EvmInternals, message: Message, opts: { pc?: number } = {}) {
  let contract = await this.stateManager.getAccount(message.to ?? createZeroAddress())
  if (!contract) contract = new EjsAccount()
  const env: Record<string, unknown> = {
    address: message.to ?? createZeroAddress(),
    caller: message.caller ?? createZeroAddress(),
    callData: message.data ?? Uint8Array.from([0]),
    callValue: message.value ?? B0,
    code: message.code,
    isStatic: message.isStatic ?? false,
    isCreate: message.isCreate ?? false,
    depth: message.depth ?? 0,
    gasPrice: this._tx.gasPrice,
    origin: this._tx.origin ?? message.caller ?? createZeroAddress(),
    block: this._block,
    contract,
    codeAddress: message.codeAddress,
    gasRefund: message.gasRefund,
    chargeCodeAccesses: message.chargeCodeAccesses,
    blobVersionedHashes: message.blobVersionedHashes ?? [],
    accessWitness: message.accessWitness,
    createdAddresses: message.createdAddresses,
    initialLogs: undefined,
  }
  const it = takeInterpreter(this, env, message.gasLimit)
  if (message.selfdestruct) it._result.selfdestruct = message.selfdestruct
  if (message.createdAddresses) it._result.createdAddresses = message.createdAddresses
  const res = (await it.run(message.code, opts)) as {
    runState: RunState & { gasRefund: bigint; stateGasSpilled: bigint }
    exceptionError?: EVMError
  }
  let result = it._result
  const rs = res.runState
  let gasUsed = message.gasLimit - rs.gasLeft
  const error = res.exceptionError
  if (error) {
    if (
      error.error !== EVMError.errorMessages.REVERT &&
      error.error !== EVMError.errorMessages.INVALID_EOF_FORMAT
    )
      gasUsed = message.gasLimit
    result = { ...result, logs: [], selfdestruct: new Map(), createdAddresses: new Set() }
  }
  message.accessWitness?.commit()
  const gasLeft = rs.gasLeft
  const gasRefund = rs.gasRefund
  const stateGasSpilled = rs.stateGasSpilled
  const envCopy = it._env
  releaseInterpreter(this, it)
  const out = {
    ...result,
    runState: undefined as unknown,
    exceptionError: error,
    gas: gasLeft,
    executionGasUsed: gasUsed,
    gasRefund,
    stateGasSpilled,
    returnValue: result.returnValue ?? new Uint8Array(0),
  }
  Object.defineProperty(out, 'runState', {
    enumerable: true,
    configurable: true,
    get: () => ({ ...rs, ...result, ...envCopy }),
  })
  return out
}
