import {
  type Address,
  type ContractFunctionName,
  concat,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  parseEventLogs,
  zeroAddress,
} from 'viem'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { attestationDigest, blobDataHash } from './attestation.js'
import { fixtureBlobTx } from './blob-fixture.js'
import type { BatchCommitmentInput } from './commitment.js'
import { deployRollup, RollupDeployError } from './deploy.js'
import { applyL1ToL2Alias, depositQueueHash, EMPTY_QUEUE_HASH, undoL1ToL2Alias } from './deposit.js'
import { rollupAbi } from './generated/Rollup.js'
import { waitForReceipt } from './receipt.js'
import {
  commitment,
  deployTestRollup,
  GENESIS_ROOT,
  type L1,
  L2_CHAIN_ID,
  revertOf,
  root,
  startL1,
  type Wallet,
} from './test-support.js'

type WriteFn = ContractFunctionName<typeof rollupAbi, 'nonpayable' | 'payable'>

let l1: L1
let rollup: Address

beforeAll(async () => {
  l1 = await startL1()
})
afterAll(async () => {
  await l1?.stop()
})

async function deploy(opts: Parameters<typeof deployTestRollup>[1] = {}) {
  rollup = (await deployTestRollup(l1, opts)).rollup
}

/** Sends a Rollup call and returns its receipt; fails the test if it reverted. */
async function send(w: Wallet, functionName: WriteFn, args: readonly unknown[], value?: bigint) {
  const hash = await w.writeContract({
    address: rollup,
    abi: rollupAbi,
    functionName,
    args,
    value,
  } as never)
  const receipt = await waitForReceipt(l1.publicClient, hash)
  expect(receipt.status).toBe('success')
  return receipt
}

/** The custom error a call would revert with if mined in the next block. */
function rejects(w: Wallet, functionName: WriteFn, args: readonly unknown[], value?: bigint) {
  return revertOf(
    l1.publicClient.simulateContract({
      address: rollup,
      abi: rollupAbi,
      functionName,
      args,
      value,
      account: w.account,
      blockTag: 'pending',
    } as never),
  )
}

function read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
  return l1.publicClient.readContract({
    address: rollup,
    abi: rollupAbi,
    functionName,
    args,
  } as never) as Promise<T>
}

function events(receipt: { logs: Parameters<typeof parseEventLogs>[0]['logs'] }) {
  return parseEventLogs({ abi: rollupAbi, logs: receipt.logs })
}

const commit = (c: BatchCommitmentInput, data: Hex = '0x1234') =>
  send(l1.sequencer, 'commitBatch', [c, data])

async function sign(index: bigint, parent: Hex, post: Hex, dataHash: Hex, w: Wallet = l1.prover) {
  const digest = attestationDigest({
    l2ChainId: L2_CHAIN_ID,
    rollup,
    batchIndex: index,
    parentStateRoot: parent,
    postStateRoot: post,
    dataHash,
  })
  return w.signMessage({ message: { raw: digest } })
}

