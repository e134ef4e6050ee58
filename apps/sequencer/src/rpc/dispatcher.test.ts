import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { RpcContext } from './context.js'
import { CallFailed, Dispatcher, type JsonRpcResponse, method } from './dispatcher.js'
import { invalidParams } from './errors.js'
import { FakeNode } from './fake-node.js'
import { FilterManager } from './filters.js'
import { rpcMethods } from './methods.js'
import { Bytes } from './schemas.js'

const node = new FakeNode()
const ctx: RpcContext = { node, filters: new FilterManager(node), clientVersion: 'test' }
const dispatcher = new Dispatcher<RpcContext>(rpcMethods, { batchLimit: 1000, callTimeoutMs: 1000 })
afterAll(() => ctx.filters.close())

// values shaped like what wallets send, plus junk: hex of odd lengths, tags, objects, arrays
const hexDigits = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength })
const hexish = fc.oneof(
  fc.constantFrom('latest', 'pending', 'earliest', 'safe', 'finalized', '0x', '0x0', '0x00', 'xyz'),
  hexDigits(70).map((h) => `0x${h}`),
  hexDigits(70),
  fc.bigInt({ min: 0n, max: 1n << 70n }).map((n) => `0x${n.toString(16)}`),
)
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    hexish,
    fc.boolean(),
    fc.integer(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(
      fc.constantFrom(
        'to',
        'from',
        'data',
        'input',
        'gas',
        'value',
        'blockHash',
        'blockNumber',
        'address',
        'topics',
        'fromBlock',
        'toBlock',
        'nonce',
        'gasPrice',
        'maxFeePerGas',
      ),
      tie('v'),
      { maxKeys: 4 },
    ),
  ),
})).v

type SchemaLike = {
  anyOf?: SchemaLike[]
  const?: unknown
  type?: string
  gethKind?: string
  pattern?: string
  properties?: Record<string, SchemaLike>
  items?: SchemaLike
  patternProperties?: Record<string, SchemaLike>
}

const hexOf = (bytes: number) =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((b) => `0x${Buffer.from(b).toString('hex')}`)

/** Mostly schema-valid values (so calls reach the handlers and the node), sometimes junk. */
function fromSchema(schema: SchemaLike): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: valid(schema), weight: 9 }, { arbitrary: value, weight: 1 })
}

function valid(schema: SchemaLike): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(fromSchema))
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.patternProperties) {
    const inner = Object.values(schema.patternProperties)[0]!
    return fc.dictionary(hexOf(20), fromSchema(inner), { maxKeys: 2 })
  }
  switch (schema.type) {
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return fc.nat(5000)
    case 'number':
      return fc.double({ min: 0, max: 100, noNaN: true })
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}), { maxLength: 3 })
    case 'object': {
      const props = schema.properties ?? {}
      return fc.record(
        Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v)])),
        { requiredKeys: [] },
      )
    }
    case 'string':
      if (schema.gethKind === 'address') return hexOf(20)
      if (schema.gethKind === 'hash') return hexOf(32)
      if (schema.gethKind === 'bytes') return fc.integer({ min: 0, max: 40 }).chain(hexOf)
      if (
        schema.gethKind === 'big' ||
        schema.gethKind === 'uint64' ||
        schema.pattern?.includes('{0,15}')
      )
        return fc.bigInt({ min: 0n, max: 1n << 64n }).map((n) => `0x${n.toString(16)}`)
      return hexish
    default:
      return value
  }
}

