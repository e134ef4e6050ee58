// The whole user loop across real processes started by startDevnet (infra/src/devnet-lib.ts):
// anvil, Redis, sequencer, batcher and prover-stub as child processes, the Rollup on anvil.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { L2_WITHDRAWAL_STORE_ADDRESS, l2WithdrawalStoreAbi, rollupAbi } from '@lanes/contracts'
import { depositTxHash } from '@lanes/core'
import { getWithdrawalProof, WithdrawalNotFinalizedError } from '@lanes/derive'
import { Token } from '@lanes/executor/fixtures'
import { type Devnet, REPO_ROOT, startDevnet } from '@lanes/infra/devnet'
import {
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  parseEventLogs,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)

let devnet: Devnet
let dir: string
let l1: PublicClient
let l2: PublicClient
let l1Chain: Chain
let l2Chain: Chain
/** L2 txs of step 2, and the highest L2 block they landed in */
const step2: Hex[] = []
let step2LastBlock = 0n

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    await sleep(250)
  }
  const logs = ['sequencer', 'batcher', 'prover'] as const
  throw new Error(
    `timed out after ${timeoutMs} ms: ${what}${last ? ` (last error: ${(last as Error).message.split('\n')[0]})` : ''}\n${logs
      .map((a) => devnet.apps[a].output().split('\n').slice(-15).join('\n'))
      .join('\n')}`,
  )
}

const l2Wallet = (key: Hex) =>
  createWalletClient({
    account: privateKeyToAccount(key),
    chain: l2Chain,
    transport: http(devnet.l2.rpcUrl),
  })
const l1Wallet = (key: Hex) =>
  createWalletClient({
    account: privateKeyToAccount(key),
    chain: l1Chain,
    transport: http(devnet.l1.rpcUrl),
  })
const key = (i: number) => devnet.accounts[i]!.privateKey

/** lanes_getWithdrawalProof over raw HTTP: the JSON-RPC response as it is */
async function rpcProof(
  txHash: Hex,
): Promise<{ result: Record<string, unknown> } | { error: { code: number; message: string } }> {
  const res = await fetch(devnet.l2.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'lanes_getWithdrawalProof',
      params: [txHash],
    }),
  })
  return (await res.json()) as never
}

async function committedBatches() {
  const logs = await l1.getContractEvents({
    address: devnet.contracts.rollup,
    abi: rollupAbi,
    eventName: 'BatchCommitted',
    fromBlock: BigInt(devnet.contracts.rollupDeployBlock),
  })
  return logs.map((l) => ({
    index: l.args.batchIndex!,
    first: l.args.firstBlock!,
    last: l.args.lastBlock!,
    daMode: l.args.daMode!,
  }))
}

/**
 * Deposits (step 1) and the prover's verification (steps 4 and 6: it re-executes with the real L1
 * origin of each block) need the sequencer to follow L1. Without that, fail at once and say so.
 */
async function requireL1Follower(step: string): Promise<void> {
  const s = (await l2.request({ method: 'lanes_syncStatus' } as never)) as { l1Head: unknown }
  if (s.l1Head === null)
    throw new Error(
      `BLOCKED (${step}): the sequencer does not follow L1 (lanes_syncStatus.l1Head is null), so it ` +
        'includes no deposits and anchors blocks to a zero L1 origin that the prover rejects',
    )
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lanes-e2e-devnet-'))
  devnet = await startDevnet({
    dataDir: dir,
    fresh: true,
    l1BlockTime: 1,
    ports: { l1: 0, l2: 0, batcher: 0, prover: 0 },
    daMode: 'calldata',
    maxBatchDelayMs: 1000,
    readyTimeoutMs: 120_000,
  })
  l1Chain = defineChain({
    id: devnet.l1.chainId,
    name: 'L1',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [devnet.l1.rpcUrl] } },
  })
  l2Chain = defineChain({
    id: devnet.l2.chainId,
    name: 'Lanes',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [devnet.l2.rpcUrl] } },
  })
  l1 = createPublicClient({ chain: l1Chain, transport: http(devnet.l1.rpcUrl) })
  l2 = createPublicClient({ chain: l2Chain, transport: http(devnet.l2.rpcUrl) })
}, 180_000)

