import { decodeBatch } from '@lanes/batch-codec'
import { describe, expect, it } from 'vitest'
import { batchHeaderFor, encodeChecked } from './batch.js'
import { BatchSelfCheckError } from './errors.js'
import { FakeSequencer } from './testing/fake-sequencer.js'

describe('batch building and self-check', async () => {
  const seq = new FakeSequencer(901n, `0x${'11'.repeat(32)}`)
  for (let i = 0; i < 4; i++) await seq.sealBlock(3, 10)
  const start = { batchIndex: 0n, firstBlock: 1n, parentRoot: seq.genesisRoot, depositCursor: 0n }

  it('encodes a batch that decodes to the same header and raw txs', () => {
    const header = batchHeaderFor(start, seq.blocks, 901n)
    expect(header).toMatchObject({ firstBlock: 1n, lastBlock: 4n, postStateRoot: seq.rootOf(4n) })
    const decoded = decodeBatch(encodeChecked(header, seq.blocks), { chainId: 901n })
    expect(decoded.blocks.flatMap((b) => b.txs.map((t) => t.hash)).length).toBe(12)
    // every block's state root travels with the batch (the prover checks each one)
    expect(decoded.blocks.map((b) => b.stateRoot)).toEqual(
      seq.blocks.map((b) => b.header.stateRoot),
    )
  })

  it('refuses ranges that do not start where the last batch ended or have holes', () => {
    expect(() => batchHeaderFor({ ...start, firstBlock: 2n }, seq.blocks, 901n)).toThrow(
      BatchSelfCheckError,
    )
    const holed = [seq.blocks[0]!, seq.blocks[2]!]
    expect(() => batchHeaderFor(start, holed, 901n)).toThrow(/not consecutive/)
  })

  it('refuses a batch whose txs belong to another chain', () => {
    const header = batchHeaderFor(start, seq.blocks, 5n)
    expect(() => encodeChecked(header, seq.blocks)).toThrow()
  })
})
