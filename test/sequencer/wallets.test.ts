import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ethers } from 'ethers'
import {
  type BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  type Hex,
  http,
  NonceTooLowError,
  parseAbi,
  parseEther,
  webSocket,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_KEYS } from '../harness/anvil.js'
import { foundryBinary } from '../harness/processes.js'
import { LANES_CHAIN_ID, type LanesProcess, startLanes } from './start.js'

/**
 * Wallet libraries against the real sequencer process (apps/sequencer/src/main.ts): viem over
 * HTTP and WebSocket, ethers v6, and foundry's cast, all unmodified.
 */

const run = promisify(execFile)

// contract Store { uint256 public value; event Set(address indexed who, uint256 value);
//   function set(uint256 v) external { require(v != 13, "unlucky"); value = v; emit Set(msg.sender, v); } }
// solc 0.8.37, cancun, optimizer 200 runs, no metadata hash
const STORE_BYTECODE: Hex =
  '0x6080604052348015600e575f5ffd5b5060fa8061001b5f395ff3fe6080604052348015600e575f5ffd5b50600436106030575f3560e01c80633fa4f24514603457806360fe47b114604d575b5f5ffd5b603b5f5481565b60405190815260200160405180910390f35b605c605836600460d7565b605e565b005b80600d03609b5760405162461bcd60e51b8152602060048201526007602482015266756e6c75636b7960c81b604482015260640160405180910390fd5b5f81905560405181815233907ffd28ec3ec2555238d8ad6f9faf3e4cd10e574ce7e7ef28b73caa53f9512f65b99060200160405180910390a250565b5f6020828403121560e6575f5ffd5b503591905056fea164736f6c6343000825000a'
const STORE_ABI = parseAbi([
  'event Set(address indexed who, uint256 value)',
  'function set(uint256 v)',
  'function value() view returns (uint256)',
])

const [VIEM_KEY, ETHERS_KEY, CAST_KEY, WS_KEY, TRAFFIC_KEY, WS_ETHERS_KEY] = ANVIL_KEYS
let lanes: LanesProcess

beforeAll(async () => {
  lanes = await startLanes([VIEM_KEY, ETHERS_KEY, CAST_KEY, WS_KEY, TRAFFIC_KEY, WS_ETHERS_KEY])
})

afterAll(async () => {
  await lanes?.stop()
})

async function rpcCall(method: string, params: unknown[]) {
  const res = await fetch(lanes.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } }
}

function clients(key: Hex) {
  const chain = defineChain({
    id: LANES_CHAIN_ID,
    name: 'Lanes',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [lanes.url], webSocket: [lanes.wsUrl] } },
  })
  const account = privateKeyToAccount(key)
  const publicClient = createPublicClient({
    chain,
    transport: http(lanes.url),
    pollingInterval: 50,
  })
  const walletClient = createWalletClient({ chain, transport: http(lanes.url), account })
  return { chain, account, publicClient, walletClient }
}

