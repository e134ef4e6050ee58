import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeProof, SparseMerkleTree } from '@lanes/state-tree'
import fc from 'fast-check'
import { type Address, bytesToHex, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  smtVerifierHarnessAbi,
  smtVerifierHarnessBytecode,
} from './generated/SmtVerifierHarness.js'
import { waitForReceipt } from './receipt.js'
import { type L1, startL1 } from './test-support.js'

// The vectors are the normative examples of packages/state-tree/README.md.
const vectorsDir = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../state-tree/vectors',
)
const load = <T>(name: string): T => JSON.parse(readFileSync(path.join(vectorsDir, name), 'utf8'))

type ProofVector = { key: Hex; value: Hex | null; encoded: Hex; valid: boolean }
type TreeVectors = {
  trees: { name: string; root: Hex; proofs: ProofVector[] }[]
  invalid: { why: string; root: Hex; key: Hex; value: Hex | null; encoded: Hex }[]
}
type StorageSlotVector = {
  contract: Address
  slot: Hex
  key: Hex
  value: Hex
  root: Hex
  proof: { encoded: Hex }
}

const ZERO: Hex = `0x${'00'.repeat(32)}`

let l1: L1
let harness: Address

beforeAll(async () => {
  l1 = await startL1()
  const hash = await l1.owner.deployContract({
    abi: smtVerifierHarnessAbi,
    bytecode: smtVerifierHarnessBytecode,
  })
  harness = (await waitForReceipt(l1.publicClient, hash)).contractAddress!
})
afterAll(async () => {
  await l1?.stop()
})

function verify(root: Hex, key: Hex, value: Hex | null, encoded: Hex): Promise<boolean> {
  return l1.publicClient.readContract({
    address: harness,
    abi: smtVerifierHarnessAbi,
    functionName: 'verify',
    args: [root, key, value ?? ZERO, value !== null, encoded],
  })
}

describe('SmtVerifier (Solidity) against packages/state-tree vectors', () => {
  const trees = load<TreeVectors>('trees.json')

  it('has vectors to check', () => {
    expect(trees.trees.length).toBeGreaterThan(3)
    expect(trees.invalid.length).toBeGreaterThan(3)
  })

  for (const tree of trees.trees) {
    it(`tree "${tree.name}": every proof gives the vector's result`, async () => {
      for (const p of tree.proofs) {
        expect(await verify(tree.root, p.key, p.value, p.encoded), JSON.stringify(p)).toBe(p.valid)
      }
    })
  }

  it('rejects every invalid vector', async () => {
    for (const v of trees.invalid)
      expect(await verify(v.root, v.key, v.value, v.encoded), v.why).toBe(false)
  })

  it('verifies the withdrawal-store storage slot vector end to end', async () => {
    const v = load<StorageSlotVector>('storage-slot.json')
    const key = await l1.publicClient.readContract({
      address: harness,
      abi: smtVerifierHarnessAbi,
      functionName: 'storageKey',
      args: [v.contract, v.slot],
    })
    expect(key).toBe(v.key)
    const ok = (value: Hex, slot: Hex = v.slot, root: Hex = v.root) =>
      l1.publicClient.readContract({
        address: harness,
        abi: smtVerifierHarnessAbi,
        functionName: 'verifyStorage',
        args: [root, v.contract, slot, value, v.proof.encoded],
      })
    expect(await ok(v.value)).toBe(true)
    expect(await ok(`0x${'00'.repeat(31)}02`)).toBe(false)
    expect(await ok(v.value, ZERO)).toBe(false)
    expect(await ok(v.value, v.slot, ZERO)).toBe(false)
  })

  it('treats truncated, extended and bit-flipped encodings as invalid', async () => {
    const usable = (x: ProofVector) => x.valid && x.value !== null && x.encoded.length > 80
    const tree = trees.trees.find((t) => t.proofs.some(usable))!
    const p = tree.proofs.find(usable)!
    expect(await verify(tree.root, p.key, p.value, p.encoded)).toBe(true)
    expect(await verify(tree.root, p.key, p.value, p.encoded.slice(0, -2) as Hex)).toBe(false)
    expect(await verify(tree.root, p.key, p.value, `${p.encoded}00`)).toBe(false)
    expect(await verify(tree.root, p.key, p.value, '0x')).toBe(false)
    const last = Number.parseInt(p.encoded.slice(-2), 16) ^ 1
    const flipped = `${p.encoded.slice(0, -2)}${last.toString(16).padStart(2, '0')}` as Hex
    expect(await verify(tree.root, p.key, p.value, flipped)).toBe(false)
    // present/absent mismatch
    expect(await verify(tree.root, p.key, null, p.encoded)).toBe(false)
  })
})

describe('SmtVerifier (Solidity) agrees with packages/state-tree on random trees', () => {
  it('accepts real presence and absence proofs and rejects a wrong value', async () => {
    const word = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b))
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(word, word), {
          minLength: 1,
          maxLength: 40,
          selector: (t) => t[0],
        }),
        word,
        async (leaves, absentKey) => {
          const present = leaves.filter(([, v]) => v !== ZERO)
          fc.pre(present.length > 0 && !leaves.some(([k]) => k === absentKey))
          const tree = SparseMerkleTree.inMemory()
          const root = tree.applyBatch(
            1n,
            present.map(([key, value]) => ({ key, value })),
          )
          const [key, value] = present[Math.floor(present.length / 2)]!
          const inclusion = bytesToHex(encodeProof(tree.prove(key)))
          expect(await verify(root, key, value, inclusion)).toBe(true)
          const other: Hex =
            value === `0x${'00'.repeat(31)}01` ? `0x${'00'.repeat(31)}02` : `0x${'00'.repeat(31)}01`
          expect(await verify(root, key, other, inclusion)).toBe(false)
          const absence = bytesToHex(encodeProof(tree.prove(absentKey)))
          expect(await verify(root, absentKey, null, absence)).toBe(true)
          expect(await verify(root, absentKey, value, absence)).toBe(false)
        },
      ),
      { numRuns: 25 },
    )
  })
})
