import { RpcVisibleError, toHex } from '@lanes/core'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { buildApp } from './app.js'
import {
  ALICE,
  BOB,
  FAKE_CHAIN_ID,
  FakeNode,
  REVERT_DATA,
  TOKEN,
  TRANSFER_TOPIC,
} from './rpc/fake-node.js'

let node: FakeNode
let app: FastifyInstance

async function post(body: unknown, raw = false) {
  const res = await app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': 'application/json' },
    payload: raw ? (body as string) : JSON.stringify(body),
  })
  return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined }
}

/** One call; returns the whole response object. */
async function call(method: string, params?: unknown[]) {
  const { json } = await post({ jsonrpc: '2.0', id: 1, method, params })
  return json as { result?: unknown; error?: { code: number; message: string; data?: unknown } }
}

async function result(method: string, params?: unknown[]) {
  const r = await call(method, params)
  expect(r.error).toBeUndefined()
  return r.result as never
}

async function error(method: string, params?: unknown[]) {
  const r = await call(method, params)
  expect(r.error, `${method} should fail`).toBeDefined()
  return r.error!
}

beforeEach(async () => {
  node = new FakeNode()
  app = await buildApp({ node, config: { rateLimitPerSecond: 0 } })
})

afterEach(async () => {
  await app.close()
})

describe('JSON-RPC envelope', () => {
  it('answers a single call', async () => {
    const { status, json } = await post({ jsonrpc: '2.0', id: 7, method: 'eth_chainId' })
    expect(status).toBe(200)
    expect(json).toEqual({ jsonrpc: '2.0', id: 7, result: `0x${FAKE_CHAIN_ID.toString(16)}` })
  })

  it('keeps string ids and answers batches in order', async () => {
    const { json } = await post([
      { jsonrpc: '2.0', id: 'a', method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 2, method: 'net_version' },
      { jsonrpc: '2.0', id: 3, method: 'nope_nope' },
    ])
    expect(json).toEqual([
      { jsonrpc: '2.0', id: 'a', result: '0x385' },
      { jsonrpc: '2.0', id: 2, result: '901' },
      {
        jsonrpc: '2.0',
        id: 3,
        error: { code: -32601, message: 'the method nope_nope does not exist/is not available' },
      },
    ])
  })

  it('answers -32700 to malformed JSON', async () => {
    const { status, json } = await post('{"jsonrpc":"2.0",', true)
    expect(status).toBe(200)
    expect(json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'parse error' },
    })
  })

  it('answers -32700 to an empty body', async () => {
    const { json } = await post('', true)
    expect(json.error.code).toBe(-32700)
  })

  it('answers -32600 to a wrong version, a missing method, a bad id or a non-object', async () => {
    for (const bad of [
      { jsonrpc: '1.0', id: 1, method: 'eth_chainId' },
      { id: 1, method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 1 },
      { jsonrpc: '2.0', id: 1, method: 5 },
      { jsonrpc: '2.0', id: { x: 1 }, method: 'eth_chainId' },
      42,
      'hello',
    ]) {
      const { json } = await post(bad)
      expect(json.error, JSON.stringify(bad)).toEqual({ code: -32600, message: 'invalid request' })
    }
    const { json } = await post({ jsonrpc: '1.0', id: 9, method: 'eth_chainId' })
    expect(json.id).toBe(9)
  })

  it('answers an empty batch with one -32600 error, like geth', async () => {
    const { json } = await post([])
    expect(json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'empty batch' },
    })
  })

  it('answers invalid entries inside a batch individually', async () => {
    const { json } = await post([1, { jsonrpc: '2.0', id: 1, method: 'eth_chainId' }])
    expect(json).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
      { jsonrpc: '2.0', id: 1, result: '0x385' },
    ])
  })

  it('refuses batches over the limit with one error carrying the first id', async () => {
    await app.close()
    app = await buildApp({ node, config: { rpcBatchLimit: 3 } })
    const batch = Array.from({ length: 4 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i + 10,
      method: 'eth_chainId',
    }))
    const { json } = await post(batch)
    expect(json).toEqual([
      { jsonrpc: '2.0', id: 10, error: { code: -32600, message: 'batch too large' } },
    ])
    const ok = await post(batch.slice(0, 3))
    expect(ok.json).toHaveLength(3)
  })

  it('processes notifications without answering them', async () => {
    const single = await app.inject({
      method: 'POST',
      url: '/',
      payload: JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId' }),
    })
    expect(single.statusCode).toBe(200)
    expect(single.body).toBe('')
    const { json } = await post([
      { jsonrpc: '2.0', method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
    ])
    expect(json).toEqual([{ jsonrpc: '2.0', id: 1, result: '0x385' }])
  })

  it('accepts a body without content-type (curl -d)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/',
      payload: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}',
      headers: { 'content-type': 'text/plain' },
    })
    expect(JSON.parse(res.body).result).toBe('0x2')
  })

  it('refuses bodies over the limit with 413', async () => {
    await app.close()
    app = await buildApp({ node, config: { rpcBodyLimit: 2048 } })
    const res = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'eth_sendRawTransaction',
        params: [`0x${'ab'.repeat(2000)}`],
      }),
    })
    expect(res.statusCode).toBe(413)
    expect(JSON.parse(res.body).error).toEqual({ code: -32600, message: 'request body too large' })
  })

  it('times out a slow call with -32002', async () => {
    await app.close()
    app = await buildApp({ node, config: { rpcTimeoutMs: 50 } })
    node.callDelayMs = 500
    const e = await error('eth_call', [{ to: BOB }, 'latest'])
    expect(e).toEqual({ code: -32002, message: 'request timed out' })
  })

  it('hides internal errors and their stacks', async () => {
    node.failNext = new Error('SQLITE_BUSY at /work/secret/path.ts:12')
    const e = await error('eth_getBlockByNumber', ['latest', false])
    expect(e).toEqual({ code: -32603, message: 'internal error' })
    expect(JSON.stringify(e)).not.toContain('secret')
  })

  it('passes geth-visible node errors through with their code and text', async () => {
    for (const message of [
      'nonce too low: next nonce 2, tx nonce 0',
      'already known',
      'replacement transaction underpriced',
      'insufficient funds for gas * price + value',
      'intrinsic gas too low',
      'max fee per gas less than block base fee',
      'exceeds block gas limit',
      'transaction type not supported',
    ]) {
      node.failNext = new RpcVisibleError(-32000, message)
      const e = await error('eth_sendRawTransaction', ['0x02'])
      expect(e).toEqual({ code: -32000, message })
    }
  })
})