describe('Rollup deployment and roles', () => {
  beforeEach(() => deploy())

  it('exposes its configuration', async () => {
    expect(await read('owner')).toBe(l1.owner.account.address)
    expect(await read('sequencer')).toBe(l1.sequencer.account.address)
    expect(await read('prover')).toBe(l1.prover.account.address)
    expect(await read('genesisStateRoot')).toBe(GENESIS_ROOT)
    expect(await read('l2ChainId')).toBe(L2_CHAIN_ID)
    expect(await read('finalizationDelay')).toBe(100n)
    expect(await read('inclusionWindow')).toBe(10n)
    expect(await read('nextBatchIndex')).toBe(0n)
    expect(await read('nextFinalizedIndex')).toBe(0n)
    expect(await read('lastCommittedBlock')).toBe(0n)
    expect(await read('lastDepositCursor')).toBe(0n)
    expect(await read('depositCount')).toBe(0n)
    expect(await read('depositQueueHashAt', [0n])).toBe(EMPTY_QUEUE_HASH)
  })

  it('rejects a zero role address at deployment', async () => {
    const p = deployRollup({
      walletClient: l1.owner,
      publicClient: l1.publicClient,
      genesisStateRoot: GENESIS_ROOT,
      l2ChainId: 1,
      sequencer: zeroAddress,
      prover: l1.prover.account.address,
      finalizationDelay: 0,
      inclusionWindow: 1,
    })
    await expect(p).rejects.toThrow(RollupDeployError)
  })

  it('lets only the owner rotate roles, with events', async () => {
    const other = l1.other.account.address
    for (const fn of ['setSequencer', 'setProver', 'transferOwnership'] as const) {
      expect((await rejects(l1.user, fn, [other])).errorName).toBe('NotOwner')
      expect((await rejects(l1.owner, fn, [zeroAddress])).errorName).toBe('ZeroAddress')
    }
    expect((await rejects(l1.user, 'setFinalizationDelay', [1n])).errorName).toBe('NotOwner')
    expect((await rejects(l1.user, 'setInclusionWindow', [1n])).errorName).toBe('NotOwner')

    const r1 = await send(l1.owner, 'setSequencer', [other])
    expect(events(r1)[0]).toMatchObject({
      eventName: 'SequencerUpdated',
      args: { previousSequencer: l1.sequencer.account.address, newSequencer: other },
    })
    expect(await read('sequencer')).toBe(other)
    expect((await rejects(l1.sequencer, 'commitBatch', [commitment(0n), '0x'])).errorName).toBe(
      'NotSequencer',
    )
    await send(l1.other, 'commitBatch', [commitment(0n), '0x'])

    const r2 = await send(l1.owner, 'setProver', [other])
    expect(events(r2)[0]).toMatchObject({
      eventName: 'ProverUpdated',
      args: { previousProver: l1.prover.account.address, newProver: other },
    })
    const r3 = await send(l1.owner, 'setFinalizationDelay', [7n])
    expect(events(r3)[0]).toMatchObject({
      eventName: 'FinalizationDelayUpdated',
      args: { previousDelay: 100n, newDelay: 7n },
    })
    const r4 = await send(l1.owner, 'setInclusionWindow', [3n])
    expect(events(r4)[0]).toMatchObject({
      eventName: 'InclusionWindowUpdated',
      args: { previousWindow: 10n, newWindow: 3n },
    })
    expect(await read('finalizationDelay')).toBe(7n)
    expect(await read('inclusionWindow')).toBe(3n)

    const r5 = await send(l1.owner, 'transferOwnership', [other])
    expect(events(r5)[0]).toMatchObject({
      eventName: 'OwnershipTransferred',
      args: { previousOwner: l1.owner.account.address, newOwner: other },
    })
    expect(await read('owner')).toBe(other)
    expect((await rejects(l1.owner, 'setProver', [other])).errorName).toBe('NotOwner')
    await send(l1.other, 'setProver', [l1.prover.account.address])
  })
})

