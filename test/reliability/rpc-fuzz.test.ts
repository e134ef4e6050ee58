import { toHex } from '@lanes/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../harness/processes.js'
import {
  CHAOS,
  figure,
  rawTx,
  type SequencerProc,
  signTx,
  startSequencer,
  tempDir,
  testKey,
  writeGenesis,
} from './lib.js'

/**
 * Scenario 7: tens of thousands of malformed and hostile HTTP requests against the real
 * sequencer process. Every answer must be well-formed JSON-RPC with the code the kind of
 * abuse calls for, the process must stay up, and a normal tx must still get a receipt.
 * A second process runs with a low per-client rate limit: over-limit calls get HTTP 429 and
 * -32005, and the client is served again once its bucket refills.
 */

const BODY_LIMIT = 256 * 1024
const BATCH_LIMIT = 50
const FUNDED = testKey(1)
const STRANGER = testKey(2)

/** What one request must get back. */
type Expect =
  | {
      kind: 'single'
      codes: number[]
      allowResult?: boolean
      status?: number
      id?: unknown
      /** a JSON array of one (a deep `[[[...]]]`) is a batch of one: check its only answer */
      unwrapBatch?: boolean
    }
  | { kind: 'batch'; entries: number }
  | { kind: 'empty' }

type Case = { label: string; body: string | Uint8Array; expect: Expect }

const KNOWN = [
  'eth_blockNumber',
  'eth_getBlockByNumber',
  'eth_getBlockByHash',
  'eth_getBlockReceipts',
  'eth_getTransactionByBlockNumberAndIndex',
  'eth_feeHistory',
  'eth_getLogs',
  'eth_newFilter',
  'eth_getFilterChanges',
  'eth_uninstallFilter',
  'eth_getBalance',
  'eth_getTransactionCount',
  'eth_getCode',
  'eth_getStorageAt',
  'eth_call',
  'eth_estimateGas',
  'eth_getProof',
  'eth_sendRawTransaction',
  'eth_getTransactionByHash',
  'eth_getTransactionReceipt',
  'eth_subscribe',
  'lanes_getBlockRange',
  'lanes_outputAtBlock',
  'txpool_content',
  'net_version',
  'eth_chainId',
]

// codes a caller's mistake may earn (geth's): invalid params, server error, revert, and
// method-not-found for eth_subscribe over HTTP. -32603 (internal) would mean a crash inside.
const CALLER_CODES = [-32602, -32000, -32601, 3]

const req = (method: unknown, params: unknown, id: unknown = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params })

const hugeHex = fc.integer({ min: 65, max: 4000 }).map((n) => `0x${'f'.repeat(n)}`)
const junkValue = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  hugeHex,
  fc.bigInt({ min: 2n ** 64n, max: 2n ** 300n }).map((b) => `0x${b.toString(16)}`),
  fc.constantFrom('latest', 'pending', 'safe', 'finalized', 'earliest', '0x', '0x0', '-0x1', ''),
  fc.double(),
  fc.constant(Number.MAX_SAFE_INTEGER * 1e10),
)

const badJson: fc.Arbitrary<Case> = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom('{', '[', '{"jsonrpc":"2.0",', '{"a":1}}', "{'a':1}", 'NaN', 'undefined'),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
  )
  .filter((s) => {
    try {
      JSON.parse(s)
      return false
    } catch {
      return true
    }
  })
  .map((body) => ({ label: 'bad json', body, expect: { kind: 'single', codes: [-32700] } }))

