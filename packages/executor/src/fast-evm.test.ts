import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { EVM } from '@ethereumjs/evm'
import { Address as EjsAddress } from '@ethereumjs/util'
import { type Address, EMPTY_CODE_HASH, type Hex, keccak256, toHex } from '@lanes/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { enableFastEvm, fastRuns } from './fast-evm.js'
import { type StateSource, TxState } from './tx-state.js'

// Random straight-line programs over the opcodes fast-evm.ts reimplements (memory ops, SLOAD,
// KECCAK256, LOG, CALLDATACOPY, RETURN/REVERT) plus GAS and MSIZE, which expose any gas or
// memory-size difference, run with random gas limits (out-of-gas anywhere) on a stock EVM and
// on one with enableFastEvm: every observable must match.

const CONTRACT = '0x00000000000000000000000000000000000c0de1' as Address
const CALLER = '0x00000000000000000000000000000000000ca11e' as Address

const word = fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: 0n, max: 2n ** 64n }),
  fc.bigInt({ min: 2n ** 64n - 2n, max: 2n ** 64n + 2n }),
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
)
const offset = fc.oneof(fc.nat(96), fc.nat(3000))
const len = fc.oneof(fc.nat(64), fc.nat(700))
const key = fc.oneof(fc.constantFrom(1n, 2n), fc.bigInt({ min: 0n, max: 5n }))
/** stored values: often a slot's original value (0, 7, 14: see source()), for the refund cases */
const stored = fc.oneof(
  { arbitrary: fc.constantFrom(0n, 7n, 14n), weight: 3 },
  { arbitrary: word, weight: 1 },
)

type Op =
  | { op: 'mstore' | 'mstore8'; at: number; v: bigint }
  | { op: 'mload'; at: number }
  | { op: 'sload'; k: bigint }
  | { op: 'sstore'; k: bigint; v: bigint }
  | { op: 'keccak'; at: number; n: number }
  | { op: 'log'; at: number; n: number; topics: bigint[] }
  | { op: 'calldatacopy'; at: number; from: number; n: number }
  | { op: 'gas' | 'msize' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('mstore' as const, 'mstore8' as const), at: offset, v: word }),
  fc.record({ op: fc.constant('mload' as const), at: offset }),
  fc.record({ op: fc.constant('sload' as const), k: key }),
  fc.record({ op: fc.constant('sstore' as const), k: key, v: stored }),
  fc.record({ op: fc.constant('keccak' as const), at: offset, n: len }),
  fc.record({
    op: fc.constant('log' as const),
    at: offset,
    n: len,
    topics: fc.array(word, { maxLength: 4 }),
  }),
  fc.record({ op: fc.constant('calldatacopy' as const), at: offset, from: fc.nat(80), n: len }),
  fc.record({ op: fc.constantFrom('gas' as const, 'msize' as const) }),
)

function push(out: number[], v: bigint): void {
  const bytes: number[] = []
  for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn))
  if (bytes.length === 0) bytes.push(0)
  out.push(0x5f + bytes.length, ...bytes)
}

/** Values an op produces are stored to slot 100+i, so they become part of the state. */
function assemble(ops: Op[], end: { revert: boolean; at: number; n: number }): Uint8Array {
  const c: number[] = []
  const keep = (i: number) => {
    push(c, BigInt(100 + i))
    c.push(0x55)
  }
  ops.forEach((o, i) => {
    switch (o.op) {
      case 'mstore':
      case 'mstore8':
        push(c, o.v)
        push(c, BigInt(o.at))
        c.push(o.op === 'mstore' ? 0x52 : 0x53)
        break
      case 'mload':
        push(c, BigInt(o.at))
        c.push(0x51)
        keep(i)
        break
      case 'sload':
        push(c, o.k)
        c.push(0x54)
        keep(i)
        break
      case 'sstore':
        push(c, o.v)
        push(c, o.k)
        c.push(0x55)
        break
      case 'keccak':
        push(c, BigInt(o.n))
        push(c, BigInt(o.at))
        c.push(0x20)
        keep(i)
        break
      case 'log':
        for (const t of o.topics) push(c, t)
        push(c, BigInt(o.n))
        push(c, BigInt(o.at))
        c.push(0xa0 + o.topics.length)
        break
      case 'calldatacopy':
        push(c, BigInt(o.n))
        push(c, BigInt(o.from))
        push(c, BigInt(o.at))
        c.push(0x37)
        break
      case 'gas':
      case 'msize':
        c.push(o.op === 'gas' ? 0x5a : 0x59)
        keep(i)
    }
  })
  push(c, BigInt(end.n))
  push(c, BigInt(end.at))
  c.push(end.revert ? 0xfd : 0xf3)
  return Uint8Array.from(c)
}