describe('Rollup.commitBatch', () => {
  beforeEach(() => deploy())

  it('stores a calldata batch and emits BatchCommitted', async () => {
    const data: Hex = '0xdeadbeef00'
    const c = commitment(0n)
    const receipt = await commit(c, data)
    const [ev] = events(receipt)
    expect(ev).toMatchObject({
      eventName: 'BatchCommitted',
      args: {
        batchIndex: 0n,
        parentStateRoot: GENESIS_ROOT,
        postStateRoot: c.postStateRoot,
        firstBlock: 1n,
        lastBlock: 10n,
        depositCursor: 0n,
        dataHash: keccak256(data),
        daMode: 0,
        blobHashes: [],
      },
    })
    const block = await l1.publicClient.getBlock({ blockNumber: receipt.blockNumber })
    expect(await read('batches', [0n])).toEqual({
      postStateRoot: c.postStateRoot,
      dataHash: keccak256(data),
      lastBlock: 10n,
      depositCursor: 0n,
      committedAt: block.timestamp,
      commitBlock: receipt.blockNumber,
    })
    expect(await read('nextBatchIndex')).toBe(1n)
    expect(await read('lastCommittedBlock')).toBe(10n)
    expect(await read('postStateRootOf', [0n])).toBe(c.postStateRoot)
    expect((await read<{ postStateRoot: Hex }>('batches', [1n])).postStateRoot).toBe(root(0))
    expect((await rejects(l1.user, 'postStateRootOf' as WriteFn, [1n])).errorName).toBe(
      'BatchNotCommitted',
    )
    // batch 1 chains onto batch 0
    await commit(commitment(1n))
    expect(await read('nextBatchIndex')).toBe(2n)
  })

  it('rejects every broken link with its custom error', async () => {
    await commit(commitment(0n))
    const c = commitment(1n)
    const cases: [Partial<BatchCommitmentInput>, string, readonly unknown[]][] = [
      [{ batchIndex: 2n }, 'BadBatchIndex', [1n, 2n]],
      [{ batchIndex: 0n }, 'BadBatchIndex', [1n, 0n]],
      [{ parentStateRoot: root(99) }, 'BadParentStateRoot', [root(1), root(99)]],
      [{ firstBlock: 12n, lastBlock: 20n }, 'BadFirstBlock', [11n, 12n]],
      [{ firstBlock: 10n }, 'BadFirstBlock', [11n, 10n]],
      [{ lastBlock: 10n }, 'BadBlockRange', [11n, 10n]],
      [{ depositCursor: 1n }, 'BadDepositCursor', [0n, 1n, 0n]],
      [{ depositQueueHash: root(5) }, 'BadDepositQueueHash', [root(0), root(5)]],
    ]
    for (const [over, name, args] of cases) {
      const r = await rejects(l1.sequencer, 'commitBatch', [{ ...c, ...over }, '0x'])
      expect(r, name).toEqual({ errorName: name, args })
    }
    expect((await rejects(l1.user, 'commitBatch', [c, '0x'])).errorName).toBe('NotSequencer')
    // a single-block batch is fine
    await commit({ ...c, lastBlock: c.firstBlock })
  })

  it('moves the deposit cursor only forward and only to a stated queue hash', async () => {
    await send(l1.user, 'depositETH', [l1.user.account.address, 100_000n], 5n)
    await send(l1.user, 'depositETH', [l1.user.account.address, 100_000n], 6n)
    const h1 = await read<Hex>('depositQueueHashAt', [1n])
    const h2 = await read<Hex>('depositQueueHashAt', [2n])
    expect(
      await rejects(l1.sequencer, 'commitBatch', [
        commitment(0n, { depositCursor: 1n, depositQueueHash: h2 }),
        '0x',
      ]),
    ).toEqual({ errorName: 'BadDepositQueueHash', args: [h1, h2] })
    expect(
      await rejects(l1.sequencer, 'commitBatch', [
        commitment(0n, { depositCursor: 3n, depositQueueHash: h2 }),
        '0x',
      ]),
    ).toEqual({ errorName: 'BadDepositCursor', args: [0n, 3n, 2n] })
    await commit(commitment(0n, { depositCursor: 2n, depositQueueHash: h2 }))
    expect(await read('lastDepositCursor')).toBe(2n)
    expect(
      await rejects(l1.sequencer, 'commitBatch', [
        commitment(1n, { depositCursor: 1n, depositQueueHash: h1 }),
        '0x',
      ]),
    ).toEqual({ errorName: 'BadDepositCursor', args: [2n, 1n, 2n] })
    await commit(commitment(1n, { depositCursor: 2n, depositQueueHash: h2 }))
  })

  it('caps unfinalized batches and keeps batch data in a ring of 128', async () => {
    await deploy({ finalizationDelay: 0n })
    // the sequencer posts 127 batches back to back without waiting for receipts
    const hashes: Hex[] = []
    const nonce = await l1.publicClient.getTransactionCount({
      address: l1.sequencer.account.address,
    })
    for (let i = 0; i < 127; i++) {
      hashes.push(
        await l1.sequencer.writeContract({
          address: rollup,
          abi: rollupAbi,
          functionName: 'commitBatch',
          args: [commitment(BigInt(i)), '0x'],
          nonce: nonce + i,
          gas: 200_000n,
        }),
      )
    }
    for (const hash of hashes) {
      const r = await waitForReceipt(l1.publicClient, hash)
      expect(r.status).toBe('success')
    }
    expect(await rejects(l1.sequencer, 'commitBatch', [commitment(127n), '0x'])).toEqual({
      errorName: 'TooManyUnfinalizedBatches',
      args: [127n],
    })
    for (let i = 0n; i < 3n; i++) {
      const parent = i === 0n ? GENESIS_ROOT : root(Number(i))
      const att = await sign(i, parent, root(Number(i) + 1), keccak256('0x'))
      await send(l1.prover, 'finalizeBatch', [i, att])
    }
    for (let i = 127n; i < 130n; i++) await commit(commitment(i), '0x')
    const old = await read<{ postStateRoot: Hex; dataHash: Hex; lastBlock: bigint }>('batches', [
      1n,
    ])
    expect(old.postStateRoot).toBe(root(2))
    expect(old.dataHash).toBe(root(0))
    expect(old.lastBlock).toBe(0n)
    const kept = await read<{ dataHash: Hex; lastBlock: bigint }>('batches', [2n])
    expect(kept.dataHash).toBe(keccak256('0x'))
    expect(kept.lastBlock).toBe(30n)
  })
})

