// L1 gas of the Rollup contract on anvil (Cancun): commits by calldata and blobs, finalization,
// deposits and a withdrawal claim. Gas is deterministic; baselines are plain transactions of the
// same shape sent in the same run, so "overhead" = contract execution on top of the tx itself.
import {
  type BatchCommitmentInput,
  DA_MODE,
  deployRollup,
  fixtureBlobTx,
  L2_WITHDRAWAL_STORE_ADDRESS,
  rollupAbi,
  type Withdrawal,
  waitForReceipt,
  withdrawalHash,
  withdrawalLeafKey,
  withdrawalStorageSlot,
} from '@lanes/contracts'
import { encodeProof, SparseMerkleTree, storageKey } from '@lanes/state-tree'
import { ANVIL_KEYS, startAnvil } from '@lanes/test/harness'
import {
  bytesToHex,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  parseEther,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { report } from './machine.js'

const BLOB_TARGET = 80_000

const anvil = await startAnvil({ hardfork: 'cancun' })
try {
  const transport = http(anvil.url, { timeout: 60_000 })
  const pub = createPublicClient({ chain: foundry, transport, pollingInterval: 20, cacheTime: 0 })
  const test = createTestClient({ chain: foundry, mode: 'anvil', transport })
  const wallet = (i: number) =>
    createWalletClient({
      account: privateKeyToAccount(ANVIL_KEYS[i]!),
      chain: foundry,
      transport,
      pollingInterval: 20,
      cacheTime: 0,
    })
  const owner = wallet(0)
  const sequencer = wallet(1)
  const prover = wallet(2)
  const user = wallet(3)
  const sink = wallet(4).account.address

  const genesis: Hex = keccak256('0x01')
  const { rollup } = await deployRollup({
    walletClient: owner,
    publicClient: pub,
    genesisStateRoot: genesis,
    l2ChainId: 42_069n,
    sequencer: sequencer.account.address,
    prover: prover.account.address,
    finalizationDelay: 0n,
    inclusionWindow: 1000n,
  })

  const gasOf = async (hash: Hex) => {
    const r = await waitForReceipt(pub, hash)
    if (r.status !== 'success') throw new Error(`tx ${hash} reverted`)
    return r.gasUsed
  }
  const readHash = (fn: 'depositQueueHashAt', i: bigint) =>
    pub.readContract({ address: rollup, abi: rollupAbi, functionName: fn, args: [i] })

  // deposits: the first one into an empty queue word pays for new slots, later ones less
  const depositGas: bigint[] = []
  for (let i = 0; i < 6; i++) {
    depositGas.push(
      await gasOf(
        await user.writeContract({
          address: rollup,
          abi: rollupAbi,
          functionName: 'depositETH',
          args: [user.account.address, 100_000n],
          value: parseEther('1'),
        }),
      ),
    )
  }

  // state tree with a withdrawal in it, so the last committed batch can be claimed against
  const w: Withdrawal = {
    nonce: 0n,
    sender: user.account.address,
    l1Recipient: sink,
    value: parseEther('0.25'),
    data: '0x',
  }
  const tree = SparseMerkleTree.inMemory()
  const leaves = [] as { key: Uint8Array; value: Hex }[]
  for (let i = 0; i < 2000; i++)
    leaves.push({
      key: storageKey(toHex(i + 1, { size: 20 }), 0n),
      value: toHex(i + 1, { size: 32 }),
    })
  leaves.push({
    key: storageKey(L2_WITHDRAWAL_STORE_ADDRESS, withdrawalStorageSlot(withdrawalHash(w))),
    value: toHex(1n, { size: 32 }),
  })
  const claimRoot = tree.applyBatch(1n, leaves)

  let index = 0n
  let parent = genesis
  let lastBlock = 0n
  let cursor = 0n
  /** The next batch's commitment; each consumes one deposit so the deposit checks really run. */
  const build = async (
    post: Hex = keccak256(toHex(index + 1000n)),
  ): Promise<BatchCommitmentInput> => {
    const nextCursor = cursor < 6n ? cursor + 1n : cursor
    return {
      batchIndex: index,
      parentStateRoot: parent,
      postStateRoot: post,
      firstBlock: lastBlock + 1n,
      lastBlock: lastBlock + 20n,
      depositCursor: nextCursor,
      depositQueueHash: await readHash('depositQueueHashAt', nextCursor),
    }
  }
  const committed = (c: BatchCommitmentInput) => {
    index = c.batchIndex + 1n
    parent = c.postStateRoot
    lastBlock = c.lastBlock
    cursor = c.depositCursor
  }
  const random = (n: number): Hex => {
    const b = new Uint8Array(n)
    for (let i = 0; i < n; i += 65_536)
      crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65_536)))
    return bytesToHex(b)
  }

  // warm up: batch 0 reads the genesis root from code, later batches from storage
  const c0 = await build()
  await gasOf(
    await sequencer.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [c0, '0x'],
    }),
  )
  committed(c0)

  for (const size of [10_000, 100_000]) {
    const data = random(size)
    const c = await build()
    const calldata = encodeFunctionData({
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [c, data],
    })
    const gas = await gasOf(await sequencer.sendTransaction({ to: rollup, data: calldata }))
    committed(c)
    // baseline: the same calldata (selector + ABI-encoded args) sent to an EOA
    const base = await gasOf(await sequencer.sendTransaction({ to: sink, data: calldata }))
    report({
      name: `l1-gas.commitBatch.calldata.${size / 1000}KB`,
      unit: 'gas',
      value: Number(gas),
      baseline: { name: 'same calldata sent to an EOA', value: Number(base) },
      ratio: Number(gas) / Number(base),
      notes: `contract overhead ${gas - base} gas; data is incompressible random bytes`,
    })
  }

  for (const blobs of [1, 3]) {
    const c = await build()
    const gas = await gasOf(
      await sequencer.sendTransaction({
        to: rollup,
        data: encodeFunctionData({
          abi: rollupAbi,
          functionName: 'commitBatchBlobs',
          args: [c, BigInt(blobs)],
        }),
        ...fixtureBlobTx(blobs),
        maxFeePerBlobGas: 10_000_000_000n,
      }),
    )
    committed(c)
    const base = await gasOf(
      await sequencer.sendTransaction({
        to: sink,
        data: encodeFunctionData({
          abi: rollupAbi,
          functionName: 'commitBatchBlobs',
          args: [c, BigInt(blobs)],
        }),
        ...fixtureBlobTx(blobs),
        maxFeePerBlobGas: 10_000_000_000n,
      }),
    )
    report({
      name: `l1-gas.commitBatchBlobs.${blobs}blob`,
      unit: 'gas',
      value: Number(gas),
      baseline: { name: 'same blob tx sent to an EOA (21000 + calldata)', value: Number(base) },
      ratio: Number(gas) / Number(base),
      target: `≤ ${BLOB_TARGET} gas execution (blob gas excluded)`,
      notes: `${Number(gas) <= BLOB_TARGET ? 'meets' : 'misses'} target; contract overhead over the bare tx ${gas - base} gas; daMode ${DA_MODE.blobs}`,
    })
  }

  // the batch holding the withdrawal, then finalize everything in order
  const cw = await build(claimRoot)
  await gasOf(
    await sequencer.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [cw, '0x'],
    }),
  )
  committed(cw)
  // the last RUN batches go in one finalizeBatches tx, the ones before one by one
  const RUN = index > 4n ? 4n : 1n
  const attest = async (i: bigint) =>
    prover.signMessage({
      message: {
        raw: await pub.readContract({
          address: rollup,
          abi: rollupAbi,
          functionName: 'attestationDigest',
          args: [i],
        }),
      },
    })
  const finalizeGas: bigint[] = []
  for (let i = 0n; i < index - RUN; i++) {
    finalizeGas.push(
      await gasOf(
        await prover.writeContract({
          address: rollup,
          abi: rollupAbi,
          functionName: 'finalizeBatch',
          args: [i, await attest(i)],
        }),
      ),
    )
  }
  const runAttestations: Hex[] = []
  for (let i = index - RUN; i < index; i++) runAttestations.push(await attest(i))
  const runGas = await gasOf(
    await prover.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'finalizeBatches',
      args: [index - RUN, runAttestations],
    }),
  )
  const plainTransfer = await gasOf(await user.sendTransaction({ to: sink, value: 1n }))
  const single = finalizeGas[finalizeGas.length - 1]!
  report({
    name: 'l1-gas.finalizeBatch',
    unit: 'gas',
    value: Number(single),
    baseline: { name: 'plain ETH transfer', value: Number(plainTransfer) },
    ratio: Number(single) / Number(plainTransfer),
  })
  report({
    name: 'l1-gas.finalizeBatches.perBatch',
    unit: 'gas',
    value: Math.round(Number(runGas) / Number(RUN)),
    baseline: { name: 'finalizeBatch, one batch per tx', value: Number(single) },
    ratio: Number(runGas) / Number(RUN) / Number(single),
    notes: `${RUN} batches in one tx: ${runGas} gas`,
  })
  report({
    name: 'l1-gas.depositETH',
    unit: 'gas',
    value: Number(depositGas[1]!),
    baseline: { name: 'plain ETH transfer', value: Number(plainTransfer) },
    ratio: Number(depositGas[1]!) / Number(plainTransfer),
    notes: `first deposit ever ${depositGas[0]} gas; every 4th deposit starts a new block-number word`,
  })

  const proof = bytesToHex(encodeProof(tree.prove(withdrawalLeafKey(withdrawalHash(w)))))
  const claimGas = await gasOf(
    await user.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'proveAndClaimWithdrawal',
      args: [index - 1n, w, proof],
    }),
  )
  report({
    name: 'l1-gas.proveAndClaimWithdrawal',
    unit: 'gas',
    value: Number(claimGas),
    baseline: { name: 'plain ETH transfer', value: Number(plainTransfer) },
    ratio: Number(claimGas) / Number(plainTransfer),
    notes: `proof ${(proof.length - 2) / 2} bytes in a tree of ${leaves.length} leaves`,
  })
  await test.mine({ blocks: 1 })
} finally {
  await anvil.stop()
}