const notARequest: fc.Arbitrary<Case> = fc
  .oneof(
    fc
      .oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean())
      .map((v) => JSON.stringify(v)),
    fc
      .record({
        jsonrpc: fc.constantFrom('1.0', '2', 2, null),
        id: fc.nat(),
        method: fc.constant('eth_chainId'),
      })
      .map((o) => JSON.stringify(o)),
    fc
      .record({
        jsonrpc: fc.constant('2.0'),
        id: fc.nat(),
        method: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())),
      })
      .map((o) => JSON.stringify(o)),
    fc
      .record({
        jsonrpc: fc.constant('2.0'),
        id: fc.oneof(fc.object(), fc.array(fc.nat()), fc.boolean()),
        method: fc.constant('eth_chainId'),
      })
      .map((o) => JSON.stringify(o)),
    fc.constant('[]'),
  )
  .map((body) => ({ label: 'not a request', body, expect: { kind: 'single', codes: [-32600] } }))

const unknownMethod: fc.Arbitrary<Case> = fc
  .string({ minLength: 1, maxLength: 60 })
  .filter((m) => !KNOWN.includes(m) && !m.startsWith('eth_') && !m.startsWith('net_'))
  .map((m) => ({
    label: 'unknown method',
    body: req(m, []),
    expect: { kind: 'single', codes: [-32601], id: 1 },
  }))

const wrongParams: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom(...KNOWN),
    fc.oneof(fc.array(junkValue, { maxLength: 5 }), junkValue),
    fc.nat(),
  )
  .map(([m, params, id]) => ({
    label: `junk params ${m}`,
    body: req(m, params, id),
    expect: { kind: 'single', codes: CALLER_CODES, allowResult: true, id },
  }))

const badRlp: fc.Arbitrary<Case> = fc
  .oneof(
    fc.uint8Array({ maxLength: 400 }),
    // a real tx with bytes flipped or cut
    fc.tuple(fc.nat(1000), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([nonce, pos, x]) => {
      const raw = signTx(STRANGER, { nonce: BigInt(nonce) })
      const i = pos % raw.length
      const out = raw.slice(0, pos % 3 === 0 ? i : raw.length)
      if (pos % 3 !== 0) out[i] = out[i]! ^ x
      return out
    }),
    fc.constantFrom(
      Uint8Array.of(0x02),
      Uint8Array.of(0x7f, 0x00),
      Uint8Array.of(0xc0),
      Uint8Array.of(0x04, 0xc0),
    ),
  )
  .map((bytes) => ({
    label: 'bad rlp',
    body: req('eth_sendRawTransaction', [toHex(bytes)]),
    expect: { kind: 'single', codes: [-32602, -32000] },
  }))

const wrongChain: fc.Arbitrary<Case> = fc
  .tuple(fc.bigInt({ min: 1n, max: 2n ** 40n }), fc.nat(1000))
  .filter(([c]) => c !== 42069n)
  .map(([chainId, nonce]) => ({
    label: 'wrong chain id',
    body: req('eth_sendRawTransaction', [rawTx(STRANGER, { chainId, nonce: BigInt(nonce) })]),
    expect: { kind: 'single', codes: [-32000] },
  }))

const oversizedBatch: fc.Arbitrary<Case> = fc
  .integer({ min: BATCH_LIMIT + 1, max: BATCH_LIMIT * 20 })
  .map((n) => ({
    label: 'oversized batch',
    body: JSON.stringify(
      Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' })),
    ),
    expect: { kind: 'batch', entries: 1 },
  }))

const mixedBatch: fc.Arbitrary<Case> = fc
  .array(
    fc.oneof(
      fc.record({
        jsonrpc: fc.constant('2.0'),
        id: fc.nat(),
        method: fc.constantFrom(...KNOWN),
        params: fc.array(junkValue, { maxLength: 3 }),
      }),
      fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('eth_chainId') }), // notification
      fc.anything({ maxDepth: 2 }),
    ),
    { minLength: 1, maxLength: BATCH_LIMIT },
  )
  .map((entries) => {
    const answered = entries.filter(
      (e) =>
        !(
          typeof e === 'object' &&
          e !== null &&
          !Array.isArray(e) &&
          (e as Record<string, unknown>).jsonrpc === '2.0' &&
          typeof (e as Record<string, unknown>).method === 'string' &&
          !('id' in e)
        ),
    ).length
    return {
      label: 'mixed batch',
      body: JSON.stringify(entries),
      expect: answered ? { kind: 'batch', entries: answered } : { kind: 'empty' },
    } as Case
  })

