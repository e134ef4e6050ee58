import { describe, expect, it } from 'vitest'
import {
  type GenesisJson,
  genesisToDiff,
  genesisToJson,
  InvalidGenesisError,
  parseGenesis,
} from './genesis.js'
import { EMPTY_CODE_HASH, keccak256Hex } from './keccak.js'

const A = '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const B = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const VAULT = '0x4200000000000000000000000000000000000019'

function base(): GenesisJson {
  return {
    chainId: 42069,
    timestamp: '1700000000',
    gasLimit: '0x1c9c380',
    blockTimeMs: 250,
    minBaseFee: '1000000',
    feeVaults: { baseFee: VAULT, priorityFee: VAULT, l1Fee: VAULT },
    alloc: {
      [A]: { balance: '0x3635c9adc5dea00000' },
      [B]: { balance: 5, nonce: 2, code: '0x6001', storage: { '0x1': '0x2a', '0x2': '0x0' } },
    },
  }
}

describe('parseGenesis', () => {
  it('parses quantities in every notation and lowercases addresses', () => {
    const g = parseGenesis(base())
    expect(g.chainId).toBe(42069n)
    expect(g.timestamp).toBe(1_700_000_000n)
    expect(g.gasLimit).toBe(30_000_000n)
    expect(g.minBaseFee).toBe(1_000_000n)
    expect(g.predeploys.withdrawalStore).toBeNull()
    expect([...g.alloc.keys()]).toEqual([A.toLowerCase(), B])
    const b = g.alloc.get(B)!
    expect(b.nonce).toBe(2n)
    // zero-valued slots are absent, slots are padded to 32 bytes
    expect([...b.storage]).toEqual([[`0x${'0'.repeat(63)}1`, 42n]])
  })

  it.each([
    [{ chainId: 0 }, 'chainId'],
    [{ chainId: 'abc' }, 'chainId'],
    [{ gasLimit: 100 }, 'gasLimit'],
    [{ blockTimeMs: 0 }, 'blockTimeMs'],
    [{ minBaseFee: -1 }, 'minBaseFee'],
    [{ feeVaults: { baseFee: '0x12', priorityFee: VAULT, l1Fee: VAULT } }, 'feeVaults.baseFee'],
    [{ alloc: { '0xzz': { balance: 1 } } }, 'alloc.0xzz'],
    [{ alloc: { [A]: { balance: 1, code: '0x123' } } }, `alloc.${A}.code`],
    [
      { alloc: { [A]: { balance: 1 }, [A.toLowerCase()]: { balance: 2 } } },
      `alloc.${A.toLowerCase()}`,
    ],
    [{ timestamp: 1.5 }, 'timestamp'],
  ] as const)('rejects %j naming %s', (patch, field) => {
    const bad = { ...base(), ...patch }
    let error: unknown
    try {
      parseGenesis(bad)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidGenesisError)
    expect((error as InvalidGenesisError).field).toBe(field)
  })

  it('round-trips through genesisToJson', () => {
    const g = parseGenesis(base())
    expect(parseGenesis(JSON.parse(JSON.stringify(genesisToJson(g))))).toEqual(g)
  })
})

describe('genesisToDiff', () => {
  it('turns the alloc into accounts, code and storage', () => {
    const diff = genesisToDiff(parseGenesis(base()))
    expect(diff.accounts.get(A.toLowerCase() as `0x${string}`)).toEqual({
      nonce: 0n,
      balance: 1000n * 10n ** 18n,
      codeHash: EMPTY_CODE_HASH,
    })
    const codeHash = keccak256Hex('0x6001')
    expect(diff.accounts.get(B)).toEqual({ nonce: 2n, balance: 5n, codeHash })
    expect(diff.code.get(codeHash)).toEqual(Uint8Array.of(0x60, 0x01))
    expect(diff.storage.get(B)?.get(`0x${'0'.repeat(63)}1`)).toBe(42n)
  })
})