afterAll(async () => {
  await devnet?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('devnet end to end', () => {
  it('1. an L1 depositETH appears on L2 within the inclusion window', async () => {
    await requireL1Follower('deposit inclusion')
    const to = privateKeyToAccount(generatePrivateKey()).address
    const hash = await l1Wallet(key(4)).writeContract({
      address: devnet.contracts.rollup,
      abi: rollupAbi,
      functionName: 'depositETH',
      args: [to, 100_000n],
      value: parseEther('2'),
    })
    const receipt = await l1.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    const window = BigInt(devnet.contracts.inclusionWindow)
    const credited = await until(
      `deposit to ${to} on L2`,
      async () => {
        const head = await l1.getBlockNumber()
        if (head > receipt.blockNumber + window) throw new Error('inclusion window passed')
        const balance = await l2.getBalance({ address: to })
        return balance > 0n ? balance : undefined
      },
      30_000,
    )
    expect(credited).toBe(parseEther('2'))
  }, 60_000)

  it('1b. depositTransaction: a call and a reverting call land on L2 in queue order; the revert still mints', async () => {
    await requireL1Follower('deposit transactions')
    const depositor = l1Wallet(key(4))
    const from = depositor.account.address
    const to = privateKeyToAccount(generatePrivateKey()).address
    const before = await l2.getBalance({ address: from })
    const sent = [
      // plain value to a fresh account: succeeds
      { to, value: parseEther('0.1'), mint: parseEther('0.1'), data: '0x' as Hex },
      // an unknown selector on the withdrawal store (no fallback): reverts on L2
      {
        to: L2_WITHDRAWAL_STORE_ADDRESS,
        value: parseEther('0.3'),
        mint: parseEther('0.3'),
        data: '0xdeadbeef' as Hex,
      },
    ]
    const queued: { index: bigint; queueHash: Hex }[] = []
    for (const d of sent) {
      const hash = await depositor.writeContract({
        address: devnet.contracts.rollup,
        abi: rollupAbi,
        functionName: 'depositTransaction',
        args: [d.to, d.value, 200_000n, d.data],
        value: d.mint,
      })
      const receipt = await l1.waitForTransactionReceipt({ hash })
      expect(receipt.status).toBe('success')
      const [ev] = parseEventLogs({
        abi: rollupAbi,
        eventName: 'DepositQueued',
        logs: receipt.logs,
      })
      // an EOA's deposits keep its address as the L2 sender (only contracts are aliased)
      expect(ev?.args.from).toBe(from)
      queued.push({ index: ev!.args.index, queueHash: ev!.args.queueHash })
    }
    type RawReceipt = { status: Hex; type: Hex; blockNumber: Hex; transactionIndex: Hex; from: Hex }
    const receipts: RawReceipt[] = []
    for (const q of queued) {
      const l2Hash = depositTxHash(q.index, q.queueHash)
      receipts.push(
        await until(
          `deposit ${q.index} (${l2Hash}) on L2`,
          async () =>
            ((await l2.request({
              method: 'eth_getTransactionReceipt' as never,
              params: [l2Hash] as never,
            })) as RawReceipt | null) ?? undefined,
          30_000,
        ),
      )
      const tx = (await l2.request({
        method: 'eth_getTransactionByHash' as never,
        params: [l2Hash] as never,
      })) as { type: Hex; from: Hex; mint: Hex; hash: Hex } | null
      expect(tx).toMatchObject({ type: '0x7e', from: from.toLowerCase(), hash: l2Hash })
    }
    const [ok, failed] = receipts
    expect(ok?.status).toBe('0x1')
    expect(failed?.status).toBe('0x0')
    expect(ok?.type).toBe('0x7e')
    // queue order: the later deposit comes later on L2
    const pos = (r: RawReceipt) => BigInt(r.blockNumber) * 100_000n + BigInt(r.transactionIndex)
    expect(pos(failed!)).toBeGreaterThan(pos(ok!))
    expect(await l2.getBalance({ address: to })).toBe(parseEther('0.1'))
    // the reverted call's value stays with its sender, minted all the same; deposits pay no L2 gas
    expect(await l2.getBalance({ address: from })).toBe(before + parseEther('0.3'))
    expect(await l2.getBalance({ address: L2_WITHDRAWAL_STORE_ADDRESS })).toBe(0n)
  }, 90_000)

  it('2. L2 activity with viem: transfers from several accounts, an ERC20, a reverting call', async () => {
    const recipients = [3, 4, 5, 6, 7, 8].map(
      () => privateKeyToAccount(generatePrivateKey()).address,
    )
    const hashes = await Promise.all(
      [3, 4, 5, 6, 7, 8].map((i, j) =>
        l2Wallet(key(i)).sendTransaction({ to: recipients[j]!, value: parseEther('0.01') }),
      ),
    )
    step2.push(...hashes)
    for (const h of hashes) {
      const r = await l2.waitForTransactionReceipt({ hash: h })
      expect(r.status).toBe('success')
      if (r.blockNumber > step2LastBlock) step2LastBlock = r.blockNumber
    }
    for (const to of recipients)
      expect(await l2.getBalance({ address: to })).toBe(parseEther('0.01'))

    const deployer = l2Wallet(key(3))
    const deployHash = await deployer.deployContract({
      abi: Token.abi,
      bytecode: Token.bytecode as Hex,
      args: [1_000_000n],
    })
    step2.push(deployHash)
    const deployed = await l2.waitForTransactionReceipt({ hash: deployHash })
    expect(deployed.status).toBe('success')
    const token = deployed.contractAddress!
    const holder = privateKeyToAccount(generatePrivateKey()).address
    const transferHash = await deployer.writeContract({
      address: token,
      abi: Token.abi,
      functionName: 'transfer',
      args: [holder, 250n],
    })
    step2.push(transferHash)
    const transferred = await l2.waitForTransactionReceipt({ hash: transferHash })
    expect(transferred.status).toBe('success')
    // step 5 checks whatever was sent, even if a later assertion here fails
    step2LastBlock = transferred.blockNumber
    expect(transferred.logs).toHaveLength(1)
    expect(
      await l2.readContract({
        address: token,
        abi: Token.abi,
        functionName: 'balanceOf',
        args: [holder],
        blockNumber: transferred.blockNumber,
      }),
    ).toBe(250n)

    // account 9 holds no tokens: the call reverts with the contract's reason
    const err = await l2
      .simulateContract({
        address: token,
        abi: Token.abi,
        functionName: 'transfer',
        args: [holder, 1n],
        account: devnet.accounts[9]!.address,
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BaseError)
    const reverted = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError)
    expect(reverted).toBeInstanceOf(ContractFunctionRevertedError)
    expect((reverted as ContractFunctionRevertedError).reason).toBe('insufficient balance')
    // sent anyway (fixed gas, no estimate): mined with a failed receipt
    const failedHash = await l2Wallet(key(9)).writeContract({
      address: token,
      abi: Token.abi,
      functionName: 'transfer',
      args: [holder, 1n],
      gas: 100_000n,
    })
    step2.push(failedHash)
    const failed = await l2.waitForTransactionReceipt({ hash: failedHash })
    expect(failed.status).toBe('reverted')
    step2LastBlock = failed.blockNumber
  }, 60_000)

  it('3. batches are committed on L1, in calldata mode and then in blob mode', async () => {
    await until(
      `a calldata batch covering L2 block ${step2LastBlock}`,
      async () => {
        const bs = await committedBatches()
        return bs.some((b) => b.last >= step2LastBlock) ? true : undefined
      },
      30_000,
    )
    const before = await committedBatches()
    expect(before.every((b) => b.daMode === 0)).toBe(true)

    await devnet.apps.batcher.restart(['--da-mode', 'blobs'])
    const hash = await l2Wallet(key(5)).sendTransaction({
      to: privateKeyToAccount(generatePrivateKey()).address,
      value: 1n,
    })
    const { blockNumber } = await l2.waitForTransactionReceipt({ hash })
    const blob = await until(
      `a blob batch covering L2 block ${blockNumber}`,
      async () => {
        const bs = await committedBatches()
        return bs.find((b) => b.daMode === 1 && b.last >= blockNumber)
      },
      90_000,
    )
    expect(blob.first).toBeGreaterThan(before.at(-1)!.last)
  }, 150_000)

  it('4. the prover finalizes them and the L2 finalized tag moves', async () => {
    await requireL1Follower('finalization')
    const bs = await committedBatches()
    const lastIndex = bs.at(-1)!.index
    await until(
      `Rollup.nextFinalizedIndex > ${lastIndex}`,
      async () => {
        const next = await l1.readContract({
          address: devnet.contracts.rollup,
          abi: rollupAbi,
          functionName: 'nextFinalizedIndex',
        })
        return next > lastIndex ? true : undefined
      },
      60_000,
    )
    await until(
      `L2 "finalized" reaching block ${bs.at(-1)!.last}`,
      async () => {
        const b = await l2.getBlock({ blockTag: 'finalized' })
        return b.number >= bs.at(-1)!.last ? true : undefined
      },
      30_000,
    )
  }, 120_000)

  it('5. lanes-derive reads the L2 txs of step 2 from L1 alone', async () => {
    // only the batches holding step 2's blocks
    const blocks = await Promise.all(
      step2.map(async (hash) => (await l2.getTransactionReceipt({ hash })).blockNumber),
    )
    const covering = (await committedBatches()).filter((b) =>
      blocks.some((n) => b.first <= n && n <= b.last),
    )
    const found = new Set<string>()
    for (const b of covering) {
      const { stdout } = await run(
        process.execPath,
        [
          path.join(REPO_ROOT, 'packages/derive/bin/lanes-derive.mjs'),
          '--devnet',
          devnet.devnetFile,
          // one cache for the runs below: each resumes where the one before stopped reading L1
          '--cache',
          path.join(dir, 'derive-cache'),
          '--json',
          'batch',
          String(b.index),
        ],
        { cwd: REPO_ROOT },
      )
      const out = JSON.parse(stdout) as { blocks: { txs: { hash: string }[] }[] }
      for (const blk of out.blocks) for (const t of blk.txs) found.add(t.hash.toLowerCase())
    }
    const missing = step2.filter((h) => !found.has(h.toLowerCase()))
    expect(
      missing,
      `batches ${covering.map((b) => `${b.index}:${b.first}-${b.last}`).join(' ')} hold ${[...found].join(' ')}`,
    ).toEqual([])
  }, 240_000)

  it('6. an L2 withdrawal is proven and claimed on L1 after finalization; a second claim fails', async () => {
    await requireL1Follower('withdrawal')
    const recipient = privateKeyToAccount(generatePrivateKey()).address
    const value = parseEther('0.5')
    const hash = await l2Wallet(key(6)).writeContract({
      address: L2_WITHDRAWAL_STORE_ADDRESS,
      abi: l2WithdrawalStoreAbi,
      functionName: 'withdraw',
      args: [recipient, '0x'],
      value,
    })
    const withdrawn = await l2.waitForTransactionReceipt({ hash })
    expect(withdrawn.status).toBe('success')
    // the value left L2: burned, not parked in the store
    expect(await l2.getBalance({ address: L2_WITHDRAWAL_STORE_ADDRESS })).toBe(0n)
    const early = await rpcProof(hash)
    if ('error' in early) {
      expect(early.error.code).toBe(-32000)
      expect(early.error.message).toMatch(/withdrawal not finalized yet/)
    }
    const claim = await until(
      'the withdrawal in a finalized batch',
      async () => {
        try {
          return await getWithdrawalProof({
            l1,
            l2,
            rollup: devnet.contracts.rollup,
            rollupStartBlock: BigInt(devnet.contracts.rollupDeployBlock),
            txHash: hash,
          })
        } catch (e) {
          if (e instanceof WithdrawalNotFinalizedError) return undefined
          throw e
        }
      },
      180_000,
    )
    // the node's one-call RPC gives the same claim as the library reading L1 and eth_getProof
    const viaRpc = await until(
      'lanes_getWithdrawalProof',
      async () => {
        const r = await rpcProof(hash)
        return 'result' in r ? r.result : undefined
      },
      30_000,
    )
    expect(viaRpc).toEqual({
      batchIndex: `0x${claim.batchIndex.toString(16)}`,
      withdrawal: {
        nonce: `0x${claim.withdrawal.nonce.toString(16)}`,
        sender: claim.withdrawal.sender,
        l1Recipient: claim.withdrawal.l1Recipient,
        value: `0x${claim.withdrawal.value.toString(16)}`,
        data: claim.withdrawal.data,
      },
      withdrawalHash: claim.withdrawalHash,
      proof: claim.proof,
      l2BlockNumber: `0x${claim.l2BlockNumber.toString(16)}`,
      batchLastBlock: `0x${claim.batchLastBlock.toString(16)}`,
      postStateRoot: claim.postStateRoot,
    })
    // and so does the CLI
    const cli = await run(
      process.execPath,
      [
        path.join(REPO_ROOT, 'packages/derive/bin/lanes-derive.mjs'),
        '--devnet',
        devnet.devnetFile,
        '--json',
        'withdrawal',
        hash,
      ],
      { cwd: REPO_ROOT },
    )
    expect(JSON.parse(cli.stdout)).toMatchObject({
      batchIndex: claim.batchIndex.toString(),
      withdrawalHash: claim.withdrawalHash,
      proof: claim.proof,
    })
    const claimer = l1Wallet(key(7))
    const args = [claim.batchIndex, claim.withdrawal, claim.proof] as const
    // a forged proof (one sibling byte flipped) is refused before the real claim
    const forged = `${claim.proof.slice(0, -2)}${claim.proof.endsWith('00') ? '01' : '00'}` as Hex
    const forgedTry = await l1
      .simulateContract({
        address: devnet.contracts.rollup,
        abi: rollupAbi,
        functionName: 'proveAndClaimWithdrawal',
        args: [claim.batchIndex, claim.withdrawal, forged],
        account: claimer.account,
      })
      .catch((e: unknown) => e)
    expect(forgedTry).toBeInstanceOf(BaseError)
    const tx = await claimer.writeContract({
      address: devnet.contracts.rollup,
      abi: rollupAbi,
      functionName: 'proveAndClaimWithdrawal',
      args,
    })
    expect((await l1.waitForTransactionReceipt({ hash: tx })).status).toBe('success')
    expect(await l1.getBalance({ address: recipient })).toBe(value)

    const again = await l1
      .simulateContract({
        address: devnet.contracts.rollup,
        abi: rollupAbi,
        functionName: 'proveAndClaimWithdrawal',
        args,
        account: claimer.account,
      })
      .catch((e: unknown) => e)
    const reverted = (again as BaseError).walk((e) => e instanceof ContractFunctionRevertedError)
    expect((reverted as ContractFunctionRevertedError).data?.errorName).toBe(
      'WithdrawalAlreadyClaimed',
    )
  }, 300_000)

  it('7. forced inclusion: a commit that skips an overdue deposit is rejected by L1', async () => {
    // the sequencer is told to ignore deposits (testing flag), so nothing includes this one
    await devnet.apps.sequencer.restart(['--ignore-deposits'])
    const rollup = devnet.contracts.rollup
    const read = <F extends 'nextBatchIndex' | 'lastCommittedBlock' | 'lastDepositCursor'>(
      functionName: F,
    ) => l1.readContract({ address: rollup, abi: rollupAbi, functionName })
    const dep = await l1Wallet(key(8)).writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'depositETH',
      args: [devnet.accounts[8]!.address, 100_000n],
      value: parseEther('1'),
    })
    const depReceipt = await l1.waitForTransactionReceipt({ hash: dep })
    expect(depReceipt.status).toBe('success')

    const commitSkipping = async () => {
      const index = await read('nextBatchIndex')
      const parent =
        index === 0n
          ? devnet.contracts.genesisStateRoot
          : await l1.readContract({
              address: rollup,
              abi: rollupAbi,
              functionName: 'postStateRootOf',
              args: [index - 1n],
            })
      const first = (await read('lastCommittedBlock')) + 1n
      const cursor = await read('lastDepositCursor')
      const queueHash = await l1.readContract({
        address: rollup,
        abi: rollupAbi,
        functionName: 'depositQueueHashAt',
        args: [cursor],
      })
      return l1
        .simulateContract({
          address: rollup,
          abi: rollupAbi,
          functionName: 'commitBatch',
          args: [
            {
              batchIndex: index,
              parentStateRoot: parent,
              postStateRoot: `0x${'11'.repeat(32)}`,
              firstBlock: first,
              lastBlock: first,
              depositCursor: cursor,
              depositQueueHash: queueHash,
            },
            '0x00',
          ],
          account: devnet.roles.sequencer,
        })
        .then(
          () => null,
          (e: BaseError) => e.walk((x) => x instanceof ContractFunctionRevertedError),
        )
    }
    // inside the window, skipping the deposit is still allowed (control)
    expect(await commitSkipping()).toBeNull()

    const owner = l1Wallet(devnet.keys.owner)
    const set = await owner.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'setInclusionWindow',
      args: [1n],
    })
    await l1.waitForTransactionReceipt({ hash: set })
    await until(
      'two L1 blocks past the deposit window',
      async () => ((await l1.getBlockNumber()) > depReceipt.blockNumber + 2n ? true : undefined),
      20_000,
    )
    const rejected = await commitSkipping()
    expect(rejected).toBeInstanceOf(ContractFunctionRevertedError)
    expect((rejected as ContractFunctionRevertedError).data?.errorName).toBe('DepositNotIncluded')
  }, 90_000)
})
