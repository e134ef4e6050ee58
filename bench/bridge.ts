// How long value takes to move each way on the devnet (`npm run devnet` defaults: 2 s L1
// blocks, 250 ms L2 blocks, 2 s batch delay, finalization delay 0): an L1 depositETH until the
// L2 balance shows it, and an L2 withdraw until the claim succeeds on L1. Runs
// LANES_BENCH_BRIDGE_ROUNDS rounds (default 3) of each on one fresh devnet and reports the median.
import { mkdtempSync, rmSync } from 'node:fs'
import os, { tmpdir } from 'node:os'
import path from 'node:path'
import { L2_WITHDRAWAL_STORE_ADDRESS, l2WithdrawalStoreAbi, rollupAbi } from '@lanes/contracts'
import { startDevnet } from '@lanes/infra/devnet'
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  parseEther,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { report } from './machine.js'

const ROUNDS = Number(process.env.LANES_BENCH_BRIDGE_ROUNDS ?? 3)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 300_000) {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await sleep(100)
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

const dir = mkdtempSync(path.join(tmpdir(), 'lanes-bench-bridge-'))
const devnet = await startDevnet({
  dataDir: dir,
  fresh: true,
  ports: { l1: 0, l2: 0, batcher: 0, prover: 0 },
  readyTimeoutMs: 180_000,
})
try {
  const chain = (id: number, url: string): Chain =>
    defineChain({
      id,
      name: String(id),
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [url] } },
    })
  const l1Chain = chain(devnet.l1.chainId, devnet.l1.rpcUrl)
  const l2Chain = chain(devnet.l2.chainId, devnet.l2.rpcUrl)
  const l1 = createPublicClient({ chain: l1Chain, transport: http(devnet.l1.rpcUrl) })
  const l2 = createPublicClient({ chain: l2Chain, transport: http(devnet.l2.rpcUrl) })
  const key = devnet.accounts[5]!.privateKey
  const l1Wallet = createWalletClient({
    account: privateKeyToAccount(key),
    chain: l1Chain,
    transport: http(devnet.l1.rpcUrl),
  })
  const l2Wallet = createWalletClient({
    account: privateKeyToAccount(key),
    chain: l2Chain,
    transport: http(devnet.l2.rpcUrl),
  })

  const deposits: number[] = []
  const withdrawals: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const to = privateKeyToAccount(generatePrivateKey()).address
    const t0 = performance.now()
    await l1Wallet.writeContract({
      address: devnet.contracts.rollup,
      abi: rollupAbi,
      functionName: 'depositETH',
      args: [to, 100_000n],
      value: parseEther('1'),
    })
    await until('deposit on L2', async () =>
      (await l2.getBalance({ address: to })) > 0n ? true : undefined,
    )
    deposits.push((performance.now() - t0) / 1000)

    const recipient = privateKeyToAccount(generatePrivateKey()).address
    const t1 = performance.now()
    const hash = await l2Wallet.writeContract({
      address: L2_WITHDRAWAL_STORE_ADDRESS,
      abi: l2WithdrawalStoreAbi,
      functionName: 'withdraw',
      args: [recipient, '0x'],
      value: parseEther('0.1'),
    })
    type Claim = { batchIndex: Hex; withdrawal: Record<string, string>; proof: Hex }
    const claim = await until('withdrawal proof', async () => {
      const r = (await l2.request({
        method: 'lanes_getWithdrawalProof' as never,
        params: [hash] as never,
      })) as Claim | null
      return r ?? undefined
    })
    const w = claim.withdrawal
    const tx = await l1Wallet.writeContract({
      address: devnet.contracts.rollup,
      abi: rollupAbi,
      functionName: 'proveAndClaimWithdrawal',
      args: [
        BigInt(claim.batchIndex),
        {
          nonce: BigInt(w.nonce!),
          sender: w.sender as Hex,
          l1Recipient: w.l1Recipient as Hex,
          value: BigInt(w.value!),
          data: w.data as Hex,
        },
        claim.proof,
      ],
    })
    await until('claim mined', async () => {
      const r = await l1.getTransactionReceipt({ hash: tx })
      if (r.status !== 'success') throw new Error(`claim reverted: ${tx}`)
      return true
    })
    withdrawals.push((performance.now() - t1) / 1000)
  }
  const notes = `devnet defaults (2 s L1 blocks, 250 ms L2 blocks, 2 s batch delay, no finalization delay); ${ROUNDS} rounds; load ${os.loadavg()[0]!.toFixed(1)}`
  report({
    name: 'bridge.deposit_l1_to_l2_seconds',
    unit: 's',
    value: median(deposits),
    notes: `${notes}; all: ${deposits.map((x) => x.toFixed(1)).join(', ')}`,
  })
  report({
    name: 'bridge.withdrawal_l2_to_l1_claimed_seconds',
    unit: 's',
    value: median(withdrawals),
    notes: `${notes}; all: ${withdrawals.map((x) => x.toFixed(1)).join(', ')}`,
  })
} finally {
  await devnet.stop()
  rmSync(dir, { recursive: true, force: true })
}