describe('rate limiting', () => {
  it('answers -32005 with HTTP 429 past the per-client budget, then refills', async () => {
    await app.close()
    app = await buildApp({ node, config: { rateLimitPerSecond: 2, rateLimitBurst: 3 } })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++)
      statuses.push((await post({ jsonrpc: '2.0', id: i, method: 'eth_chainId' })).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await post({ jsonrpc: '2.0', id: 99, method: 'eth_chainId' })
    expect(limited.status).toBe(429)
    expect(limited.json).toEqual({
      jsonrpc: '2.0',
      id: 99,
      error: { code: -32005, message: 'request rate limit exceeded' },
    })
    await new Promise((r) => setTimeout(r, 600))
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' })).status).toBe(200)
  })

  it('charges a batch per entry', async () => {
    await app.close()
    app = await buildApp({ node, config: { rateLimitPerSecond: 1, rateLimitBurst: 5 } })
    const batch = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }))
    expect((await post(batch(4))).status).toBe(200)
    expect((await post(batch(4))).status).toBe(429)
    expect((await post(batch(1))).status).toBe(200)
  })
})

describe('params validation (-32602, geth messages)', () => {
  const cases: [string, unknown[], string][] = [
    ['eth_getBalance', ['a11ce'], 'invalid argument 0: hex string without 0x prefix'],
    [
      'eth_getBalance',
      ['0x1234'],
      'invalid argument 0: hex string has length 4, want 40 for common.Address',
    ],
    [
      'eth_getBalance',
      [123],
      'invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Address',
    ],
    ['eth_getBalance', [`0x${'zz'.repeat(20)}`], 'invalid argument 0: invalid hex string'],
    ['eth_getBalance', [ALICE, 'newest'], 'invalid argument 1: hex string without 0x prefix'],
    ['eth_getBalance', [ALICE, '0x01'], 'invalid argument 1: hex number with leading zero digits'],
    ['eth_getBalance', [ALICE, '0x'], 'invalid argument 1: hex string "0x"'],
    ['eth_getBalance', [ALICE, `0x1${'0'.repeat(16)}`], 'invalid argument 1: hex number > 64 bits'],
    ['eth_getBalance', [], 'missing value for required argument 0'],
    ['eth_chainId', [1], 'too many arguments, want at most 0'],
    ['eth_getBlockByNumber', ['latest'], 'missing value for required argument 1'],
    [
      'eth_getBlockByNumber',
      ['latest', 'yes'],
      'invalid argument 1: json: cannot unmarshal non-bool into Go value of type bool',
    ],
    [
      'eth_getBlockByHash',
      ['0x12', false],
      'invalid argument 0: hex string has length 2, want 64 for common.Hash',
    ],
    ['eth_sendRawTransaction', ['0x123'], 'invalid argument 0: hex string of odd length'],
    ['eth_sendRawTransaction', ['02f8'], 'invalid argument 0: hex string without 0x prefix'],
    [
      'eth_call',
      [{ to: '0x12' }],
      'invalid argument 0: json: cannot unmarshal hex string has length 2, want 40 for common.Address into Go struct field TransactionArgs.to of type common.Address',
    ],
    [
      'eth_call',
      [{ to: BOB, value: '10' }],
      'invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go struct field TransactionArgs.value of type hexutil.Big',
    ],
    [
      'eth_call',
      [{ to: BOB, data: '0x01', input: '0x02' }],
      'both "data" and "input" are set and not equal. Please use "input" to pass transaction call data',
    ],
    [
      'eth_call',
      [{ to: BOB, gasPrice: '0x1', maxFeePerGas: '0x2' }],
      'both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified',
    ],
    [
      'eth_call',
      [{ to: BOB }, { blockHash: `0x${'11'.repeat(32)}`, blockNumber: '0x1' }],
      'invalid argument 1: cannot specify both BlockHash and BlockNumber, choose one or the other',
    ],
    [
      'eth_call',
      ['0x00'],
      'invalid argument 0: json: cannot unmarshal string into Go value of type ethapi.TransactionArgs',
    ],
    [
      'eth_getLogs',
      [{ blockHash: `0x${'11'.repeat(32)}`, fromBlock: '0x1' }],
      'invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other',
    ],
    [
      'eth_getLogs',
      [{ address: '0xabc' }],
      'invalid argument 0: json: cannot unmarshal hex string of odd length into Go struct field FilterCriteria.address of type []common.Address',
    ],
    [
      'eth_getStorageAt',
      [TOKEN, `0x${'1'.repeat(65)}`],
      'invalid argument 1: hex string has length 65, want 64 for common.Hash',
    ],
    ['eth_getBalance', { address: ALICE } as unknown as unknown[], 'non-array args'],
  ]
  for (const [method, params, message] of cases)
    it(`${method} ${JSON.stringify(params)}`, async () => {
      const e = await error(method, params)
      expect(e).toEqual({ code: -32602, message })
    })
})

