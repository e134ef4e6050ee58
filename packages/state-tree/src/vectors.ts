import {
  type Account,
  type Address,
  bigintToBytes32,
  EMPTY_CODE_HASH,
  fromHex,
  type Hex,
  keccak256,
  toHex,
} from '@lanes/core'
import { EMPTY_HASH } from './constants.js'
import { accountKey, accountValue, storageKey } from './keys.js'
import { encodeProof, proofToJson, type SmtProofJson } from './proof.js'
import { type Leaf, referenceProof, referenceRoot } from './reference.js'

export interface ProofVector extends SmtProofJson {
  key: Hex
  value: Hex | null
  encoded: Hex
  valid: true
}

export interface TreeVector {
  name: string
  leaves: { key: Hex; value: Hex }[]
  root: Hex
  proofs: ProofVector[]
}

export interface InvalidVector {
  why: string
  root: Hex
  key: Hex
  value: Hex | null
  encoded: Hex
}

export interface TreeVectors {
  version: 1
  hashes: { empty: Hex; leafPrefix: Hex; nodePrefix: Hex }
  trees: TreeVector[]
  invalid: InvalidVector[]
}

export interface KeyVectors {
  version: 1
  accounts: { address: Address; nonce: Hex; balance: Hex; codeHash: Hex; key: Hex; value: Hex }[]
  storage: { address: Address; slot: Hex; value: Hex; key: Hex; leafValue: Hex }[]
}

export interface StorageSlotVector {
  version: 1
  description: string
  contract: Address
  mappingSlot: Hex
  mappingKey: Hex
  slot: Hex
  word: Hex
  key: Hex
  value: Hex
  root: Hex
  proof: SmtProofJson & { encoded: Hex }
  otherLeaves: { key: Hex; value: Hex }[]
}

function word(hex: string): Uint8Array {
  return fromHex(`0x${hex.replace(/^0x/, '').padStart(64, '0')}`)
}

/** Deterministic pseudo-random words (keccak chain), so vectors are reproducible. */
function seeded(label: string, i: number): Uint8Array {
  return keccak256(new TextEncoder().encode(`lanes-smt-vector:${label}:${i}`))
}

function proofVector(leaves: Leaf[], key: Uint8Array): ProofVector {
  const proof = referenceProof(leaves, key)
  const present = leaves.find((l) => toHex(l.key) === toHex(key))
  return {
    key: toHex(key),
    value: present ? toHex(present.value) : null,
    ...proofToJson(proof),
    encoded: toHex(encodeProof(proof)),
    valid: true,
  }
}

function tree(name: string, leaves: Leaf[], absent: Uint8Array[]): TreeVector {
  const sorted = [...leaves].sort((a, b) => (toHex(a.key) < toHex(b.key) ? -1 : 1))
  return {
    name,
    leaves: sorted.map((l) => ({ key: toHex(l.key), value: toHex(l.value) })),
    root: toHex(referenceRoot(sorted)),
    proofs: [...sorted.map((l) => l.key), ...absent].map((k) => proofVector(sorted, k)),
  }
}

const ADDRESSES: Address[] = [
  '0x0000000000000000000000000000000000000001',
  '0x00000000000000000000000000000000000000ff',
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x4c616e6573000000000000000000000000000016',
]

function account(i: number): Account {
  return {
    nonce: BigInt(i),
    balance: 10n ** 18n * BigInt(i + 1) + 7n,
    codeHash: i === 4 ? (toHex(seeded('code', i)) as Hex) : EMPTY_CODE_HASH,
  }
}