function source(code: Uint8Array): StateSource {
  const codeHash = toHex(keccak256(code))
  return {
    account: (a) =>
      a === CONTRACT
        ? { nonce: 1n, balance: 0n, codeHash }
        : a === CALLER
          ? { nonce: 0n, balance: 10n ** 18n, codeHash: EMPTY_CODE_HASH }
          : undefined,
    storage: (_a, slot) => (BigInt(slot) < 3n ? BigInt(slot) * 7n : 0n),
    code: (h) => (h === codeHash ? code : undefined),
  }
}

function newEvm(state: TxState): EVM {
  const common = createCustomCommon({ chainId: 901 }, Mainnet, { hardfork: Hardfork.Cancun })
  return new EVM({ common, stateManager: state })
}

async function run(evm: EVM, state: TxState, src: StateSource, data: Uint8Array, gas: bigint) {
  state.reset(src)
  const r = await evm.runCall({
    caller: new EjsAddress(Uint8Array.from(Buffer.from(CALLER.slice(2), 'hex'))),
    to: new EjsAddress(Uint8Array.from(Buffer.from(CONTRACT.slice(2), 'hex'))),
    gasLimit: gas,
    data,
  })
  const e = r.execResult
  return {
    gasUsed: e.executionGasUsed,
    refund: e.gasRefund,
    error: e.exceptionError?.error,
    ret: toHex(e.returnValue),
    logs: (e.logs ?? []).map(([a, t, d]) => [toHex(a), t.map(toHex), toHex(d)]),
    storage: [...(state.storage.get(CONTRACT) ?? new Map<Hex, bigint>())].sort(),
    reads: [...(state.storageReads.get(CONTRACT) ?? new Map<Hex, bigint>())].sort(),
  }
}

describe('fast interpreter paths (fast-evm.ts)', () => {
  it('match the stock interpreter on random programs, gas limits and calldata', async () => {
    const stockState = new TxState()
    const fastState = new TxState()
    const stock = newEvm(stockState)
    const fast = newEvm(fastState)
    await enableFastEvm(fast, fastState)
    let outOfGas = 0
    const runs0 = fastRuns.count
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.record({ revert: fc.boolean(), at: offset, n: len }),
        fc.uint8Array({ maxLength: 100 }),
        fc.oneof(fc.bigInt({ min: 0n, max: 60_000n }), fc.constant(5_000_000n)),
        async (ops, end, data, gas) => {
          const code = assemble(ops, end)
          const src = source(code)
          const a = await run(stock, stockState, src, data, gas)
          const b = await run(fast, fastState, src, data, gas)
          if (a.error === 'out of gas') outOfGas++
          expect(b).toEqual(a)
        },
      ),
      { numRuns: 600 },
    )
    // the property must have run programs into the gas limit, not only to completion
    expect(outOfGas).toBeGreaterThan(20)
    expect(fastRuns.count - runs0).toBeGreaterThanOrEqual(600)
  })

  it('match the stock SSTORE gas and refunds on every write sequence of up to 3 values', async () => {
    const stockState = new TxState()
    const fastState = new TxState()
    const stock = newEvm(stockState)
    const fast = newEvm(fastState)
    await enableFastEvm(fast, fastState)
    const values = [0n, 5n, 7n]
    const seqs: bigint[][] = []
    for (const a of values) {
      seqs.push([a])
      for (const b of values) {
        seqs.push([a, b])
        for (const c of values) seqs.push([a, b, c])
      }
    }
    let refunded = 0
    // slot 0 starts at 0, slot 1 at 7 (see source()): every EIP-2200 case of both
    for (const k of [0n, 1n])
      for (const s of seqs) {
        const ops: Op[] = s.map((v) => ({ op: 'sstore', k, v }))
        const code = assemble(ops, { revert: false, at: 0, n: 0 })
        const a = await run(stock, stockState, source(code), new Uint8Array(0), 1_000_000n)
        const b = await run(fast, fastState, source(code), new Uint8Array(0), 1_000_000n)
        expect(b).toEqual(a)
        if (a.refund !== undefined && a.refund > 0n) refunded++
      }
    expect(refunded).toBeGreaterThan(10)
  })
})