describe('chain and client methods', () => {
  it('serves the static ones', async () => {
    expect(await result('web3_clientVersion')).toMatch(/^Lanes\/v/)
    expect(await result('net_version')).toBe('901')
    expect(await result('net_listening')).toBe(true)
    expect(await result('eth_chainId')).toBe('0x385')
    expect(await result('eth_syncing')).toBe(false)
    expect(await result('eth_accounts')).toEqual([])
    expect(await result('eth_blockNumber')).toBe('0x2')
    expect(await result('web3_sha3', ['0x'])).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })
})

describe('state methods', () => {
  it('eth_getBalance at tags, numbers and EIP-1898 objects; header not found past the head', async () => {
    expect(await result('eth_getBalance', [ALICE, 'latest'])).toBe('0xde0b6b3a7640000')
    expect(await result('eth_getBalance', [ALICE])).toBe('0xde0b6b3a7640000')
    expect(await result('eth_getBalance', [BOB, '0x1'])).toBe('0x0')
    const hash = node.blocks[1]!.header.hash
    expect(await result('eth_getBalance', [ALICE, { blockHash: hash }])).toBe('0xde0b6b3a7640000')
    expect(await result('eth_getBalance', [ALICE, { blockNumber: '0x1' }])).toBe(
      '0xde0b6b3a7640000',
    )
    expect(await error('eth_getBalance', [ALICE, '0x99'])).toEqual({
      code: -32000,
      message: 'header not found',
    })
  })

  it('eth_getTransactionCount: latest (default), pending counts the pool, number, hash', async () => {
    expect(await result('eth_getTransactionCount', [ALICE])).toBe('0x2')
    expect(await result('eth_getTransactionCount', [ALICE, 'latest'])).toBe('0x2')
    expect(await result('eth_getTransactionCount', [ALICE, 'pending'])).toBe('0x3')
    expect(await result('eth_getTransactionCount', [ALICE, '0x0'])).toBe('0x2')
    expect(
      await result('eth_getTransactionCount', [
        ALICE.toUpperCase().replace('0X', '0x'),
        { blockHash: node.blocks[2]!.header.hash },
      ]),
    ).toBe('0x2')
  })

  it('eth_getCode and eth_getStorageAt (short slot forms padded like geth)', async () => {
    expect(await result('eth_getCode', [TOKEN, 'latest'])).toBe('0x6000')
    expect(await result('eth_getCode', [BOB, 'latest'])).toBe('0x')
    const word = `0x${'0'.repeat(62)}2a`
    expect(await result('eth_getStorageAt', [TOKEN, '0x0', 'latest'])).toBe(word)
    expect(await result('eth_getStorageAt', [TOKEN, `0x${'0'.repeat(64)}`])).toBe(word)
    expect(await result('eth_getStorageAt', [TOKEN, '0x1', 'latest'])).toBe(`0x${'0'.repeat(64)}`)
  })

  it('eth_call returns data, passes block, overrides and call fields to the node', async () => {
    expect(
      await result('eth_call', [
        { from: ALICE, to: TOKEN, input: '0x70a08231', gas: '0x5208', value: '0x0', nonce: '0x9' },
        'pending',
        {
          [BOB]: {
            balance: '0x10',
            code: '0x00',
            stateDiff: { [`0x${'00'.repeat(32)}`]: `0x${'00'.repeat(31)}01` },
          },
        },
      ]),
    ).toBe('0x70a08231')
    const c = node.calls[0]!
    expect(c.selector).toBe('pending')
    expect(c.request).toEqual({
      from: ALICE,
      to: TOKEN,
      gas: 21000n,
      value: 0n,
      data: Uint8Array.from([0x70, 0xa0, 0x82, 0x31]),
    })
    expect(c.overrides?.get(BOB)).toEqual({
      balance: 16n,
      code: Uint8Array.of(0),
      stateDiff: new Map([[`0x${'00'.repeat(32)}`, 1n]]),
    })
  })

  it('eth_call revert → code 3, "execution reverted: <reason>", revert data', async () => {
    const e = await error('eth_call', [{ to: TOKEN, data: '0xdead' }, 'latest'])
    expect(e).toEqual({
      code: 3,
      message: 'execution reverted: not enough tokens',
      data: REVERT_DATA,
    })
    const g = await error('eth_estimateGas', [{ to: TOKEN, data: '0xdead' }])
    expect(g.code).toBe(3)
    expect(g.data).toBe(REVERT_DATA)
  })

  it('eth_estimateGas returns a quantity (block optional)', async () => {
    expect(await result('eth_estimateGas', [{ from: ALICE, to: BOB, value: '0x1' }])).toBe('0x5208')
    expect(await result('eth_estimateGas', [{ to: BOB, data: '0x0102' }, 'latest'])).toBe('0x5228')
  })

  it('eth_getProof returns geth field names with the Lanes proof in accountProof', async () => {
    const p = await result('eth_getProof', [TOKEN, ['0x0'], 'latest'])
    expect(p).toMatchObject({
      address: TOKEN,
      balance: '0x0',
      nonce: '0x0',
      accountProof: ['0x000000'],
      storageHash: node.blocks[2]!.header.stateRoot,
      stateRoot: node.blocks[2]!.header.stateRoot,
      storageProof: [{ key: '0x0', value: '0x2a', proof: ['0x01'] }],
      accountLeaf: null,
      blockNumber: '0x2',
    })
    const alice = (await result('eth_getProof', [ALICE, [], 'latest'])) as Record<string, unknown>
    expect(alice.balance).toBe('0xde0b6b3a7640000')
    expect(alice.nonce).toBe('0x2')
  })
})

