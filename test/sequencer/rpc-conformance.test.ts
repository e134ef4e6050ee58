import { accountKey, accountValue, storageKey, verifyProof } from '@lanes/state-tree'
import { type Hex, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_KEYS } from '../harness/anvil.js'
import { waitFor } from '../harness/processes.js'
import { LANES_CHAIN_ID, type LanesProcess, startLanes } from './start.js'

/**
 * Raw JSON-RPC against the real sequencer with slow blocks (1.5 s), so pending states are
 * observable: pool lookups, geth's rejection texts, eth_getProof checked with the state-tree
 * verifier, and the lanes_* rollup methods.
 */

const SENDER = ANVIL_KEYS[5]
const OTHER = ANVIL_KEYS[6]
const PACER = ANVIL_KEYS[7]
const UNFUNDED = ANVIL_KEYS[9]
let lanes: LanesProcess

type RpcResponse = { result?: unknown; error?: { code: number; message: string; data?: unknown } }

async function rpcRaw(method: string, params: unknown[] = []): Promise<RpcResponse> {
  const res = await fetch(lanes.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await res.json()) as RpcResponse
}

async function rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
  const r = await rpcRaw(method, params)
  if (r.error) throw new Error(`${method}: ${r.error.code} ${r.error.message}`)
  return r.result as T
}

async function rpcError(method: string, params: unknown[]) {
  const r = await rpcRaw(method, params)
  expect(r.error, `${method} should fail`).toBeDefined()
  return r.error!
}

async function signTransfer(
  key: Hex,
  p: { nonce: number; value?: bigint; gas?: bigint; maxFeePerGas?: bigint; to?: Hex },
) {
  return privateKeyToAccount(key).signTransaction({
    type: 'eip1559',
    chainId: LANES_CHAIN_ID,
    nonce: p.nonce,
    to: p.to ?? '0x00000000000000000000000000000000000c0f01',
    value: p.value ?? 1n,
    gas: p.gas ?? 21000n,
    maxFeePerGas: p.maxFeePerGas ?? 1_000_000_000n,
    maxPriorityFeePerGas: 1_000_000n,
  })
}

async function receiptOf(hash: Hex) {
  return waitFor(
    `receipt of ${hash}`,
    async () =>
      (await rpc<Record<string, string> | null>('eth_getTransactionReceipt', [hash])) ?? undefined,
    { timeoutMs: 15_000, intervalMs: 100 },
  )
}

beforeAll(async () => {
  lanes = await startLanes([SENDER, OTHER, PACER], ['--block-time-ms', '1500'])
})

afterAll(async () => {
  await lanes?.stop()
})

