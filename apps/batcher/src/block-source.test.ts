import { afterAll, describe, expect, it } from 'vitest'
import { RpcBlockSource } from './block-source.js'
import { FakeSequencer } from './testing/fake-sequencer.js'
import { serveFakeSequencer } from './testing/sequencer-server.js'

describe('RpcBlockSource over HTTP', () => {
  const seq = new FakeSequencer(901n, `0x${'11'.repeat(32)}`)
  let close: (() => Promise<void>) | undefined
  afterAll(async () => close?.())

  it('pages through the sequencer range limit and parses headers and raw txs', async () => {
    for (let i = 0; i < 23; i++) await seq.sealBlock(i % 3)
    const srv = await serveFakeSequencer(seq, 7)
    close = srv.close
    const src = new RpcBlockSource(srv.url, 100)
    expect((await src.syncStatus()).sealedHead).toBe(23n)
    const got = await src.getBlockRange(2n, 30n)
    expect(got.map((b) => b.header.number)).toEqual(seq.blocks.slice(1).map((b) => b.header.number))
    expect(got[4]!.header).toEqual(seq.blocks[5]!.header)
    expect(got[4]!.txs).toEqual(seq.blocks[5]!.txs)
    await src.setThrottle({ maxBlockTxBytes: 5000 })
    await src.setThrottle({ maxBlockTxBytes: null })
    expect(seq.throttles).toEqual([{ maxBlockTxBytes: 5000 }, { maxBlockTxBytes: null }])
  })

  it('keeps going against a sequencer without lanes_setThrottle (-32601)', async () => {
    const old = new FakeSequencer(901n, `0x${'11'.repeat(32)}`)
    const srv = await serveFakeSequencer(old, 7, false)
    try {
      const src = new RpcBlockSource(srv.url, 100)
      await src.setThrottle({ maxBlockTxBytes: 5000 })
      await src.setThrottle({ maxBlockTxBytes: null })
      expect(old.throttles).toEqual([])
      expect((await src.syncStatus()).sealedHead).toBe(0n)
    } finally {
      await srv.close()
    }
  })
})