describe('block methods', () => {
  it('eth_getBlockByNumber returns every field wallets read', async () => {
    const b = (await result('eth_getBlockByNumber', ['0x2', false])) as Record<string, unknown>
    const hd = node.blocks[2]!.header
    expect(b).toMatchObject({
      number: '0x2',
      hash: hd.hash,
      parentHash: hd.parentHash,
      nonce: '0x0000000000000000',
      sha3Uncles: '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347',
      logsBloom: hd.logsBloom,
      transactionsRoot: hd.transactionsRoot,
      stateRoot: hd.stateRoot,
      receiptsRoot: hd.receiptsRoot,
      miner: hd.coinbase,
      difficulty: '0x0',
      totalDifficulty: '0x0',
      extraData: '0x',
      size: '0x258',
      gasLimit: '0x1c9c380',
      gasUsed: '0x11558',
      timestamp: '0x6553f102',
      baseFeePerGas: '0x3b9aca00',
      mixHash: hd.l1OriginHash,
      uncles: [],
      withdrawals: [],
      transactions: [node.deposit.hash, node.dynamicTx.hash],
    })
  })

  it('full transactions: legacy, 1559 and OP-style deposit fields', async () => {
    const b = (await result('eth_getBlockByNumber', ['latest', true])) as {
      transactions: Record<string, unknown>[]
    }
    const [dep, dyn] = b.transactions
    expect(dep).toMatchObject({
      type: '0x7e',
      hash: node.deposit.hash,
      from: BOB,
      to: ALICE,
      mint: '0x5',
      value: '0x5',
      gas: '0xc350',
      isSystemTx: false,
      input: '0x',
      blockNumber: '0x2',
      transactionIndex: '0x0',
    })
    expect(dyn).toMatchObject({
      type: '0x2',
      hash: node.dynamicTx.hash,
      from: ALICE,
      to: TOKEN,
      nonce: '0x1',
      gasPrice: '0x77359400', // base 1 gwei + tip 1 gwei
      maxFeePerGas: '0xb2d05e00',
      maxPriorityFeePerGas: '0x3b9aca00',
      chainId: '0x385',
      accessList: [],
      v: '0x1',
      yParity: '0x1',
      r: '0x1234',
      s: '0x5678',
      input: '0xa9059cbb',
      transactionIndex: '0x1',
    })
    const legacy = (await result('eth_getTransactionByHash', [node.legacyTx.hash])) as Record<
      string,
      unknown
    >
    expect(legacy).toMatchObject({
      type: '0x0',
      v: toQuantityLike(901n * 2n + 36n),
      gasPrice: '0x77359400',
    })
    expect(legacy.yParity).toBeUndefined()
    expect(legacy.accessList).toBeUndefined()
  })

  it('eth_getBlockByHash, unknown blocks → null, tags resolve', async () => {
    const hash = node.blocks[1]!.header.hash
    expect(((await result('eth_getBlockByHash', [hash, false])) as { number: string }).number).toBe(
      '0x1',
    )
    expect(await result('eth_getBlockByHash', [`0x${'ab'.repeat(32)}`, false])).toBeNull()
    expect(await result('eth_getBlockByNumber', ['0x64', false])).toBeNull()
    for (const [tag, n] of [
      ['earliest', '0x0'],
      ['safe', '0x1'],
      ['finalized', '0x0'],
      ['pending', '0x2'],
    ])
      expect(
        ((await result('eth_getBlockByNumber', [tag, false])) as { number: string }).number,
      ).toBe(n)
  })

  it('transaction counts and by-index lookups', async () => {
    const hash = node.blocks[2]!.header.hash
    expect(await result('eth_getBlockTransactionCountByNumber', ['0x2'])).toBe('0x2')
    expect(await result('eth_getBlockTransactionCountByHash', [hash])).toBe('0x2')
    expect(await result('eth_getBlockTransactionCountByNumber', ['0x9'])).toBeNull()
    expect(
      (
        (await result('eth_getTransactionByBlockNumberAndIndex', ['0x2', '0x1'])) as {
          hash: string
        }
      ).hash,
    ).toBe(node.dynamicTx.hash)
    expect(
      ((await result('eth_getTransactionByBlockHashAndIndex', [hash, '0x0'])) as { hash: string })
        .hash,
    ).toBe(node.deposit.hash)
    expect(await result('eth_getTransactionByBlockNumberAndIndex', ['0x2', '0x5'])).toBeNull()
    expect(await result('eth_getUncleCountByBlockNumber', ['0x2'])).toBe('0x0')
  })
})