describe('against the real sequencer', () => {
  const from = privateKeyToAccount(SENDER).address.toLowerCase()
  let minedHash: Hex
  let minedRaw: Hex
  let minedBlock: string

  it('shows a pooled tx as pending, refuses duplicates and underpriced replacements, then mines it', async () => {
    // blocks are sealed on a 1.5 s tick: right after one, a new tx stays pending ~1.5 s
    await receiptOf(
      await rpc<Hex>('eth_sendRawTransaction', [await signTransfer(PACER, { nonce: 0 })]),
    )
    const pendingFilter = await rpc<string>('eth_newPendingTransactionFilter')
    const blockFilter = await rpc<string>('eth_newBlockFilter')
    minedRaw = await signTransfer(SENDER, { nonce: 0, value: 5n })
    minedHash = await rpc<Hex>('eth_sendRawTransaction', [minedRaw])

    const pending = await rpc<Record<string, unknown>>('eth_getTransactionByHash', [minedHash])
    expect(pending).toMatchObject({ hash: minedHash, from, blockHash: null, blockNumber: null })
    expect(await rpc('eth_getTransactionReceipt', [minedHash])).toBeNull()
    expect(await rpc('eth_getTransactionCount', [from, 'pending'])).toBe('0x1')
    expect(await rpc('eth_getTransactionCount', [from, 'latest'])).toBe('0x0')
    expect((await rpc<{ pending: string }>('txpool_status')).pending).not.toBe('0x0')
    const content = await rpc<{ pending: Record<string, Record<string, { hash: string }>> }>(
      'txpool_content',
    )
    expect(content.pending[from]?.['0']?.hash).toBe(minedHash)
    expect(await rpc('eth_getFilterChanges', [pendingFilter])).toEqual([minedHash])

    expect(await rpcError('eth_sendRawTransaction', [minedRaw])).toEqual({
      code: -32000,
      message: 'already known',
    })
    const replacement = await signTransfer(SENDER, { nonce: 0, value: 6n })
    const underpriced = await rpcError('eth_sendRawTransaction', [replacement])
    expect(underpriced.code).toBe(-32000)
    expect(underpriced.message).toMatch(/^replacement transaction underpriced/)

    const receipt = await receiptOf(minedHash)
    expect(receipt.status).toBe('0x1')
    minedBlock = receipt.blockNumber!
    const mined = await rpc<Record<string, unknown>>('eth_getTransactionByHash', [minedHash])
    expect(mined.blockNumber).toBe(minedBlock)
    expect(await rpc('eth_getFilterChanges', [blockFilter])).toContain(receipt.blockHash)
    const receipts = await rpc<{ transactionHash: string }[]>('eth_getBlockReceipts', [minedBlock])
    expect(receipts.map((r) => r.transactionHash)).toContain(minedHash)

    const again = await rpcError('eth_sendRawTransaction', [minedRaw])
    expect(again.code).toBe(-32000)
    expect(again.message).toMatch(/^nonce too low/)
  })

  it('rejects bad transactions with geth texts (-32000)', async () => {
    const cases: [Promise<Hex>, RegExp][] = [
      [signTransfer(UNFUNDED, { nonce: 0 }), /^insufficient funds for gas \* price \+ value/],
      [signTransfer(OTHER, { nonce: 0, gas: 20_000n }), /^intrinsic gas too low/],
      [signTransfer(OTHER, { nonce: 0, gas: 40_000_000n }), /^exceeds block gas limit/],
    ]
    const account = privateKeyToAccount(OTHER)
    const authorization = await account.signAuthorization({
      contractAddress: '0x00000000000000000000000000000000000c0f02',
      chainId: LANES_CHAIN_ID,
      nonce: 1,
    })
    cases.push([
      account.signTransaction({
        type: 'eip7702',
        chainId: LANES_CHAIN_ID,
        nonce: 0,
        to: account.address,
        gas: 100_000n,
        maxFeePerGas: 1_000_000_000n,
        maxPriorityFeePerGas: 1n,
        authorizationList: [authorization],
      }),
      /^transaction type not supported/,
    ])
    for (const [raw, message] of cases) {
      const e = await rpcError('eth_sendRawTransaction', [await raw])
      expect(e.code).toBe(-32000)
      expect(e.message).toMatch(message)
    }
    expect((await rpcError('eth_sendRawTransaction', ['0x'])).code).not.toBe(-32603)
    expect((await rpcError('eth_sendRawTransaction', ['0x02c0'])).code).not.toBe(-32603)
  })

  it('eth_getProof proofs verify against the block state root', async () => {
    const p = await rpc<{
      balance: string
      nonce: string
      codeHash: Hex
      stateRoot: Hex
      storageHash: Hex
      accountLeaf: Hex | null
      accountProof: Hex[]
      storageProof: { key: string; value: string; proof: Hex[] }[]
    }>('eth_getProof', [from, ['0x0'], minedBlock])
    const block = await rpc<{ stateRoot: Hex }>('eth_getBlockByNumber', [minedBlock, false])
    expect(p.stateRoot).toBe(block.stateRoot)
    expect(p.storageHash).toBe(block.stateRoot)
    expect(p.nonce).toBe('0x1')
    expect(p.balance).toBe(await rpc('eth_getBalance', [from, minedBlock]))
    expect(p.accountProof).toHaveLength(1)
    const leaf = accountValue({ nonce: 1n, balance: BigInt(p.balance), codeHash: p.codeHash })
    expect(p.accountLeaf).toBe(`0x${Buffer.from(leaf).toString('hex')}`)
    const proof = p.accountProof[0]!
    expect(
      verifyProof(p.stateRoot, accountKey(from as Hex), p.accountLeaf, hexToBytes(proof)).ok,
    ).toBe(true)
    // the same proof must not verify a different balance
    const forged = accountValue({
      nonce: 1n,
      balance: BigInt(p.balance) + 1n,
      codeHash: p.codeHash,
    })
    expect(verifyProof(p.stateRoot, accountKey(from as Hex), forged, hexToBytes(proof)).ok).toBe(
      false,
    )
    // an EOA has no storage: slot 0 is proven absent
    const slot = p.storageProof[0]!
    expect(slot.value).toBe('0x0')
    expect(
      verifyProof(p.stateRoot, storageKey(from as Hex, 0n), null, hexToBytes(slot.proof[0]!)).ok,
    ).toBe(true)

    const fresh = '0x00000000000000000000000000000000000ab5e7'
    const absent = await rpc<{ accountLeaf: null; accountProof: Hex[]; stateRoot: Hex }>(
      'eth_getProof',
      [fresh, [], minedBlock],
    )
    expect(absent.accountLeaf).toBeNull()
    expect(
      verifyProof(absent.stateRoot, accountKey(fresh), null, hexToBytes(absent.accountProof[0]!))
        .ok,
    ).toBe(true)
  })

  it('lanes_syncStatus, lanes_getBlockRange and lanes_outputAtBlock', async () => {
    const status = await rpc<{ sealed: { number: string; stateRoot: string } }>('lanes_syncStatus')
    expect(BigInt(status.sealed.number)).toBeGreaterThanOrEqual(BigInt(minedBlock))
    const [block] = await rpc<
      {
        number: string
        stateRoot: string
        transactions: { hash: string; from: string; raw: string }[]
      }[]
    >('lanes_getBlockRange', [minedBlock, minedBlock])
    expect(block!.number).toBe(minedBlock)
    expect(block!.transactions).toContainEqual({
      type: '0x2',
      hash: minedHash,
      from,
      raw: minedRaw,
    })
    const header = await rpc<{ stateRoot: string; hash: string }>('eth_getBlockByNumber', [
      minedBlock,
      false,
    ])
    expect(block!.stateRoot).toBe(header.stateRoot)
    const output = await rpc<{ blockHash: string; stateRoot: string }>('lanes_outputAtBlock', [
      minedBlock,
    ])
    expect(output).toMatchObject({ blockHash: header.hash, stateRoot: header.stateRoot })
  })

  it('speaks JSON-RPC over the wire: batches, parse errors, unknown methods, metrics', async () => {
    const res = await fetch(lanes.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 2, method: 'eth_fillTransaction', params: [{}] },
        { jsonrpc: '2.0', id: 3, method: 'eth_getBalance', params: ['0x12'] },
      ]),
    })
    expect(await res.json()).toEqual([
      { jsonrpc: '2.0', id: 1, result: `0x${LANES_CHAIN_ID.toString(16)}` },
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32601,
          message: 'the method eth_fillTransaction does not exist/is not available',
        },
      },
      {
        jsonrpc: '2.0',
        id: 3,
        error: {
          code: -32602,
          message: 'invalid argument 0: hex string has length 2, want 40 for common.Address',
        },
      },
    ])
    const bad = await fetch(lanes.url, { method: 'POST', body: '{"jsonrpc":' })
    expect(await bad.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'parse error' },
    })
    expect((await fetch(`${lanes.url}/healthz`)).status).toBe(200)
    const metrics = await (await fetch(`${lanes.url}/metrics`)).text()
    expect(metrics).toContain('lanes_rpc_calls_total{method="eth_chainId",code="0"}')
  })
})
