import { concat, keccak256, numberToHex, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { depositToTx, depositTxHash } from './deposit.js'

describe('deposit txs', () => {
  const queueHash = `0x${'ab'.repeat(32)}` as const
  it('hashes as keccak(0x7e ‖ uint256 index ‖ queueHash)', () => {
    const expected = keccak256(concat(['0x7e', numberToHex(5n, { size: 32 }), queueHash]))
    expect(depositTxHash(5n, queueHash)).toBe(expected)
    expect(depositTxHash(6n, queueHash)).not.toBe(expected)
  })
  it('maps address(0) to a creation and lowercases addresses', () => {
    const tx = depositToTx({
      index: 1n,
      from: '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      to: '0x0000000000000000000000000000000000000000',
      mint: 10n,
      value: 3n,
      gasLimit: 100_000n,
      data: toHex(new Uint8Array([1, 2])),
      queueHash,
      l1BlockNumber: 7n,
    })
    expect(tx.to).toBeNull()
    expect(tx.from).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
    expect(tx.type).toBe(0x7e)
    expect([...tx.data]).toEqual([1, 2])
  })
})