function toQuantityLike(v: bigint) {
  return `0x${v.toString(16)}`
}

describe('transaction methods', () => {
  it('eth_sendRawTransaction hands the bytes to the node and returns its hash', async () => {
    const hash = await result('eth_sendRawTransaction', ['0x02abcd'])
    expect(node.submitted.map((r) => toHex(r))).toEqual(['0x02abcd'])
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('eth_getTransactionByHash: pending txs have null block fields and gasPrice = max fee', async () => {
    const tx = (await result('eth_getTransactionByHash', [node.pendingTx.hash])) as Record<
      string,
      unknown
    >
    expect(tx).toMatchObject({
      hash: node.pendingTx.hash,
      blockHash: null,
      blockNumber: null,
      transactionIndex: null,
      gasPrice: '0xb2d05e00',
      nonce: '0x2',
    })
    expect(await result('eth_getTransactionByHash', [`0x${'00'.repeat(32)}`])).toBeNull()
  })

  it('eth_getTransactionReceipt: null while pending; L1 fee fields; block-wide log indexes', async () => {
    expect(await result('eth_getTransactionReceipt', [node.pendingTx.hash])).toBeNull()
    const r = (await result('eth_getTransactionReceipt', [node.dynamicTx.hash])) as Record<
      string,
      unknown
    >
    expect(r).toMatchObject({
      type: '0x2',
      status: '0x1',
      transactionHash: node.dynamicTx.hash,
      transactionIndex: '0x1',
      blockHash: node.blocks[2]!.header.hash,
      blockNumber: '0x2',
      from: ALICE,
      to: TOKEN,
      gasUsed: '0xc350',
      cumulativeGasUsed: '0x11558',
      effectiveGasPrice: '0x77359400',
      contractAddress: null,
      l1Fee: '0x4d2',
      l1GasUsed: '0x640',
      l1GasPrice: '0x7',
      l1BlobBaseFee: '0x1',
    })
    expect(r.logs).toEqual([
      expect.objectContaining({
        address: TOKEN,
        logIndex: '0x0',
        transactionIndex: '0x1',
        removed: false,
      }),
    ])
    const d = (await result('eth_getTransactionReceipt', [node.deposit.hash])) as Record<
      string,
      unknown
    >
    expect(d).toMatchObject({ type: '0x7e', depositReceiptVersion: '0x1' })
    expect(d.l1Fee).toBeUndefined()
    const all = (await result('eth_getBlockReceipts', ['0x2'])) as unknown[]
    expect(all).toHaveLength(2)
  })
})

describe('fees', () => {
  it('eth_gasPrice and eth_maxPriorityFeePerGas', async () => {
    expect(await result('eth_gasPrice')).toBe('0x3baa0c40')
    expect(await result('eth_maxPriorityFeePerGas')).toBe('0xf4240')
  })

  it('eth_feeHistory: hex, decimal and numeric counts, rewards, clamp, percentile checks', async () => {
    const h = (await result('eth_feeHistory', ['0x2', 'latest', [10, 90]])) as Record<
      string,
      unknown
    >
    expect(h).toEqual({
      oldestBlock: '0x1',
      baseFeePerGas: ['0x3b9aca00', '0x3b9aca00', '0x3b9aca00'],
      gasUsedRatio: [0.5, 0.5],
      reward: [
        ['0x5', '0x5'],
        ['0x5', '0x5'],
      ],
    })
    expect(
      ((await result('eth_feeHistory', [2, 'latest'])) as { reward?: unknown }).reward,
    ).toBeUndefined()
    expect(
      ((await result('eth_feeHistory', ['5000', '0x2'])) as { oldestBlock: string }).oldestBlock,
    ).toBe('0x0')
    expect(await error('eth_feeHistory', ['0x1', 'latest', [50, 10]])).toEqual({
      code: -32000,
      message: 'invalid reward percentiles: 50 > 10',
    })
    expect((await error('eth_feeHistory', ['0x1', 'latest', [101]])).message).toBe(
      'invalid reward percentile: 101',
    )
  })
})

describe('logs and filters', () => {
  it('eth_getLogs with address, topic OR-arrays, null positions and blockHash', async () => {
    const all = (await result('eth_getLogs', [
      { fromBlock: '0x0', toBlock: 'latest' },
    ])) as unknown[]
    expect(all).toHaveLength(1)
    expect(all[0]).toMatchObject({
      address: TOKEN,
      blockNumber: '0x2',
      logIndex: '0x0',
      blockTimestamp: '0x6553f102',
    })
    const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`
    const match = async (filter: Record<string, unknown>) =>
      ((await result('eth_getLogs', [{ fromBlock: '0x0', ...filter }])) as unknown[]).length
    expect(await match({ address: TOKEN })).toBe(1)
    expect(await match({ address: [BOB, TOKEN] })).toBe(1)
    expect(await match({ address: BOB })).toBe(0)
    expect(await match({ topics: [TRANSFER_TOPIC] })).toBe(1)
    expect(await match({ topics: [null, pad(ALICE)] })).toBe(1)
    expect(await match({ topics: [null, [pad(BOB), pad(ALICE)]] })).toBe(1)
    expect(await match({ topics: [null, pad(BOB)] })).toBe(0)
    expect(await match({ topics: [null, null, null, null] })).toBe(0)
    expect(await result('eth_getLogs', [{ blockHash: node.blocks[2]!.header.hash }])).toHaveLength(
      1,
    )
    expect(await result('eth_getLogs', [{ blockHash: node.blocks[1]!.header.hash }])).toHaveLength(
      0,
    )
    expect(await error('eth_getLogs', [{ topics: [null, null, null, null, null] }])).toEqual({
      code: -32000,
      message: 'exceed max topics',
    })
  })

  it('eth_getLogs range errors come from the node with geth text', async () => {
    expect(await error('eth_getLogs', [{ fromBlock: '0x2', toBlock: '0x1' }])).toEqual({
      code: -32000,
      message: 'invalid block range params',
    })
    expect(await error('eth_getLogs', [{ blockHash: `0x${'ee'.repeat(32)}` }])).toEqual({
      code: -32000,
      message: 'unknown block',
    })
  })

  it('block filter reports new block hashes once', async () => {
    const id = (await result('eth_newBlockFilter')) as string
    expect(id).toMatch(/^0x[0-9a-f]{32}$/)
    expect(await result('eth_getFilterChanges', [id])).toEqual([])
    const b3 = node.sealEmptyBlock()
    const b4 = node.sealEmptyBlock()
    expect(await result('eth_getFilterChanges', [id])).toEqual([b3.header.hash, b4.header.hash])
    expect(await result('eth_getFilterChanges', [id])).toEqual([])
    expect(await result('eth_uninstallFilter', [id])).toBe(true)
    expect(await result('eth_uninstallFilter', [id])).toBe(false)
    expect(await error('eth_getFilterChanges', [id])).toEqual({
      code: -32000,
      message: 'filter not found',
    })
  })

  it('log filter reports matching new logs; eth_getFilterLogs returns all matches', async () => {
    const other = `0x${'77'.repeat(32)}` as const
    const id = (await result('eth_newFilter', [
      { fromBlock: '0x0', address: TOKEN, topics: [[TRANSFER_TOPIC, other]] },
    ])) as string
    node.sealBlockWithLog(other)
    node.sealBlockWithLog(`0x${'99'.repeat(32)}`)
    const changes = (await result('eth_getFilterChanges', [id])) as { topics: string[] }[]
    expect(changes.map((l) => l.topics[0])).toEqual([other])
    expect(await result('eth_getFilterChanges', [id])).toEqual([])
    const logs = (await result('eth_getFilterLogs', [id])) as unknown[]
    expect(logs).toHaveLength(2)
    const blockFilter = (await result('eth_newBlockFilter')) as string
    expect(await error('eth_getFilterLogs', [blockFilter])).toEqual({
      code: -32000,
      message: 'filter not found',
    })
  })

  it('pending transaction filter reports hashes as they are admitted', async () => {
    const id = (await result('eth_newPendingTransactionFilter')) as string
    const hash = await result('eth_sendRawTransaction', ['0x02beef'])
    expect(await result('eth_getFilterChanges', [id])).toEqual([hash])
    expect(await result('eth_getFilterChanges', [id])).toEqual([])
  })

  it('caps the number of live filters', async () => {
    await app.close()
    app = await buildApp({ node, config: { maxFilters: 2 } })
    await result('eth_newBlockFilter')
    await result('eth_newPendingTransactionFilter')
    expect(await error('eth_newFilter', [{}])).toEqual({
      code: -32000,
      message: 'too many filters',
    })
  })

  it('filters expire after the idle timeout', async () => {
    await app.close()
    app = await buildApp({ node, config: { filterTimeoutMs: 50 } })
    const id = (await result('eth_newBlockFilter')) as string
    await new Promise((r) => setTimeout(r, 80))
    expect(await error('eth_getFilterChanges', [id])).toEqual({
      code: -32000,
      message: 'filter not found',
    })
  })
})

describe('txpool and lanes methods', () => {
  it('txpool_status and txpool_content', async () => {
    expect(await result('txpool_status')).toEqual({ pending: '0x1', queued: '0x0' })
    const c = (await result('txpool_content')) as {
      pending: Record<string, Record<string, { hash: string }>>
    }
    expect(c.pending[ALICE]!['2']!.hash).toBe(node.pendingTx.hash)
  })

  it('lanes_syncStatus', async () => {
    const s = (await result('lanes_syncStatus')) as Record<string, { number: string }>
    expect(s.sealed!.number).toBe('0x2')
    expect(s.committed!.number).toBe('0x1')
    expect(s.finalized!.number).toBe('0x0')
    expect(s).toMatchObject({ depositCursor: '0x1', l1Head: { number: '0x14' } })
  })

  it('lanes_getBlockRange returns raw signed txs with senders and deposits as fields', async () => {
    const blocks = (await result('lanes_getBlockRange', ['0x1', '0x2'])) as {
      number: string
      depositCursor: string
      transactions: Record<string, string>[]
    }[]
    expect(blocks.map((b) => b.number)).toEqual(['0x1', '0x2'])
    expect(blocks[0]!.transactions[0]).toEqual({
      type: '0x0',
      hash: node.legacyTx.hash,
      from: ALICE,
      raw: toHex(node.legacyTx.raw),
    })
    expect(blocks[1]!.transactions[0]).toMatchObject({
      type: '0x7e',
      queueIndex: '0x0',
      mint: '0x5',
    })
    expect(blocks[1]!.depositCursor).toBe('0x1')
    expect((await error('lanes_getBlockRange', ['0x2', '0x1'])).code).toBe(-32602)
    expect(await error('lanes_getBlockRange', ['0x0', '0x64'])).toEqual({
      code: -32000,
      message: 'block range too large: at most 10 blocks',
    })
  })

  it('lanes_outputAtBlock', async () => {
    expect(await result('lanes_outputAtBlock', ['0x2'])).toMatchObject({
      blockNumber: '0x2',
      stateRoot: node.blocks[2]!.header.stateRoot,
      depositCursor: '0x1',
      withdrawalStore: '0x4200000000000000000000000000000000000016',
    })
    expect(await result('lanes_outputAtBlock', ['0x50'])).toBeNull()
  })
})

describe('lanes_getWithdrawalProof', () => {
  it('is -32601 on a node that does not follow L1', async () => {
    expect((await error('lanes_getWithdrawalProof', [node.legacyTx.hash])).code).toBe(-32601)
  })

  it('answers null for an unknown tx and names what is missing for one without a withdrawal', async () => {
    await app.close()
    const asked: bigint[] = []
    app = await buildApp({
      node,
      config: { rateLimitPerSecond: 0 },
      finalizedBatchOf: async (block) => {
        asked.push(block)
        return undefined
      },
    })
    expect(await result('lanes_getWithdrawalProof', [`0x${'ab'.repeat(32)}`])).toBeNull()
    expect(await error('lanes_getWithdrawalProof', [node.legacyTx.hash])).toEqual({
      code: -32000,
      message: `L2 tx ${node.legacyTx.hash} has no WithdrawalInitiated event #0`,
    })
    expect((await error('lanes_getWithdrawalProof', ['0x12'])).code).toBe(-32602)
    // the L1 lookup is only asked once there is a withdrawal to place
    expect(asked).toEqual([])
  })
})