const deepNesting: fc.Arbitrary<Case> = fc
  .tuple(fc.integer({ min: 1000, max: 50_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => {
    const close = open === '[' ? ']' : '}'
    const nest = `${open.repeat(depth)}1${closed ? close.repeat(depth) : ''}`
    const asParams = closed && depth % 2 === 0
    const body = asParams
      ? `{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":${nest}}`
      : nest
    // past the body limit the size answers first (413), like any other big body
    const status = Buffer.byteLength(body) > BODY_LIMIT ? 413 : 200
    return {
      label: 'deep nesting',
      body,
      expect: { kind: 'single', codes: [-32700, -32600, -32602], unwrapBatch: true, status },
    } as Case
  })

const hugeBody: fc.Arbitrary<Case> = fc
  .integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 3 })
  .map((n) => ({
    label: 'huge body',
    body: req('eth_sendRawTransaction', [`0x${'ab'.repeat(Math.ceil(n / 2))}`]),
    expect: { kind: 'single', codes: [-32600], status: 413 },
  }))

const notification: fc.Arbitrary<Case> = fc.constantFrom(...KNOWN).map((m) => ({
  label: 'notification',
  body: JSON.stringify({ jsonrpc: '2.0', method: m, params: [] }),
  expect: { kind: 'empty' },
}))

const anyCase: fc.Arbitrary<Case> = fc.oneof(
  { arbitrary: badJson, weight: 4 },
  { arbitrary: notARequest, weight: 3 },
  { arbitrary: unknownMethod, weight: 2 },
  { arbitrary: wrongParams, weight: 8 },
  { arbitrary: badRlp, weight: 4 },
  { arbitrary: wrongChain, weight: 1 },
  { arbitrary: oversizedBatch, weight: 1 },
  { arbitrary: mixedBatch, weight: 2 },
  { arbitrary: notification, weight: 1 },
)

function checkShape(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not an object'
  const o = r as Record<string, unknown>
  if (o.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"'
  if (!('id' in o)) return 'no id'
  if (!(typeof o.id === 'string' || typeof o.id === 'number' || o.id === null)) return 'bad id'
  if ('result' in o === 'error' in o) return 'not exactly one of result/error'
  if ('error' in o) {
    const e = o.error as Record<string, unknown>
    if (typeof e !== 'object' || e === null) return 'error is not an object'
    if (!Number.isInteger(e.code)) return 'error.code is not an integer'
    if (typeof e.message !== 'string' || e.message.length === 0) return 'error.message empty'
  }
  return undefined
}

function check(c: Case, status: number, text: string): string | undefined {
  const e = c.expect
  if (e.kind === 'empty')
    return status === 200 && text === ''
      ? undefined
      : `want empty 200, got ${status} ${text.slice(0, 100)}`
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return `not JSON (${status}): ${text.slice(0, 100)}`
  }
  if (e.kind === 'batch') {
    if (status !== 200) return `batch status ${status}`
    if (!Array.isArray(body)) return `batch answered with ${text.slice(0, 100)}`
    if (body.length !== e.entries) return `batch of ${e.entries} answered ${body.length}`
    for (const r of body) {
      const bad = checkShape(r)
      if (bad) return `batch entry: ${bad}`
      const err = (r as { error?: { code: number } }).error
      if (err?.code === -32603) return `internal error in batch: ${JSON.stringify(r)}`
    }
    return undefined
  }
  if (e.unwrapBatch && Array.isArray(body) && body.length === 1) body = body[0]
  if (status !== (e.status ?? 200))
    return `status ${status}, want ${e.status ?? 200}: ${text.slice(0, 100)}`
  const bad = checkShape(body)
  if (bad) return bad
  const r = body as { id: unknown; error?: { code: number } }
  if (e.id !== undefined && r.id !== e.id) return `id ${JSON.stringify(r.id)}, want ${e.id}`
  if (!r.error) return e.allowResult ? undefined : `want an error, got ${text.slice(0, 100)}`
  if (!e.codes.includes(r.error.code))
    return `code ${r.error.code}, want ${e.codes.join('|')}: ${text.slice(0, 200)}`
  return undefined
}