export function generateTreeVectors(): TreeVectors {
  const v = (i: number) => seeded('value', i)
  const trees: TreeVector[] = [
    tree('empty', [], [word('00'), seeded('key', 0)]),
    tree('one leaf', [{ key: seeded('key', 1), value: v(1) }], [seeded('key', 2)]),
    tree(
      'two leaves split at bit 0',
      [
        { key: word(`${'00'.repeat(31)}01`), value: v(2) },
        { key: word(`80${'00'.repeat(31)}`), value: v(3) },
      ],
      [word(`40${'00'.repeat(31)}`), word(`c0${'00'.repeat(31)}`)],
    ),
    tree(
      'two leaves sharing 4 bits (empty siblings above them)',
      [
        { key: word(`10${'00'.repeat(31)}`), value: v(4) },
        { key: word(`18${'00'.repeat(31)}`), value: v(5) },
      ],
      [word(`14${'00'.repeat(31)}`), word(`1c${'00'.repeat(31)}`), word(`20${'00'.repeat(31)}`)],
    ),
    tree(
      'two leaves differing only in the last bit (depth 256)',
      [
        { key: word(`aa${'00'.repeat(31)}`), value: v(6) },
        { key: word(`aa${'00'.repeat(30)}01`), value: v(7) },
      ],
      [word(`aa${'00'.repeat(30)}02`), word(`ab${'00'.repeat(31)}`)],
    ),
    tree(
      'accounts and storage',
      [
        ...ADDRESSES.map((a, i) => ({ key: accountKey(a), value: accountValue(account(i)) })),
        ...[0n, 1n, 2n].map((s) => ({
          key: storageKey(ADDRESSES[4]!, s),
          value: bigintToBytes32(s + 100n),
        })),
      ],
      [accountKey('0x000000000000000000000000000000000000dead'), storageKey(ADDRESSES[4]!, 9n)],
    ),
    tree(
      'sixteen pseudo-random leaves',
      Array.from({ length: 16 }, (_, i) => ({ key: seeded('rkey', i), value: v(100 + i) })),
      Array.from({ length: 6 }, (_, i) => seeded('rabsent', i)),
    ),
  ]
  return {
    version: 1,
    hashes: { empty: EMPTY_HASH, leafPrefix: '0x00', nodePrefix: '0x01' },
    trees,
    invalid: invalidVectors(trees),
  }
}

function invalidVectors(trees: TreeVector[]): InvalidVector[] {
  const t = trees.find((x) => x.name === 'sixteen pseudo-random leaves')!
  const incl = t.proofs.find((p) => p.value !== null && p.siblings.length >= 2)!
  const absentEmpty = t.proofs.find((p) => p.value === null && p.kind === 1)
  const absentOther = t.proofs.find((p) => p.value === null && p.kind === 2)
  const flip = (hex: Hex, byte: number): Hex => {
    const b = fromHex(hex)
    b[byte]! ^= 0x01
    return toHex(b)
  }
  const out: InvalidVector[] = [
    {
      why: 'wrong value',
      root: t.root,
      key: incl.key,
      value: flip(incl.value!, 31),
      encoded: incl.encoded,
    },
    {
      why: 'wrong root',
      root: flip(t.root, 0),
      key: incl.key,
      value: incl.value,
      encoded: incl.encoded,
    },
    {
      why: 'wrong key',
      root: t.root,
      key: flip(incl.key, 31),
      value: incl.value,
      encoded: incl.encoded,
    },
    {
      why: 'tampered sibling',
      root: t.root,
      key: incl.key,
      value: incl.value,
      encoded: flip(incl.encoded, 35 + 5),
    },
    {
      why: 'present key claimed absent with its inclusion proof',
      root: t.root,
      key: incl.key,
      value: null,
      encoded: incl.encoded,
    },
    {
      why: 'truncated proof',
      root: t.root,
      key: incl.key,
      value: incl.value,
      encoded: incl.encoded.slice(0, -2) as Hex,
    },
    {
      why: 'bitmap bit set at the terminal depth',
      root: t.root,
      key: incl.key,
      value: incl.value,
      encoded: (() => {
        const b = fromHex(incl.encoded)
        const d = (b[1]! << 8) | b[2]!
        b[3 + (d >> 3)]! |= 0x80 >> (d & 7)
        const ext = new Uint8Array(b.length + 32)
        ext.set(b)
        return toHex(ext)
      })(),
    },
    {
      why: 'unknown proof kind',
      root: t.root,
      key: incl.key,
      value: incl.value,
      encoded: (() => {
        const b = fromHex(incl.encoded)
        b[0] = 7
        return toHex(b)
      })(),
    },
  ]
  if (absentEmpty)
    out.push({
      why: 'absent key claimed present',
      root: t.root,
      key: absentEmpty.key,
      value: toHex(seeded('value', 999)),
      encoded: absentEmpty.encoded,
    })
  if (absentOther) {
    // The other leaf's own key cannot be proven absent by pointing at itself.
    out.push({
      why: 'other-leaf proof where the other key is the key',
      root: t.root,
      key: absentOther.otherKey!,
      value: null,
      encoded: absentOther.encoded,
    })
  }
  return out
}

