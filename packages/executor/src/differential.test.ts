import { createBlock } from '@ethereumjs/block'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { SimpleStateManager } from '@ethereumjs/statemanager'
import {
  createAccessList2930Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from '@ethereumjs/tx'
import { Account as EjsAccount, Address as EjsAddress, privateToAddress } from '@ethereumjs/util'
import { createVM, runTx, type VM } from '@ethereumjs/vm'
import {
  type Address,
  type BlockEnv,
  bigintToBytes32,
  fromHex,
  type Hex,
  keccak256,
  loadKzg,
  type RecoveredTx,
  toHex,
} from '@lanes/core'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { encodeDeployData, encodeFunctionData, getContractAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { executeBlockAsync } from './execute-block.js'
import { Kitchen, Token } from './fixtures/contracts.js'
import {
  BLS_MODULUS,
  CONSTANT_5_COMMITMENT,
  constantBlob,
  POINT_EVAL_CALLER_INIT,
  POINT_EVAL_RETURN,
  pointEvaluationInputs,
} from './fixtures/kzg.js'
import { addr, MemState, makeTx } from './fixtures/mem-state.js'
import type { ExecutorConfig } from './types.js'

const CHAIN_ID = 901n
const common = createCustomCommon({ chainId: 901 }, Mainnet, { hardfork: Hardfork.Cancun })
const COINBASE = addr(1, 0xcb)
const BASE_VAULT = addr(2, 0xfe)
const config: ExecutorConfig = {
  baseFeeVault: BASE_VAULT,
  priorityFeeVault: COINBASE,
  l1FeeVault: addr(3, 0xfe),
  l1BaseFeeScalar: 0n,
  l1BlobBaseFeeScalar: 0n,
}
const env: BlockEnv = {
  number: 5n,
  timestamp: 1_700_000_000n,
  gasLimit: 30_000_000n,
  baseFeePerGas: 1_000_000_000n,
  coinbase: COINBASE,
  chainId: CHAIN_ID,
  prevRandao: toHex(keccak256(new Uint8Array([7]))),
  l1BaseFee: 0n,
  l1BlobBaseFee: 0n,
}

const keys = [1, 2, 3, 4].map((i) => bigintToBytes32(BigInt(i) * 0x1111111111111n))
const senders = keys.map((k) => toHex(privateToAddress(k)) as Address)
const FUND = 10n ** 22n

type Step = {
  key: number
  to: Address | null
  value?: bigint
  data?: Hex
  gasLimit?: bigint
  type?: 0 | 1 | 2
  accessList?: { address: Address; storageKeys: Hex[] }[]
  tip?: bigint
}

function ejsTx(s: Step, nonce: bigint): TypedTransaction {
  const base = {
    nonce,
    gasLimit: s.gasLimit ?? 1_000_000n,
    to: s.to ?? undefined,
    value: s.value ?? 0n,
    data: s.data ?? '0x',
  }
  const pk = keys[s.key]!
  const type = s.type ?? 2
  if (type === 0) return createLegacyTx({ ...base, gasPrice: 3_000_000_000n }, { common }).sign(pk)
  if (type === 1)
    return createAccessList2930Tx(
      { ...base, gasPrice: 3_000_000_000n, accessList: s.accessList ?? [], chainId: CHAIN_ID },
      { common },
    ).sign(pk)
  return createFeeMarket1559Tx(
    {
      ...base,
      maxFeePerGas: 5_000_000_000n,
      maxPriorityFeePerGas: s.tip ?? 1_500_000_000n,
      accessList: s.accessList ?? [],
      chainId: CHAIN_ID,
    },
    { common },
  ).sign(pk)
}

function ourTx(s: Step, nonce: bigint): RecoveredTx {
  const type = s.type ?? 2
  return makeTx({
    type,
    from: senders[s.key]!,
    nonce,
    gasLimit: s.gasLimit ?? 1_000_000n,
    to: s.to,
    value: s.value ?? 0n,
    data: fromHex(s.data ?? '0x'),
    gasPrice: 3_000_000_000n,
    maxFeePerGas: type === 2 ? 5_000_000_000n : 3_000_000_000n,
    maxPriorityFeePerGas: type === 2 ? (s.tip ?? 1_500_000_000n) : 3_000_000_000n,
    accessList: s.accessList ?? [],
  })
}

async function newVm(): Promise<VM> {
  const vm = await createVM({ common, stateManager: new SimpleStateManager() })
  for (const a of senders)
    await vm.stateManager.putAccount(new EjsAddress(fromHex(a)), new EjsAccount(0n, FUND))
  return vm
}

/** Runs steps on ethereumjs runTx and on our executor (one block) and compares everything. */
async function compare(steps: Step[]) {
  const vm = await newVm()
  const block = createBlock(
    {
      header: {
        number: env.number,
        timestamp: env.timestamp,
        gasLimit: env.gasLimit,
        baseFeePerGas: env.baseFeePerGas,
        coinbase: COINBASE,
        mixHash: fromHex(env.prevRandao),
      },
    },
    { common },
  )
  const nonces = senders.map(() => 0n)
  const ours: RecoveredTx[] = []
  const theirs: Awaited<ReturnType<typeof runTx>>[] = []
  const touched = new Set<Address>([...senders, COINBASE])
  let used = 0n
  for (const s of steps) {
    const n = nonces[s.key]!
    nonces[s.key] = n + 1n
    ours.push(ourTx(s, n))
    const r = await runTx(vm, { tx: ejsTx(s, n), block, blockGasUsed: used })
    used += r.totalGasSpent
    theirs.push(r)
    if (s.to) touched.add(s.to)
    if (r.createdAddress) touched.add(r.createdAddress.toString() as Address)
  }
  const state = new MemState()
  for (const a of senders) state.fund(a, FUND)
  const res = await executeBlockAsync(env, ours, state, config)
  expect(res.invalid).toEqual([])
  expect(res.receipts).toHaveLength(steps.length)
  let baseFees = 0n
  for (let i = 0; i < steps.length; i++) {
    const mine = res.receipts[i]!
    const r = theirs[i]!
    expect(mine.gasUsed, `gasUsed of step ${i}`).toBe(r.totalGasSpent)
    expect(mine.status, `status of step ${i}`).toBe(r.execResult.exceptionError ? 0 : 1)
    expect(mine.logs, `logs of step ${i}`).toEqual(
      (r.execResult.logs ?? []).map(([a, t, d]) => ({
        address: toHex(a),
        topics: t.map(toHex),
        data: toHex(d),
      })),
    )
    expect(mine.logsBloom).toBe(toHex(r.bloom.bitvector))
    if (steps[i]!.to === null)
      expect(mine.contractAddress).toBe(
        getContractAddress({ from: senders[steps[i]!.key]!, nonce: ours[i]!.nonce }).toLowerCase(),
      )
    baseFees += mine.gasUsed * env.baseFeePerGas
  }
  state.apply(res.diff)
  for (const a of res.diff.accounts.keys()) touched.add(a)
  const ssm = vm.stateManager as SimpleStateManager
  for (const key of ssm.accountStack.at(-1)!.keys()) touched.add(key.toLowerCase() as Address)
  for (const a of touched) {
    const theirAcct = await vm.stateManager.getAccount(new EjsAddress(fromHex(a)))
    const mine = state.getAccount(a)
    if (a === BASE_VAULT) continue
    if (theirAcct === undefined) {
      expect(mine, `account ${a}`).toBeUndefined()
      continue
    }
    expect(mine, `account ${a}`).toEqual({
      nonce: theirAcct.nonce,
      balance: theirAcct.balance,
      codeHash: toHex(theirAcct.codeHash),
    })
  }
  // DESIGN.md: the base fee goes to the vault instead of being burned; nothing else differs.
  expect(state.getAccount(BASE_VAULT)?.balance ?? 0n).toBe(baseFees)
  // Every storage slot ethereumjs holds for a live account, and every slot we wrote.
  const theirSlots = new Map<string, bigint>()
  for (const [k, v] of ssm.storageStack.at(-1)!) {
    const [a, slot] = k.split('_') as [string, string]
    if ((await vm.stateManager.getAccount(new EjsAddress(fromHex(a)))) === undefined) continue
    theirSlots.set(`${a.toLowerCase()}_${slot.toLowerCase()}`, v.length ? BigInt(toHex(v)) : 0n)
  }
  for (const [k, v] of theirSlots) {
    const [a, slot] = k.split('_') as [Address, Hex]
    expect(state.getStorage(a, slot), `slot ${k}`).toBe(v)
  }
  for (const [a, m] of res.diff.storage)
    for (const [slot, v] of m)
      expect(theirSlots.get(`${a}_${slot}`) ?? 0n, `slot ${a}_${slot}`).toBe(v)
  return { res, theirs, state }
}

const call = (abi: readonly unknown[], functionName: string, args: unknown[] = []): Hex =>
  encodeFunctionData({ abi: abi as never, functionName, args } as never)

describe('executor vs @ethereumjs/vm runTx', () => {
  it('matches on a corpus of transfers, contracts, reverts, OOG, CREATE/CREATE2, SELFDESTRUCT, precompiles, access lists, logs', async () => {
    const tokenAddr = getContractAddress({ from: senders[0]!, nonce: 0n }).toLowerCase() as Address
    const kitchen = getContractAddress({ from: senders[1]!, nonce: 0n }).toLowerCase() as Address
    const msg = keccak256(new Uint8Array([1, 2, 3]))
    const sig = secp256k1.sign(msg, keys[2]!, { prehash: false, format: 'recovered' })
    const rec = sig[0]!
    const r = toHex(sig.subarray(1, 33))
    const s = toHex(sig.subarray(33, 65))
    const steps: Step[] = [
      {
        key: 0,
        to: null,
        data: encodeDeployData({ abi: Token.abi, bytecode: Token.bytecode, args: [10n ** 24n] }),
      },
      {
        key: 1,
        to: null,
        data: encodeDeployData({ abi: Kitchen.abi, bytecode: Kitchen.bytecode }),
      },
      { key: 2, to: addr(77), value: 10n ** 18n, gasLimit: 21_000n },
      { key: 2, to: addr(78), value: 5n, type: 0, gasLimit: 21_000n },
      {
        key: 3,
        to: addr(79),
        value: 7n,
        type: 1,
        gasLimit: 30_000n,
        accessList: [{ address: addr(79), storageKeys: [toHex(bigintToBytes32(1n))] }],
      },
      { key: 3, to: addr(80), value: 0n, gasLimit: 21_000n },
      { key: 3, to: senders[3]!, value: 9n, gasLimit: 21_000n },
      { key: 0, to: tokenAddr, data: call(Token.abi, 'transfer', [senders[1], 100n]) },
      { key: 1, to: tokenAddr, data: call(Token.abi, 'transfer', [senders[2], 1000n]) },
      { key: 1, to: kitchen, data: call(Kitchen.abi, 'store', [1n, 5n]) },
      { key: 1, to: kitchen, data: call(Kitchen.abi, 'clear', [1n]) },
      { key: 2, to: kitchen, data: call(Kitchen.abi, 'fail', [7n]) },
      { key: 2, to: kitchen, data: call(Kitchen.abi, 'burn', [100n]), gasLimit: 120_000n },
      { key: 2, to: kitchen, value: 3n, data: call(Kitchen.abi, 'create', [3n]) },
      {
        key: 2,
        to: kitchen,
        data: call(Kitchen.abi, 'create2', [4n, toHex(bigintToBytes32(99n))]),
      },
      { key: 3, to: kitchen, value: 11n, data: call(Kitchen.abi, 'createAndKill', [5n]) },
      { key: 3, to: kitchen, value: 13n, data: call(Kitchen.abi, 'ephemeral') },
      {
        key: 0,
        to: kitchen,
        data: call(Kitchen.abi, 'precompiles', [toHex(msg), 27 + rec, r, s]),
      },
      { key: 0, to: kitchen, data: call(Kitchen.abi, 'transient', [9n]) },
      { key: 0, to: kitchen, data: call(Kitchen.abi, 'copy', ['0x0102030405']) },
      { key: 1, to: kitchen, value: 17n, data: call(Kitchen.abi, 'pay', [addr(81)]) },
      {
        key: 1,
        to: kitchen,
        data: call(Kitchen.abi, 'store', [2n, 6n]),
        accessList: [
          { address: kitchen, storageKeys: [toHex(bigintToBytes32(0n))] },
          { address: addr(82), storageKeys: [] },
        ],
      },
      { key: 2, to: addr(4, 0), value: 1n, gasLimit: 50_000n },
      { key: 2, to: kitchen, value: 19n, gasLimit: 50_000n },
      { key: 3, to: null, data: '0xfe', gasLimit: 100_000n },
      { key: 0, to: kitchen, data: call(Kitchen.abi, 'store', [3n, 8n]), type: 0 },
    ]
    const { res, theirs } = await compare(steps)
    expect(res.receipts.some((x) => x.status === 0)).toBe(true)
    expect(theirs.filter((t) => t.execResult.exceptionError).length).toBeGreaterThanOrEqual(4)
  })

  it('selfdestruct of an old contract (Cancun) keeps the account and only moves its ether', async () => {
    const kitchen = getContractAddress({ from: senders[1]!, nonce: 0n }).toLowerCase() as Address
    const childAddr = getContractAddress({ from: kitchen, nonce: 1n }).toLowerCase() as Address
    await compare([
      {
        key: 1,
        to: null,
        data: encodeDeployData({ abi: Kitchen.abi, bytecode: Kitchen.bytecode }),
      },
      { key: 2, to: kitchen, value: 3n, data: call(Kitchen.abi, 'create', [3n]) },
      { key: 2, to: kitchen, data: call(Kitchen.abi, 'killOld', [childAddr]) },
    ])
  })

  it('matches on random plain transfers (native path = EVM path)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 3 }),
            to: fc.integer({ min: 0, max: 5 }),
            value: fc.bigInt({ min: 0n, max: 10n ** 18n }),
            type: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
            tip: fc.bigInt({ min: 0n, max: 5_000_000_000n }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (rows) => {
          const steps: Step[] = rows.map((r) => ({
            key: r.key,
            to: r.to < 4 ? senders[r.to]! : addr(r.to + 1000),
            value: r.value,
            type: r.type,
            tip: r.tip,
            gasLimit: 21_000n,
          }))
          await compare(steps)
        },
      ),
      { numRuns: 15 },
    )
  })

  it('KZG point evaluation (0x0a): valid and invalid inputs, called directly and from a contract', async () => {
    const kzg = await loadKzg()
    common.customCrypto.kzg = {
      verifyProof: (c: string, z: string, y: string, p: string) =>
        kzg.verifyKzgProof(
          fromHex(c as Hex),
          fromHex(z as Hex),
          fromHex(y as Hex),
          fromHex(p as Hex),
        ),
    } as unknown as NonNullable<typeof common.customCrypto.kzg>
    expect(toHex(kzg.blobToKzgCommitment(constantBlob(5n)))).toBe(CONSTANT_5_COMMITMENT)
    const { valid, invalid } = pointEvaluationInputs()
    const caller = getContractAddress({ from: senders[0]!, nonce: 0n }).toLowerCase() as Address
    const { res, theirs, state } = await compare([
      { key: 0, to: null, data: POINT_EVAL_CALLER_INIT },
      { key: 1, to: POINT_EVAL, data: valid, gasLimit: 200_000n },
      { key: 1, to: POINT_EVAL, data: invalid, gasLimit: 200_000n },
      { key: 2, to: caller, data: invalid, gasLimit: 200_000n },
      { key: 2, to: caller, data: valid, gasLimit: 200_000n },
      { key: 3, to: POINT_EVAL, data: valid.slice(0, -2) as Hex, gasLimit: 200_000n },
    ])
    expect(res.receipts.map((r) => r.status)).toEqual([1, 1, 0, 1, 1, 0])
    expect(toHex(theirs[1]!.execResult.returnValue)).toBe(POINT_EVAL_RETURN)
    // the contract's last call (valid) succeeded and returned FIELD_ELEMENTS_PER_BLOB, modulus
    const slot = (n: bigint) => state.getStorage(caller, toHex(bigintToBytes32(n)))
    expect([slot(0n), slot(1n), slot(2n)]).toEqual([1n, 4096n, BLS_MODULUS])
  })
})

const POINT_EVAL = addr(10, 0)