describe('scenario 7: RPC fuzz against the real sequencer process', () => {
  const tmp = tempDir('lanes-fuzz-')
  let seq: SequencerProc

  beforeAll(async () => {
    seq = await startSequencer({
      genesis: writeGenesis(tmp.dir, [FUNDED]),
      dataDir: `${tmp.dir}/data`,
      args: [
        '--rpc-body-limit',
        String(BODY_LIMIT),
        '--rpc-batch-limit',
        String(BATCH_LIMIT),
        '--rpc-timeout-ms',
        '5000',
        '--log-level',
        'error',
      ],
    })
  })
  afterAll(async () => {
    await seq?.stop()
    tmp.cleanup()
  })

  async function blast(cases: Case[], concurrency: number) {
    const failures: string[] = []
    const codes = new Map<string, number>()
    let answered = 0
    let next = 0
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!
        let status: number
        let text: string
        try {
          const res = await fetch(seq.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: c.body,
          })
          status = res.status
          text = await res.text()
        } catch (error) {
          failures.push(`${c.label}: no answer (${String((error as Error).cause ?? error)})`)
          continue
        }
        answered++
        const bad = check(c, status, text)
        if (bad) failures.push(`${c.label}: ${bad}`)
        const code = /"code":(-?\d+)/.exec(text)?.[1] ?? (text === '' ? 'empty' : 'result')
        const key = `${status}/${code}`
        codes.set(key, (codes.get(key) ?? 0) + 1)
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return { failures, codes: Object.fromEntries(codes), answered }
  }

  it(
    'answers every hostile request with the right JSON-RPC error, stays up, still serves',
    async () => {
      const n = CHAOS ? 30_000 : 6_000
      const cases = [
        ...fc.sample(anyCase, { numRuns: n, seed: 42069 }),
        // few but heavy: bodies over the limit and deep nesting
        ...fc.sample(hugeBody, { numRuns: CHAOS ? 100 : 10, seed: 1 }),
        ...fc.sample(deepNesting, { numRuns: CHAOS ? 100 : 10, seed: 2 }),
      ]
      const started = Date.now()
      const { failures, codes, answered } = await blast(cases, 16)
      const seconds = (Date.now() - started) / 1000
      figure('rpc-fuzz', {
        sent: cases.length,
        answered,
        failures: failures.length,
        seconds,
        codes: JSON.stringify(codes),
      })
      for (const f of failures.slice(0, 10)) process.stdout.write(`  FAIL ${f.slice(0, 400)}\n`)
      expect(failures.slice(0, 10)).toEqual([])
      expect(answered).toBe(cases.length)
      expect(seq.child.exitCode).toBeNull()
      expect((await fetch(`${seq.url}/healthz`)).status).toBe(200)

      // normal traffic afterwards: a transfer is accepted and mined
      const hash = (await seq.rpc('eth_sendRawTransaction', [
        rawTx(FUNDED, { nonce: 0n }),
      ])) as string
      const receipt = await waitFor(
        'receipt',
        async () =>
          ((await seq.rpc('eth_getTransactionReceipt', [hash])) as { status: string } | null) ??
          undefined,
        { timeoutMs: 10_000 },
      )
      expect(receipt.status).toBe('0x1')
    },
    CHAOS ? 600_000 : 120_000,
  )
})