describe('subscriptions', () => {
  it('eth_subscribe over HTTP is refused like geth', async () => {
    expect(await error('eth_subscribe', ['newHeads'])).toEqual({
      code: -32601,
      message: 'notifications not supported',
    })
  })

  it('WebSocket: JSON-RPC, newHeads, logs, newPendingTransactions, unsubscribe', async () => {
    await app.ready()
    const ws = await app.injectWS('/')
    const inbox: Record<string, unknown>[] = []
    const waiters: (() => void)[] = []
    ws.on('message', (data) => {
      if (process.env.DEBUG_WS) console.log('WS', data.toString().slice(0, 150))
      inbox.push(JSON.parse(data.toString()))
      for (const w of waiters.splice(0)) w()
    })
    const next = async (pred: (m: Record<string, unknown>) => boolean) => {
      for (;;) {
        const i = inbox.findIndex(pred)
        if (i >= 0) return inbox.splice(i, 1)[0]!
        await new Promise<void>((r) => waiters.push(r))
      }
    }
    const send = async (id: number, method: string, params: unknown[] = []) => {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
      return next((m) => m.id === id)
    }
    expect((await send(1, 'eth_chainId')).result).toBe('0x385')
    const heads = (await send(2, 'eth_subscribe', ['newHeads'])).result as string
    const logs = (
      await send(3, 'eth_subscribe', ['logs', { address: TOKEN, topics: [`0x${'55'.repeat(32)}`] }])
    ).result as string
    const pending = (await send(4, 'eth_subscribe', ['newPendingTransactions'])).result as string
    const fullPending = (await send(41, 'eth_subscribe', ['newPendingTransactions', true]))
      .result as string
    expect(new Set([heads, logs, pending]).size).toBe(3)
    expect((await send(5, 'eth_subscribe', ['bogus'])).error).toEqual({
      code: -32601,
      message: 'no "bogus" subscription in eth namespace',
    })

    const b = node.sealBlockWithLog(`0x${'55'.repeat(32)}`)
    const head = (await next(
      (m) => (m.params as { subscription: string })?.subscription === heads,
    )) as {
      method: string
      params: { result: Record<string, unknown> }
    }
    expect(head.method).toBe('eth_subscription')
    expect(head.params.result).toMatchObject({
      number: toQuantityLike(b.header.number),
      hash: b.header.hash,
    })
    expect(head.params.result.transactions).toBeUndefined()
    const log = (await next(
      (m) => (m.params as { subscription: string })?.subscription === logs,
    )) as {
      params: { result: { blockHash: string } }
    }
    expect(log.params.result.blockHash).toBe(b.header.hash)
    node.sealBlockWithLog(`0x${'66'.repeat(32)}`) // not matching the logs subscription

    const hash = await send(6, 'eth_sendRawTransaction', ['0x02cafe'])
    const p = (await next(
      (m) => (m.params as { subscription: string })?.subscription === pending,
    )) as {
      params: { result: string }
    }
    expect(p.params.result).toBe(hash.result)
    const full = (await next(
      (m) => (m.params as { subscription: string })?.subscription === fullPending,
    )) as { params: { result: Record<string, unknown> } }
    expect(full.params.result).toMatchObject({ hash: hash.result, blockNumber: null, type: '0x2' })

    expect((await send(7, 'eth_unsubscribe', [heads])).result).toBe(true)
    expect((await send(8, 'eth_unsubscribe', [heads])).result).toBe(false)
    node.sealEmptyBlock()
    expect((await send(9, 'eth_blockNumber')).result).toBe('0x5')
    const subOf = (m: Record<string, unknown>) =>
      (m.params as { subscription?: string })?.subscription
    // block 4's head arrived before unsubscribing; block 5's must not; no log matched block 4
    const late = inbox
      .filter((m) => subOf(m) === heads)
      .map((m) => (m.params as { result: { number: string } }).result.number)
    expect(late).toEqual(['0x4'])
    expect(inbox.filter((m) => subOf(m) === logs)).toHaveLength(0)
    ws.send('{bad json')
    expect((await next((m) => (m.error as { code: number })?.code === -32700)).id).toBeNull()
    ws.terminate()
  })
})

