import { describe, expect, it } from 'vitest'
import { BlockCache } from './block-cache.js'
import { rawBytesOf } from './block-source.js'
import { FakeSequencer } from './testing/fake-sequencer.js'
import { GENESIS_ROOT, L2_CHAIN_ID } from './testing/l1-env.js'

async function setup(sizes: number[]) {
  const seq = new FakeSequencer(L2_CHAIN_ID, GENESIS_ROOT)
  for (const n of sizes) await seq.sealBlock(n)
  const calls: Array<[bigint, bigint]> = []
  const source = {
    syncStatus: () => seq.syncStatus(),
    getBlockRange: (from: bigint, to: bigint) => {
      calls.push([from, to])
      return seq.getBlockRange(from, to)
    },
    setThrottle: async () => {},
  }
  return { seq, calls, cache: new BlockCache(source, 4n) }
}

const bytesOf = (seq: FakeSequencer, from: number, to: number) =>
  seq.blocks.slice(from - 1, to).reduce((a, b) => a + rawBytesOf(b), 0)

describe('BlockCache', () => {
  it('backlog bytes are the unbatched blocks own sizes, even when earlier blocks were empty', async () => {
    const { seq, cache } = await setup([0, 0, 3, 5, 0, 2])
    expect(await cache.backlogBytes(2n, 6n)).toBe(bytesOf(seq, 3, 6))
    expect(await cache.backlogBytes(4n, 6n)).toBe(bytesOf(seq, 5, 6))
    expect(bytesOf(seq, 5, 6)).toBeGreaterThan(0)
  })

  it('each block is fetched once: the planner reads what the meter fetched', async () => {
    const { seq, calls, cache } = await setup([1, 2, 3, 4, 5, 6])
    await cache.backlogBytes(0n, 6n)
    const before = calls.length
    const got = await cache.range(1n, 6n)
    expect(got.map((b) => b.header.number)).toEqual([1n, 2n, 3n, 4n, 5n, 6n])
    expect(calls.length).toBe(before)
    await seq.sealBlock(1)
    expect((await cache.range(5n, 7n)).map((b) => b.header.number)).toEqual([5n, 6n, 7n])
    expect(calls.at(-1)).toEqual([7n, 7n])
  })

  it('blocks not read yet (budget) count at the average size of those read', async () => {
    const { cache } = await setup([2, 2, 2, 2, 2, 2, 2, 2])
    const all = await cache.backlogBytes(0n, 8n, 2)
    const per = all / 8
    expect(await cache.backlogBytes(0n, 8n, 0)).toBeCloseTo(per * 8)
  })

  it('records dropped back below a trimmed point: sizes are measured again from there', async () => {
    const { seq, cache } = await setup([1, 2, 3, 4])
    await cache.backlogBytes(3n, 4n)
    expect(await cache.backlogBytes(1n, 4n)).toBe(bytesOf(seq, 2, 4))
  })

  it('a range past the sealed head returns what exists', async () => {
    const { cache } = await setup([1, 1])
    expect((await cache.range(1n, 9n)).length).toBe(2)
  })
})