describe('scenario 7: the per-client rate limit on the real sequencer process', () => {
  const PER_SECOND = 20
  const BURST = 40
  const tmp = tempDir('lanes-ratelimit-')
  let seq: SequencerProc

  beforeAll(async () => {
    seq = await startSequencer({
      genesis: writeGenesis(tmp.dir, [FUNDED]),
      dataDir: `${tmp.dir}/data`,
      args: [
        '--rate-limit-per-second',
        String(PER_SECOND),
        '--rate-limit-burst',
        String(BURST),
        '--log-level',
        'error',
      ],
    })
  })
  afterAll(async () => {
    await seq?.stop()
    tmp.cleanup()
  })

  const post = async (body: string) => {
    const res = await fetch(seq.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    return { status: res.status, body: JSON.parse(await res.text()) as unknown }
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

  it('answers over-limit calls with HTTP 429 and -32005, then serves again after the window', async () => {
    // one client, 200 calls at once: the bucket holds BURST, refilled at PER_SECOND
    const t0 = Date.now()
    const burst = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(req('eth_blockNumber', [], i + 1))),
    )
    const elapsedS = (Date.now() - t0) / 1000
    const ok = burst.filter((r) => r.status === 200)
    const limited = burst.filter((r) => r.status === 429)
    expect(ok.length + limited.length, 'only 200 and 429 answers').toBe(burst.length)
    expect(ok.length).toBeGreaterThanOrEqual(BURST)
    expect(ok.length).toBeLessThanOrEqual(BURST + Math.ceil(PER_SECOND * elapsedS) + 1)
    for (const r of ok) expect(r.body).toMatchObject({ jsonrpc: '2.0', result: expect.any(String) })
    for (const r of limited) {
      expect(checkShape(r.body)).toBeUndefined()
      const e = r.body as { id: number; error: { code: number; message: string } }
      expect(e.error.code).toBe(-32005)
      expect(e.error.message).toMatch(/limit exceeded/)
      expect(e.id).toBeGreaterThan(0) // the caller's own id comes back
    }
    // a batch costs one token per call: refused whole while the bucket is empty
    const batch = await post(
      JSON.stringify(Array.from({ length: 10 }, (_, i) => JSON.parse(req('eth_chainId', [], i)))),
    )
    expect(batch.status).toBe(429)
    expect((batch.body as { error: { code: number } }).error.code).toBe(-32005)

    // after the window (a full bucket takes BURST / PER_SECOND s) a full burst is served again
    await sleep((BURST / PER_SECOND) * 1000 + 300)
    const again = await Promise.all(
      Array.from({ length: BURST }, (_, i) => post(req('eth_chainId', [], i))),
    )
    expect(again.map((r) => r.status)).toEqual(again.map(() => 200))
    // steady traffic under the rate is never limited, and a transfer is mined
    await sleep((BURST / PER_SECOND) * 1000 + 300)
    const steady: number[] = []
    for (let i = 0; i < 20; i++) {
      steady.push((await post(req('eth_blockNumber', [], i))).status)
      await sleep(1000 / (PER_SECOND / 2))
    }
    expect(steady).toEqual(steady.map(() => 200))
    const hash = (await seq.rpc('eth_sendRawTransaction', [rawTx(FUNDED, { nonce: 0n })])) as string
    const receipt = await waitFor(
      'receipt',
      async () =>
        ((await seq.rpc('eth_getTransactionReceipt', [hash])) as { status: string } | null) ??
        undefined,
      { timeoutMs: 10_000, intervalMs: 200 },
    )
    expect(receipt.status).toBe('0x1')
    figure('rpc-rate-limit', {
      perSecond: PER_SECOND,
      burst: BURST,
      sent: burst.length,
      served: ok.length,
      limited: limited.length,
      burstSeconds: elapsedS,
      servedAfterWindow: again.length,
      steadyServed: steady.length,
    })
  }, 60_000)
})