describe('Rollup.commitBatchBlobs', () => {
  beforeEach(() => deploy())

  it('reads versioned hashes with blobhash and hashes them into dataHash', async () => {
    const c = commitment(0n)
    const hash = await l1.blobSequencer.sendTransaction({
      to: rollup,
      data: encodeFunctionData({ abi: rollupAbi, functionName: 'commitBatchBlobs', args: [c, 2n] }),
      ...fixtureBlobTx(2),
      maxFeePerBlobGas: 10_000_000_000n,
    })
    const receipt = await waitForReceipt(l1.publicClient, hash)
    expect(receipt.status).toBe('success')
    const tx = await l1.publicClient.getTransaction({ hash })
    const versioned = tx.blobVersionedHashes!
    expect(versioned.length).toBe(2)
    expect(events(receipt)[0]).toMatchObject({
      eventName: 'BatchCommitted',
      args: { batchIndex: 0n, daMode: 1, blobHashes: versioned, dataHash: blobDataHash(versioned) },
    })
    expect((await read<{ dataHash: Hex }>('batches', [0n])).dataHash).toBe(blobDataHash(versioned))
  })

  it('runs on blobs whose KZG proofs anvil really checks', async () => {
    const bad = fixtureBlobTx(1)
    bad.sidecars[0]!.proof = bad.sidecars[0]!.commitment
    await expect(
      l1.blobSequencer.sendTransaction({
        to: rollup,
        data: encodeFunctionData({
          abi: rollupAbi,
          functionName: 'commitBatchBlobs',
          args: [commitment(0n), 1n],
        }),
        ...bad,
        maxFeePerBlobGas: 10_000_000_000n,
        gas: 200_000n,
      }),
    ).rejects.toThrow()
    expect(await read('nextBatchIndex')).toBe(0n)
  })

  it('rejects zero blobs and a blob count above what the transaction carries', async () => {
    expect(await rejects(l1.sequencer, 'commitBatchBlobs', [commitment(0n), 0n])).toEqual({
      errorName: 'NoBlobs',
      args: [],
    })
    expect(await rejects(l1.sequencer, 'commitBatchBlobs', [commitment(0n), 1n])).toEqual({
      errorName: 'MissingBlob',
      args: [0n],
    })
    expect((await rejects(l1.user, 'commitBatchBlobs', [commitment(0n), 1n])).errorName).toBe(
      'NotSequencer',
    )
  })
})