export function generateKeyVectors(): KeyVectors {
  return {
    version: 1,
    accounts: ADDRESSES.map((address, i) => {
      const a = account(i)
      return {
        address,
        nonce: `0x${a.nonce.toString(16)}`,
        balance: `0x${a.balance.toString(16)}`,
        codeHash: a.codeHash,
        key: toHex(accountKey(address)),
        value: toHex(accountValue(a)),
      }
    }),
    storage: [0n, 1n, 2n ** 255n + 3n].map((s, i) => {
      const address = ADDRESSES[(i + 2) % ADDRESSES.length]!
      const value = BigInt(i) * 1000n + 1n
      return {
        address,
        slot: toHex(bigintToBytes32(s)),
        value: toHex(bigintToBytes32(value)),
        key: toHex(storageKey(address, s)),
        leafValue: toHex(bigintToBytes32(value)),
      }
    }),
  }
}

export const WITHDRAWAL_STORE: Address = '0x4c616e6573000000000000000000000000000016'

export function generateStorageSlotVector(): StorageSlotVector {
  const mappingKey = seeded('withdrawal-hash', 0)
  const enc = new Uint8Array(64)
  enc.set(mappingKey, 0)
  const slot = keccak256(enc) // keccak256(abi.encode(bytes32 hash, uint256(0)))
  const wordValue = bigintToBytes32(1n)
  const key = storageKey(WITHDRAWAL_STORE, toHex(slot))
  const others: Leaf[] = [
    ...ADDRESSES.map((a, i) => ({ key: accountKey(a), value: accountValue(account(i)) })),
    { key: storageKey(WITHDRAWAL_STORE, 1n), value: bigintToBytes32(1n) },
    ...Array.from({ length: 8 }, (_, i) => ({ key: seeded('bg', i), value: seeded('bgv', i) })),
  ]
  const leaves = [...others, { key, value: wordValue }]
  const proof = referenceProof(leaves, key)
  return {
    version: 1,
    description:
      'L2WithdrawalStore (slot 0: mapping(bytes32 => bool) sent) holds sent[mappingKey] = true; ' +
      'slot = keccak256(abi.encode(mappingKey, uint256(0))), key = keccak256(abi.encodePacked(contract, slot)), value = bytes32(uint256(1))',
    contract: WITHDRAWAL_STORE,
    mappingSlot: toHex(bigintToBytes32(0n)),
    mappingKey: toHex(mappingKey),
    slot: toHex(slot),
    word: toHex(wordValue),
    key: toHex(key),
    value: toHex(wordValue),
    root: toHex(referenceRoot(leaves)),
    proof: { ...proofToJson(proof), encoded: toHex(encodeProof(proof)) },
    otherLeaves: others.map((l) => ({ key: toHex(l.key), value: toHex(l.value) })),
  }
}

export function generateAllVectors(): Record<string, unknown> {
  return {
    'trees.json': generateTreeVectors(),
    'keys.json': generateKeyVectors(),
    'storage-slot.json': generateStorageSlotVector(),
  }
}