describe('Dispatcher fuzz', () => {
  it('answers every call to every method with a result or a caller error, never an internal one', async () => {
    const names = Object.keys(rpcMethods)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names).chain((method) => {
          const { schemas, required } = rpcMethods[method]!.params
          const args = schemas.map((sc) => fromSchema(sc as SchemaLike))
          return fc
            .integer({ min: required, max: schemas.length })
            .chain((n) => fc.tuple(fc.constant(method), fc.tuple(...args.slice(0, n))))
        }),
        async ([method, params]) => {
          const { body } = await dispatcher.dispatch({ jsonrpc: '2.0', id: 1, method, params }, ctx)
          const r = body as JsonRpcResponse
          if ('error' in r)
            expect(
              r.error.code,
              `${method} ${JSON.stringify(params)}: ${r.error.message}`,
            ).not.toBe(-32603)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('shares one time budget across a batch: slow calls time out, the others answer', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
    const d = new Dispatcher<null>(
      {
        slow: method([], 0, async () => {
          await sleep(300)
          return 'late'
        }),
        quick: method([], 0, async () => 'ok'),
        sync: method([], 0, () => 7),
      },
      { batchLimit: 10, callTimeoutMs: 60 },
    )
    const call = (id: number, m: string) => ({ jsonrpc: '2.0', id, method: m })
    const { body } = await d.dispatch(
      [call(1, 'slow'), call(2, 'quick'), call(3, 'sync'), call(4, 'slow')],
      null,
    )
    expect(body).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32002, message: 'request timed out' } },
      { jsonrpc: '2.0', id: 2, result: 'ok' },
      { jsonrpc: '2.0', id: 3, result: 7 },
      { jsonrpc: '2.0', id: 4, error: { code: -32002, message: 'request timed out' } },
    ])
    // the next request gets a fresh budget
    expect((await d.dispatch(call(5, 'quick'), null)).body).toEqual({
      jsonrpc: '2.0',
      id: 5,
      result: 'ok',
    })
  })

  it('hands the calls of a method with a many-handler over together, answers each in place', async () => {
    const seen: (readonly unknown[])[][] = []
    const d = new Dispatcher<null>(
      {
        put: method(
          [Bytes],
          1,
          async ([x]) => `one ${x}`,
          async (argsList) => {
            seen.push(argsList)
            return argsList.map(([x]) =>
              x === '0xbad0' ? new CallFailed(invalidParams('no')) : `many ${x}`,
            )
          },
        ),
        sync: method([], 0, () => 7),
        broken: method(
          [],
          0,
          async () => 'never',
          async () => {
            throw new Error('group failed')
          },
        ),
      },
      { batchLimit: 10, callTimeoutMs: 1000 },
    )
    const put = (id: number, x: unknown) => ({ jsonrpc: '2.0', id, method: 'put', params: [x] })
    const { body } = await d.dispatch(
      [
        put(1, '0x01'),
        { jsonrpc: '2.0', id: 2, method: 'sync' },
        put(3, 'nohex'),
        put(4, '0xbad0'),
        { jsonrpc: '2.0', method: 'put', params: ['0x05'] },
        put(6, '0x06'),
        { jsonrpc: '2.0', id: 7, method: 'broken' },
        { jsonrpc: '2.0', id: 8, method: 'broken' },
      ],
      null,
    )
    // one call with the valid params in request order; bad params answered without it
    expect(seen).toEqual([[['0x01'], ['0xbad0'], ['0x05'], ['0x06']]])
    expect(body).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'many 0x01' },
      { jsonrpc: '2.0', id: 2, result: 7 },
      {
        jsonrpc: '2.0',
        id: 3,
        error: { code: -32602, message: 'invalid argument 0: hex string without 0x prefix' },
      },
      { jsonrpc: '2.0', id: 4, error: { code: -32602, message: 'no' } },
      { jsonrpc: '2.0', id: 6, result: 'many 0x06' },
      { jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'internal error' } },
      { jsonrpc: '2.0', id: 8, error: { code: -32603, message: 'internal error' } },
    ])
    // a single call takes the one-call handler
    expect((await d.dispatch(put(9, '0x09'), null)).body).toEqual({
      jsonrpc: '2.0',
      id: 9,
      result: 'one 0x09',
    })
  })

  it('times out a many-group that does not answer within the budget', async () => {
    const d = new Dispatcher<null>(
      {
        hang: method(
          [],
          0,
          async () => 'one',
          () => new Promise<unknown[]>(() => {}),
        ),
        quick: method([], 0, () => 'ok'),
      },
      { batchLimit: 10, callTimeoutMs: 50 },
    )
    const { body } = await d.dispatch(
      [
        { jsonrpc: '2.0', id: 1, method: 'hang' },
        { jsonrpc: '2.0', id: 2, method: 'quick' },
        { jsonrpc: '2.0', id: 3, method: 'hang' },
      ],
      null,
    )
    expect(body).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32002, message: 'request timed out' } },
      { jsonrpc: '2.0', id: 2, result: 'ok' },
      { jsonrpc: '2.0', id: 3, error: { code: -32002, message: 'request timed out' } },
    ])
  })
})