describe('viem', () => {
  it('sends a transfer, waits for the receipt, sees balances and fee fields', async () => {
    const { publicClient, walletClient } = clients(VIEM_KEY)
    expect(await publicClient.getChainId()).toBe(LANES_CHAIN_ID)
    const to = '0x00000000000000000000000000000000000e2e01'
    const hash = await walletClient.sendTransaction({ to, value: parseEther('0.5') })
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 20_000 })
    expect(receipt.status).toBe('success')
    expect(receipt.gasUsed).toBe(21000n)
    expect(await publicClient.getBalance({ address: to })).toBe(parseEther('0.5'))
    const tx = await publicClient.getTransaction({ hash })
    expect(tx.blockNumber).toBe(receipt.blockNumber)
    const block = await publicClient.getBlock({
      blockNumber: receipt.blockNumber,
      includeTransactions: true,
    })
    expect(block.transactions.map((t) => t.hash)).toContain(hash)
    expect(block.baseFeePerGas).toBeGreaterThan(0n)
    const raw = (await fetch(lanes.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'eth_getTransactionReceipt',
        params: [hash],
      }),
    }).then((r) => r.json())) as { result: Record<string, string> }
    for (const field of ['l1Fee', 'l1GasUsed', 'l1GasPrice'])
      expect(raw.result[field]).toMatch(/^0x/)
  })

  it('deploys a contract, writes, reads (eth_call), gets logs, polls filters, decodes a revert reason', async () => {
    const { account, publicClient, walletClient } = clients(VIEM_KEY)
    const deployHash = await walletClient.deployContract({
      abi: STORE_ABI,
      bytecode: STORE_BYTECODE,
    })
    const deployed = await publicClient.waitForTransactionReceipt({
      hash: deployHash,
      timeout: 20_000,
    })
    expect(deployed.status).toBe('success')
    const address = deployed.contractAddress!
    expect(await publicClient.getCode({ address })).toMatch(/^0x6080/)

    const blockFilter = await publicClient.createBlockFilter()
    const eventFilter = await publicClient.createContractEventFilter({
      abi: STORE_ABI,
      address,
      eventName: 'Set',
    })

    const setHash = await walletClient.writeContract({
      address,
      abi: STORE_ABI,
      functionName: 'set',
      args: [42n],
    })
    const setReceipt = await publicClient.waitForTransactionReceipt({
      hash: setHash,
      timeout: 20_000,
    })
    expect(setReceipt.logs).toHaveLength(1)
    expect(await publicClient.getStorageAt({ address, slot: '0x0' })).toBe(
      `0x${42n.toString(16).padStart(64, '0')}`,
    )
    expect(
      await publicClient.readContract({ address, abi: STORE_ABI, functionName: 'value' }),
    ).toBe(42n)

    const events = await publicClient.getContractEvents({
      address,
      abi: STORE_ABI,
      eventName: 'Set',
      fromBlock: 0n,
    })
    expect(events.map((e) => e.args)).toEqual([{ who: account.address, value: 42n }])
    const byTopic = await publicClient.getLogs({
      address,
      event: STORE_ABI[0],
      args: { who: account.address },
      fromBlock: setReceipt.blockNumber,
      toBlock: setReceipt.blockNumber,
    })
    expect(byTopic).toHaveLength(1)

    const changes = await publicClient.getFilterChanges({ filter: eventFilter })
    expect(changes.map((l) => l.args)).toEqual([{ who: account.address, value: 42n }])
    expect(await publicClient.getFilterChanges({ filter: eventFilter })).toEqual([])
    expect(await publicClient.getFilterLogs({ filter: eventFilter })).toHaveLength(1)
    const blocks = await publicClient.getFilterChanges({ filter: blockFilter })
    expect(blocks.length).toBeGreaterThanOrEqual(1)
    expect(await publicClient.uninstallFilter({ filter: blockFilter })).toBe(true)

    // a revert reaches viem as geth's code 3 "execution reverted"
    const revert = await publicClient
      .simulateContract({ account, address, abi: STORE_ABI, functionName: 'set', args: [13n] })
      .then(
        () => undefined,
        (e: unknown) => e as BaseError,
      )
    const reverted = revert?.walk((e) => e instanceof ContractFunctionRevertedError)
    expect(reverted).toBeInstanceOf(ContractFunctionRevertedError)
    expect((reverted as ContractFunctionRevertedError).reason).toBe('unlucky')
    const raw = await rpcCall('eth_estimateGas', [
      {
        from: account.address,
        to: address,
        data: encodeFunctionData({ abi: STORE_ABI, functionName: 'set', args: [13n] }),
      },
    ])
    expect(raw.error?.code).toBe(3)
    expect(raw.error?.message).toBe('execution reverted: unlucky')
  })

  it('maps geth errors to viem error classes (nonce too low)', async () => {
    const { account, publicClient, walletClient } = clients(VIEM_KEY)
    const nonce = await publicClient.getTransactionCount({ address: account.address })
    expect(nonce).toBeGreaterThan(0)
    const error = await walletClient
      .sendTransaction({
        to: account.address,
        value: 1n,
        nonce: 0,
        gas: 21000n, // no eth_estimateGas: the point is the node's answer to the raw tx
      })
      .then(
        () => undefined,
        (e: unknown) => e as BaseError,
      )
    expect(error).toBeDefined()
    expect(error!.walk((e) => e instanceof NonceTooLowError)).toBeInstanceOf(NonceTooLowError)
  })

  it('watches blocks and contract events over WebSocket (eth_subscribe)', async () => {
    const { chain, account, publicClient, walletClient } = clients(WS_KEY)
    const ws = createPublicClient({ chain, transport: webSocket(lanes.wsUrl) })
    try {
      const deployHash = await walletClient.deployContract({
        abi: STORE_ABI,
        bytecode: STORE_BYTECODE,
      })
      const { contractAddress } = await publicClient.waitForTransactionReceipt({
        hash: deployHash,
        timeout: 20_000,
      })
      const address = contractAddress!

      const heads: bigint[] = []
      const values: bigint[] = []
      const pending: Hex[] = []
      const unwatchBlocks = ws.watchBlocks({ onBlock: (b) => heads.push(b.number) })
      const unwatchEvents = ws.watchContractEvent({
        address,
        abi: STORE_ABI,
        eventName: 'Set',
        onLogs: (logs) => values.push(...logs.map((l) => l.args.value!)),
      })
      const unwatchPending = ws.watchPendingTransactions({
        onTransactions: (h) => pending.push(...h),
      })
      await new Promise((r) => setTimeout(r, 300)) // subscriptions established

      const hashes: Hex[] = []
      // back to back: viem estimates each with the pool's pending nonce
      for (const v of [1n, 2n, 3n])
        hashes.push(
          await walletClient.writeContract({
            address,
            abi: STORE_ABI,
            functionName: 'set',
            args: [v],
          }),
        )
      for (const hash of hashes)
        await publicClient.waitForTransactionReceipt({ hash, timeout: 20_000 })
      const deadline = Date.now() + 10_000
      while ((values.length < 3 || heads.length < 1) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      unwatchBlocks()
      unwatchEvents()
      unwatchPending()
      expect(values).toEqual([1n, 2n, 3n])
      expect(heads.length).toBeGreaterThanOrEqual(1)
      for (let i = 1; i < heads.length; i++) expect(heads[i]).toBeGreaterThan(heads[i - 1]!)
      expect(pending).toEqual(expect.arrayContaining(hashes))
      expect(account.address).toMatch(/^0x/)
    } finally {
      await ws.transport.getRpcClient().then((c) => c.close())
    }
  })
})