describe('WebSocket over a real socket', () => {
  it('closes a subscriber that stops reading instead of buffering without bound', async () => {
    await app.close()
    app = await buildApp({ node, config: { wsMaxBufferedBytes: 64 * 1024 } })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const ws = new WebSocket(address.replace('http', 'ws'))
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    const subscribed = new Promise((resolve) => ws.once('message', resolve))
    ws.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }),
    )
    await subscribed
    // stop reading: the kernel buffers fill, then the server's send buffer grows
    ;(ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause()
    const serverSideOpen = () => [...app.websocketServer.clients].some((c) => c.readyState === 1)
    for (let i = 0; i < 50_000 && serverSideOpen(); i++) {
      node.sealEmptyBlock()
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 2))
    }
    expect(serverSideOpen()).toBe(false)
    ;(ws as unknown as { _socket: { resume(): void } })._socket.resume()
    expect(await closed).toBe(1008)
  })
})

describe('operations endpoints', () => {
  it('/healthz, /readyz follow node health; /metrics serves the registry with RPC metrics', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    node.health_ = { live: true, ready: false, reason: 'loading head' }
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(JSON.parse(ready.body).reason).toBe('loading head')
    node.health_ = { live: false, ready: false }
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(503)
    await result('eth_chainId')
    const m = await app.inject({ method: 'GET', url: '/metrics' })
    expect(m.statusCode).toBe(200)
    expect(m.body).toContain('lanes_rpc_calls_total{method="eth_chainId",code="0"}')
  })

  it('plain GET / answers 200 (probes); OPTIONS allows CORS', async () => {
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200)
    const o = await app.inject({ method: 'OPTIONS', url: '/' })
    expect(o.statusCode).toBe(204)
    expect(o.headers['access-control-allow-origin']).toBe('*')
  })

  it('close() removes its listeners from the node', async () => {
    expect(node.events.listenerCount('pendingTx')).toBe(2)
    await app.close()
    expect(node.events.listenerCount('pendingTx')).toBe(0)
    expect(node.events.listenerCount('newHead')).toBe(0)
    app = await buildApp({ node })
  })
})