describe('Rollup deposits and forced inclusion', () => {
  beforeEach(() => deploy({ inclusionWindow: 5n }))

  it('queues both deposit kinds with the documented running hash', async () => {
    const user = l1.user.account.address
    const to = l1.other.account.address
    const r0 = await send(l1.user, 'depositETH', [to, 50_000n], 1000n)
    const r1 = await send(l1.user, 'depositTransaction', [zeroAddress, 7n, 300_000n, '0x6001'], 9n)
    const h1 = depositQueueHash(EMPTY_QUEUE_HASH, {
      index: 0n,
      from: user,
      to,
      mint: 1000n,
      value: 1000n,
      gasLimit: 50_000n,
      data: '0x',
    })
    const h2 = depositQueueHash(h1, {
      index: 1n,
      from: user,
      to: zeroAddress,
      mint: 9n,
      value: 7n,
      gasLimit: 300_000n,
      data: '0x6001',
    })
    expect(events(r0)[0]).toMatchObject({
      eventName: 'DepositQueued',
      args: {
        index: 0n,
        from: user,
        to,
        mint: 1000n,
        value: 1000n,
        gasLimit: 50_000n,
        data: '0x',
        queueHash: h1,
      },
    })
    expect(events(r1)[0]).toMatchObject({
      eventName: 'DepositQueued',
      args: { index: 1n, to: zeroAddress, mint: 9n, value: 7n, data: '0x6001', queueHash: h2 },
    })
    expect(await read('depositCount')).toBe(2n)
    expect(await read('depositQueueHashAt', [1n])).toBe(h1)
    expect(await read('depositQueueHashAt', [2n])).toBe(h2)
    expect(await read('depositBlockOf', [0n])).toBe(r0.blockNumber)
    expect(await read('depositBlockOf', [1n])).toBe(r1.blockNumber)
    expect(await l1.publicClient.getBalance({ address: rollup })).toBe(1009n)
    expect((await rejects(l1.user, 'depositQueueHashAt' as WriteFn, [3n])).errorName).toBe(
      'BadDepositCursor',
    )
    expect((await rejects(l1.user, 'depositBlockOf' as WriteFn, [2n])).errorName).toBe(
      'BadDepositCursor',
    )
  })

  it('aliases the L2 sender of a deposit made by an L1 contract, not by an EOA', async () => {
    // a forwarder: calldata = target (20 bytes) ‖ payload, called with the tx's value
    const forwarder: Address = '0x00000000000000000000000000000000000f0a4d'
    await l1.testClient.setCode({
      address: forwarder,
      bytecode: '0x601436036014600037600060006014360360003460003560601c5af160245760006000fd5b00',
    })
    const payload = encodeFunctionData({
      abi: rollupAbi,
      functionName: 'depositTransaction',
      args: [l1.other.account.address, 3n, 100_000n, '0x'],
    })
    const hash = await l1.user.sendTransaction({
      to: forwarder,
      data: concat([rollup, payload]),
      value: 5n,
    })
    const r = await waitForReceipt(l1.publicClient, hash)
    expect(r.status).toBe('success')
    const aliased = applyL1ToL2Alias(forwarder)
    expect(aliased).toBe(getAddress('0x11110000000000000000000000000000000f1b5e'))
    expect(undoL1ToL2Alias(aliased)).toBe(getAddress(forwarder))
    expect(events(r)[0]).toMatchObject({ eventName: 'DepositQueued', args: { from: aliased } })
    const direct = await send(l1.user, 'depositETH', [l1.other.account.address, 50_000n], 1n)
    expect(events(direct)[0]).toMatchObject({ args: { from: l1.user.account.address } })
    expect(applyL1ToL2Alias('0xffffffffffffffffffffffffffffffffffffffff')).toBe(
      getAddress('0x1111000000000000000000000000000000001110'),
    )
  })

  it('packs deposit block numbers correctly across words', async () => {
    const blocks: bigint[] = []
    for (let i = 0; i < 6; i++) {
      await l1.testClient.mine({ blocks: i + 1 })
      blocks.push(
        (await send(l1.user, 'depositETH', [l1.user.account.address, 21_000n], 1n)).blockNumber,
      )
    }
    for (let i = 0; i < 6; i++) expect(await read('depositBlockOf', [BigInt(i)])).toBe(blocks[i])
  })

  it('rejects bad deposits', async () => {
    expect(await rejects(l1.user, 'depositETH', [zeroAddress, 50_000n], 1n)).toEqual({
      errorName: 'ZeroAddress',
      args: [],
    })
    expect(await rejects(l1.user, 'depositETH', [l1.user.account.address, 20_999n], 1n)).toEqual({
      errorName: 'DepositGasLimitOutOfRange',
      args: [20_999n],
    })
    expect(
      await rejects(l1.user, 'depositTransaction', [
        l1.user.account.address,
        0n,
        10_000_001n,
        '0x',
      ]),
    ).toEqual({ errorName: 'DepositGasLimitOutOfRange', args: [10_000_001n] })
    const big: Hex = `0x${'00'.repeat(120_001)}`
    expect(
      await rejects(l1.user, 'depositTransaction', [l1.user.account.address, 0n, 50_000n, big]),
    ).toEqual({ errorName: 'DepositDataTooLarge', args: [120_001n] })
    // the limit itself is accepted
    await send(l1.user, 'depositTransaction', [
      l1.user.account.address,
      0n,
      10_000_000n,
      `0x${'00'.repeat(120_000)}`,
    ])
  })

  it('lets a batch skip a deposit up to its window, not one block past it', async () => {
    const d = await send(l1.user, 'depositETH', [l1.user.account.address, 50_000n], 1n)
    const b = d.blockNumber
    // next block is b + 5 = the deadline: a batch that leaves the deposit out still commits
    await l1.testClient.mine({ blocks: Number(b + 4n - (await l1.publicClient.getBlockNumber())) })
    const r0 = await commit(commitment(0n))
    expect(r0.blockNumber).toBe(b + 5n)
    // the next block is b + 6: leaving it out now reverts, in simulation and on chain
    expect(await rejects(l1.sequencer, 'commitBatch', [commitment(1n), '0x'])).toEqual({
      errorName: 'DepositNotIncluded',
      args: [0n, b, b + 5n],
    })
    const hash = await l1.sequencer.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [commitment(1n), '0x'],
      gas: 300_000n,
    })
    const failed = await waitForReceipt(l1.publicClient, hash)
    expect(failed.status).toBe('reverted')
    expect(failed.blockNumber).toBe(b + 6n)
    // covering it works
    const h1 = await read<Hex>('depositQueueHashAt', [1n])
    await commit(commitment(1n, { depositCursor: 1n, depositQueueHash: h1 }))
    // the second deposit, older than the window, must be covered too, the first no longer matters
    const d2 = await send(l1.user, 'depositETH', [l1.user.account.address, 50_000n], 1n)
    await l1.testClient.mine({ blocks: 6 })
    expect(
      await rejects(l1.sequencer, 'commitBatch', [
        commitment(2n, { depositCursor: 1n, depositQueueHash: h1 }),
        '0x',
      ]),
    ).toEqual({ errorName: 'DepositNotIncluded', args: [1n, d2.blockNumber, d2.blockNumber + 5n] })
  })
})