describe('ethers v6', () => {
  it('WebSocketProvider: block events over eth_subscribe, wallet over WebSocket', async () => {
    const provider = new ethers.WebSocketProvider(lanes.wsUrl, LANES_CHAIN_ID)
    try {
      const blocks: number[] = []
      await provider.on('block', (n: number) => blocks.push(n))
      const wallet = new ethers.Wallet(WS_ETHERS_KEY, provider)
      const tx = await wallet.sendTransaction({
        to: '0x00000000000000000000000000000000000e2e04',
        value: 7n,
      })
      const deadline = Date.now() + 15_000
      let receipt: ethers.TransactionReceipt | null = null
      while (!receipt && Date.now() < deadline) {
        receipt = await provider.getTransactionReceipt(tx.hash)
        if (!receipt) await new Promise((r) => setTimeout(r, 50))
      }
      expect(receipt?.status).toBe(1)
      while (!blocks.includes(receipt!.blockNumber) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      expect(blocks).toContain(receipt!.blockNumber)
    } finally {
      await provider.destroy()
    }
  })

  it('JsonRpcProvider + Wallet: send, wait, read back', async () => {
    const provider = new ethers.JsonRpcProvider(lanes.url, LANES_CHAIN_ID, {
      staticNetwork: true,
      pollingInterval: 50,
    })
    try {
      const wallet = new ethers.Wallet(ETHERS_KEY, provider)
      const to = '0x00000000000000000000000000000000000e2e02'
      const tx = await wallet.sendTransaction({ to, value: ethers.parseEther('0.25') })
      // ethers' wait() resolves on a *later* block event; the sequencer seals only when there is
      // work, so keep other traffic flowing meanwhile, as on a live chain
      const traffic = clients(TRAFFIC_KEY)
      let waiting = true
      const ticker = (async () => {
        while (waiting) {
          const h = await traffic.walletClient.sendTransaction({
            to: traffic.account.address,
            value: 1n,
          })
          await traffic.publicClient.waitForTransactionReceipt({ hash: h, timeout: 20_000 })
        }
      })()
      const receipt = await tx.wait(1, 20_000).finally(() => {
        waiting = false
      })
      await ticker
      expect(receipt?.status).toBe(1)
      expect(receipt?.hash).toBe(tx.hash)
      expect(await provider.getBalance(to)).toBe(ethers.parseEther('0.25'))
      const block = await provider.getBlock(receipt!.blockNumber, true)
      expect(block?.transactions).toContain(tx.hash)
      const fees = await provider.getFeeData()
      expect(fees.maxFeePerGas).toBeGreaterThan(0n)
      expect(await provider.getTransactionCount(wallet.address, 'latest')).toBe(1)
    } finally {
      provider.destroy()
    }
  })
})

describe('cast (foundry)', () => {
  it('cast send then cast receipt', async () => {
    const cast = foundryBinary('cast')
    const to = '0x00000000000000000000000000000000000e2e03'
    const sent = await run(
      cast,
      ['send', '--rpc-url', lanes.url, '--private-key', CAST_KEY, '--json', to, '--value', '12345'],
      { timeout: 30_000 },
    )
    const sendReceipt = JSON.parse(sent.stdout) as { transactionHash: string; status: string }
    expect(sendReceipt.status).toBe('0x1')
    const got = await run(
      cast,
      ['receipt', '--rpc-url', lanes.url, '--json', sendReceipt.transactionHash],
      {
        timeout: 30_000,
      },
    )
    const receipt = JSON.parse(got.stdout) as {
      status: string
      to: string
      transactionHash: string
    }
    expect(receipt).toMatchObject({
      status: '0x1',
      to,
      transactionHash: sendReceipt.transactionHash,
    })
    const balance = await run(cast, ['balance', '--rpc-url', lanes.url, to], { timeout: 30_000 })
    expect(balance.stdout.trim()).toBe('12345')
  })
})