describe('Rollup.finalizeBatch and revertBatches', () => {
  beforeEach(() => deploy({ finalizationDelay: 100n }))

  it('finalizes in order after the delay with the prover attestation', async () => {
    const data: Hex = '0xabcdef'
    const r = await commit(commitment(0n), data)
    const committedAt = (await l1.publicClient.getBlock({ blockNumber: r.blockNumber })).timestamp
    const att = await sign(0n, GENESIS_ROOT, root(1), keccak256(data))
    expect(await read('attestationDigest', [0n])).toBe(
      attestationDigest({
        l2ChainId: L2_CHAIN_ID,
        rollup,
        batchIndex: 0n,
        parentStateRoot: GENESIS_ROOT,
        postStateRoot: root(1),
        dataHash: keccak256(data),
      }),
    )
    expect((await rejects(l1.user, 'finalizeBatch', [0n, att])).errorName).toBe('NotProver')
    expect(await rejects(l1.prover, 'finalizeBatch', [1n, att])).toEqual({
      errorName: 'BadFinalizeIndex',
      args: [0n, 1n],
    })
    const early = await rejects(l1.prover, 'finalizeBatch', [0n, att])
    expect(early.errorName).toBe('FinalizationTooEarly')
    expect(early.args[0]).toBe(committedAt + 100n)

    await l1.testClient.setNextBlockTimestamp({ timestamp: committedAt + 100n })
    await l1.testClient.mine({ blocks: 1 })
    // wrong signer, wrong digest, malformed signature, high-s twin
    const byOther = await sign(0n, GENESIS_ROOT, root(1), keccak256(data), l1.other)
    const wrongDigest = await sign(0n, GENESIS_ROOT, root(2), keccak256(data))
    const sBig = BigInt(`0x${att.slice(66, 130)}`)
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const v = Number.parseInt(att.slice(130), 16)
    const highS: Hex = `0x${att.slice(2, 66)}${(n - sBig).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
    for (const bad of [
      byOther,
      wrongDigest,
      att.slice(0, 130) as Hex,
      highS,
      `0x${'00'.repeat(65)}` as Hex,
    ]) {
      expect((await rejects(l1.prover, 'finalizeBatch', [0n, bad])).errorName).toBe(
        'BadAttestation',
      )
    }
    const fin = await send(l1.prover, 'finalizeBatch', [0n, att])
    expect(events(fin)[0]).toMatchObject({
      eventName: 'BatchFinalized',
      args: { batchIndex: 0n, postStateRoot: root(1), dataHash: keccak256(data) },
    })
    expect(await read('nextFinalizedIndex')).toBe(1n)
    expect(await rejects(l1.prover, 'finalizeBatch', [0n, att])).toEqual({
      errorName: 'BadFinalizeIndex',
      args: [1n, 0n],
    })
    expect(await rejects(l1.prover, 'finalizeBatch', [1n, att])).toEqual({
      errorName: 'BatchNotCommitted',
      args: [1n],
    })
    // v as 0/1 is accepted too; batch 1's parent is batch 0's post root
    const c1 = await commit(commitment(1n), '0x')
    const t1 = (await l1.publicClient.getBlock({ blockNumber: c1.blockNumber })).timestamp
    const att1 = await sign(1n, root(1), root(2), keccak256('0x'))
    const v01: Hex = `${att1.slice(0, 130)}0${Number.parseInt(att1.slice(130), 16) - 27}` as Hex
    // mined one second before the delay is over: reverts on chain
    await l1.testClient.setNextBlockTimestamp({ timestamp: t1 + 99n })
    const early1 = await l1.prover.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'finalizeBatch',
      args: [1n, v01],
      gas: 200_000n,
    })
    expect((await waitForReceipt(l1.publicClient, early1)).status).toBe('reverted')
    // mined exactly at committedAt + delay: finalizes
    await l1.testClient.setNextBlockTimestamp({ timestamp: t1 + 100n })
    const onTime = await l1.prover.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'finalizeBatch',
      args: [1n, v01],
      gas: 200_000n,
    })
    const r1 = await waitForReceipt(l1.publicClient, onTime)
    expect(r1.status).toBe('success')
    expect((await l1.publicClient.getBlock({ blockNumber: r1.blockNumber })).timestamp).toBe(
      t1 + 100n,
    )
    expect(await read('nextFinalizedIndex')).toBe(2n)
  })

  it('finalizes a run of batches in one tx, all or none', async () => {
    for (const i of [0n, 1n, 2n]) await commit(commitment(i))
    const dh = keccak256('0x1234')
    const att = (i: bigint) =>
      sign(i, i === 0n ? GENESIS_ROOT : root(Number(i)), root(Number(i) + 1), dh)
    const [a0, a1, a2] = await Promise.all([att(0n), att(1n), att(2n)])
    expect(await rejects(l1.prover, 'finalizeBatches', [0n, [a0, a1]])).toMatchObject({
      errorName: 'FinalizationTooEarly',
    })
    await l1.testClient.increaseTime({ seconds: 100 })
    await l1.testClient.mine({ blocks: 1 })
    expect((await rejects(l1.user, 'finalizeBatches', [0n, [a0]])).errorName).toBe('NotProver')
    expect((await rejects(l1.prover, 'finalizeBatches', [0n, []])).errorName).toBe(
      'NothingToFinalize',
    )
    expect(await rejects(l1.prover, 'finalizeBatches', [1n, [a1]])).toEqual({
      errorName: 'BadFinalizeIndex',
      args: [0n, 1n],
    })
    // one bad attestation in the middle rejects the whole run
    expect((await rejects(l1.prover, 'finalizeBatches', [0n, [a0, a2, a2]])).errorName).toBe(
      'BadAttestation',
    )
    expect(await rejects(l1.prover, 'finalizeBatches', [0n, [a0, a1, a2, a2]])).toEqual({
      errorName: 'BatchNotCommitted',
      args: [3n],
    })
    const r = await send(l1.prover, 'finalizeBatches', [0n, [a0, a1, a2]])
    expect(
      events(r).map((e) => [e.eventName, (e.args as { batchIndex: bigint }).batchIndex]),
    ).toEqual([
      ['BatchFinalized', 0n],
      ['BatchFinalized', 1n],
      ['BatchFinalized', 2n],
    ])
    expect(await read('nextFinalizedIndex')).toBe(3n)
    expect(await read('postStateRootOf', [2n])).toBe(root(3))
  })

  it('reverts unfinalized batches and lets the sequencer re-commit', async () => {
    await send(l1.user, 'depositETH', [l1.user.account.address, 50_000n], 1n)
    const h1 = await read<Hex>('depositQueueHashAt', [1n])
    await commit(commitment(0n))
    await commit(commitment(1n, { depositCursor: 1n, depositQueueHash: h1 }))
    await commit(commitment(2n, { depositCursor: 1n, depositQueueHash: h1 }))
    expect((await rejects(l1.user, 'revertBatches', [1n])).errorName).toBe('NotOwner')
    expect(await rejects(l1.owner, 'revertBatches', [3n])).toEqual({
      errorName: 'NothingToRevert',
      args: [3n],
    })
    const r = await send(l1.owner, 'revertBatches', [1n])
    expect(events(r)[0]).toMatchObject({
      eventName: 'BatchesReverted',
      args: { fromIndex: 1n, toIndex: 2n },
    })
    expect(await read('nextBatchIndex')).toBe(1n)
    expect(await read('lastCommittedBlock')).toBe(10n)
    expect(await read('lastDepositCursor')).toBe(0n)
    expect((await read<{ postStateRoot: Hex }>('batches', [1n])).postStateRoot).toBe(root(0))
    // a different batch 1 now chains
    await commit(commitment(1n, { postStateRoot: root(77), lastBlock: 15n }))
    expect(await read('postStateRootOf', [1n])).toBe(root(77))
    // finalize batch 0, then it cannot be reverted; batch 1 can
    await l1.testClient.increaseTime({ seconds: 100 })
    await send(l1.prover, 'finalizeBatch', [
      0n,
      await sign(0n, GENESIS_ROOT, root(1), keccak256('0x1234')),
    ])
    expect(await rejects(l1.owner, 'revertBatches', [0n])).toEqual({
      errorName: 'BatchAlreadyFinalized',
      args: [0n],
    })
    await send(l1.owner, 'revertBatches', [1n])
    expect(await read('lastCommittedBlock')).toBe(10n)
  })

  it('reverts back to genesis', async () => {
    await commit(commitment(0n))
    await commit(commitment(1n))
    await send(l1.owner, 'revertBatches', [0n])
    expect(await read('nextBatchIndex')).toBe(0n)
    expect(await read('lastCommittedBlock')).toBe(0n)
    await commit(commitment(0n, { postStateRoot: root(50) }))
    expect(await read('postStateRootOf', [0n])).toBe(root(50))
  })
})
