import {
  accountKey,
  accountValue,
  encodeProof,
  SparseMerkleTree,
  storageKey,
} from '@lanes/state-tree'
import {
  type Address,
  bytesToHex,
  type Hex,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attestationDigest } from './attestation.js'
import { L2_WITHDRAWAL_STORE_ADDRESS } from './constants.js'
import {
  l2WithdrawalStoreAbi,
  l2WithdrawalStoreDeployedBytecode,
} from './generated/L2WithdrawalStore.js'
import { rollupAbi } from './generated/Rollup.js'
import { waitForReceipt } from './receipt.js'
import {
  commitment,
  deployTestRollup,
  GENESIS_ROOT,
  type L1,
  L2_CHAIN_ID,
  revertOf,
  startL1,
} from './test-support.js'
import {
  type Withdrawal,
  withdrawalHash,
  withdrawalLeafKey,
  withdrawalStorageSlot,
} from './withdrawal.js'

let l1: L1

beforeAll(async () => {
  l1 = await startL1()
})
afterAll(async () => {
  await l1?.stop()
})

describe('withdrawals L2 → L1 with real state-tree proofs', () => {
  let rollup: Address
  let tree: SparseMerkleTree
  const withdrawals: Withdrawal[] = []

  it('L2WithdrawalStore records the message hash at the documented storage slot', async () => {
    // run the real predeploy code (here on the anvil chain, standing in for L2)
    await l1.testClient.setCode({
      address: L2_WITHDRAWAL_STORE_ADDRESS,
      bytecode: l2WithdrawalStoreDeployedBytecode,
    })
    const requests = [
      { value: parseEther('1'), to: l1.other.account.address, data: '0x' as Hex },
      { value: parseEther('0.5'), to: l1.other.account.address, data: '0xc0ffee' as Hex },
    ]
    for (const [i, r] of requests.entries()) {
      const hash = await l1.user.writeContract({
        address: L2_WITHDRAWAL_STORE_ADDRESS,
        abi: l2WithdrawalStoreAbi,
        functionName: 'withdraw',
        args: [r.to, r.data],
        value: r.value,
      })
      const receipt = await waitForReceipt(l1.publicClient, hash)
      const [ev] = parseEventLogs({ abi: l2WithdrawalStoreAbi, logs: receipt.logs })
      const w: Withdrawal = {
        nonce: BigInt(i),
        sender: l1.user.account.address,
        l1Recipient: r.to,
        value: r.value,
        data: r.data,
      }
      expect(ev?.args).toEqual({
        nonce: w.nonce,
        sender: w.sender,
        l1Recipient: w.l1Recipient,
        value: w.value,
        data: w.data,
        withdrawalHash: withdrawalHash(w),
      })
      const word = await l1.publicClient.getStorageAt({
        address: L2_WITHDRAWAL_STORE_ADDRESS,
        slot: withdrawalStorageSlot(withdrawalHash(w)),
      })
      expect(BigInt(word!)).toBe(1n)
      withdrawals.push(w)
    }
    // the withdrawn value left the chain: burned by Burner, not held by the store
    expect(await l1.publicClient.getBalance({ address: L2_WITHDRAWAL_STORE_ADDRESS })).toBe(0n)
    expect(
      await l1.publicClient.readContract({
        address: L2_WITHDRAWAL_STORE_ADDRESS,
        abi: l2WithdrawalStoreAbi,
        functionName: 'nonce',
      }),
    ).toBe(2n)
    expect(withdrawalLeafKey(withdrawalHash(withdrawals[0]!))).toBe(
      bytesToHex(
        storageKey(
          L2_WITHDRAWAL_STORE_ADDRESS,
          withdrawalStorageSlot(withdrawalHash(withdrawals[0]!)),
        ),
      ),
    )
  })

  it('claims a withdrawal once against a finalized root, rejecting forgeries and replays', async () => {
    // L2 state after the withdrawals: some accounts plus the store's two `sent` slots
    tree = SparseMerkleTree.inMemory()
    const updates: { key: Uint8Array; value: Uint8Array }[] = []
    for (let i = 1; i <= 40; i++) {
      const address = toHex(i * 7919, { size: 20 })
      updates.push({
        key: accountKey(address),
        value: accountValue({
          nonce: BigInt(i),
          balance: BigInt(i) * 10n ** 18n,
          codeHash: keccak256('0x'),
        }),
      })
    }
    for (const w of withdrawals) {
      const slot = withdrawalStorageSlot(withdrawalHash(w))
      updates.push({
        key: storageKey(L2_WITHDRAWAL_STORE_ADDRESS, slot),
        value: new Uint8Array(32).fill(0, 0, 31).map((_, j) => (j === 31 ? 1 : 0)),
      })
    }
    const postRoot = tree.applyBatch(1n, updates)

    rollup = (await deployTestRollup(l1, { finalizationDelay: 0n })).rollup
    const send = async (
      w: typeof l1.user,
      functionName: string,
      args: readonly unknown[],
      value?: bigint,
    ) => {
      const hash = await w.writeContract({
        address: rollup,
        abi: rollupAbi,
        functionName,
        args,
        value,
      } as never)
      const r = await waitForReceipt(l1.publicClient, hash)
      expect(r.status).toBe('success')
      return r
    }
    const rejects = (args: readonly unknown[]) =>
      revertOf(
        l1.publicClient.simulateContract({
          address: rollup,
          abi: rollupAbi,
          functionName: 'proveAndClaimWithdrawal',
          args,
          account: l1.user.account,
        } as never),
      )
    // L1 holds the bridged ETH from a deposit
    await send(l1.user, 'depositETH', [l1.user.account.address, 21_000n], parseEther('2'))
    const h1 = (await l1.publicClient.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'depositQueueHashAt',
      args: [1n],
    })) as Hex
    await send(l1.sequencer, 'commitBatch', [
      commitment(0n, { postStateRoot: postRoot, depositCursor: 1n, depositQueueHash: h1 }),
      '0x00',
    ])

    const w0 = withdrawals[0]!
    const hash0 = withdrawalHash(w0)
    const proof0 = bytesToHex(encodeProof(tree.prove(withdrawalLeafKey(hash0))))
    expect(await rejects([0n, w0, proof0])).toEqual({ errorName: 'BatchNotFinalized', args: [0n] })

    const digest = attestationDigest({
      l2ChainId: L2_CHAIN_ID,
      rollup,
      batchIndex: 0n,
      parentStateRoot: GENESIS_ROOT,
      postStateRoot: postRoot,
      dataHash: keccak256('0x00'),
    })
    await send(l1.prover, 'finalizeBatch', [
      0n,
      await l1.prover.signMessage({ message: { raw: digest } }),
    ])
    expect(await rejects([1n, w0, proof0])).toEqual({ errorName: 'BatchNotFinalized', args: [1n] })

    // forgeries: more value, another recipient, a flipped sibling, an absence proof, no proof
    const unknownKey = withdrawalLeafKey(withdrawalHash({ ...w0, value: w0.value + 1n }))
    const absence = bytesToHex(encodeProof(tree.prove(unknownKey)))
    const flipped =
      `${proof0.slice(0, -2)}${(Number.parseInt(proof0.slice(-2), 16) ^ 0x80).toString(16).padStart(2, '0')}` as Hex
    for (const [w, p] of [
      [{ ...w0, value: w0.value + 1n }, proof0],
      [{ ...w0, value: w0.value + 1n }, absence],
      [{ ...w0, l1Recipient: l1.user.account.address }, proof0],
      [w0, flipped],
      [w0, '0x'],
      [w0, bytesToHex(encodeProof(tree.prove(withdrawalLeafKey(withdrawalHash(withdrawals[1]!)))))],
    ] as const) {
      expect(await rejects([0n, w, p])).toEqual({ errorName: 'BadWithdrawalProof', args: [] })
    }

    const before = await l1.publicClient.getBalance({ address: w0.l1Recipient })
    const r = await send(l1.user, 'proveAndClaimWithdrawal', [0n, w0, proof0])
    expect(await l1.publicClient.getBalance({ address: w0.l1Recipient })).toBe(before + w0.value)
    expect(parseEventLogs({ abi: rollupAbi, logs: r.logs })[0]).toMatchObject({
      eventName: 'WithdrawalClaimed',
      args: { withdrawalHash: hash0, batchIndex: 0n, l1Recipient: w0.l1Recipient, value: w0.value },
    })
    expect(
      await l1.publicClient.readContract({
        address: rollup,
        abi: rollupAbi,
        functionName: 'claimed',
        args: [hash0],
      }),
    ).toBe(true)
    expect(await rejects([0n, w0, proof0])).toEqual({
      errorName: 'WithdrawalAlreadyClaimed',
      args: [hash0],
    })

    // the second one carries calldata to an EOA: fine
    const w1 = withdrawals[1]!
    const proof1 = bytesToHex(encodeProof(tree.prove(withdrawalLeafKey(withdrawalHash(w1)))))
    await send(l1.other, 'proveAndClaimWithdrawal', [0n, w1, proof1])
    expect(await l1.publicClient.getBalance({ address: rollup })).toBe(parseEther('0.5'))
  })

  it('reverts the whole claim when the recipient call fails, so it can be retried', async () => {
    // a withdrawal whose recipient is a contract without a payable fallback (the rollup itself)
    const w: Withdrawal = {
      nonce: 9n,
      sender: l1.user.account.address,
      l1Recipient: rollup,
      value: 1n,
      data: '0x',
    }
    const h = withdrawalHash(w)
    const root2 = tree.applyBatch(2n, [
      { key: withdrawalLeafKey(h), value: toHex(1n, { size: 32 }) },
    ])
    const commitHash = await l1.sequencer.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'commitBatch',
      args: [
        {
          ...commitment(1n, { parentStateRoot: tree.rootAt(1n), postStateRoot: root2 }),
          depositCursor: 1n,
          depositQueueHash: (await l1.publicClient.readContract({
            address: rollup,
            abi: rollupAbi,
            functionName: 'depositQueueHashAt',
            args: [1n],
          })) as Hex,
        },
        '0x',
      ],
    })
    await waitForReceipt(l1.publicClient, commitHash)
    const digest = await l1.publicClient.readContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'attestationDigest',
      args: [1n],
    })
    const fin = await l1.prover.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'finalizeBatch',
      args: [1n, await l1.prover.signMessage({ message: { raw: digest } })],
    })
    expect((await waitForReceipt(l1.publicClient, fin)).status).toBe('success')
    const proof = bytesToHex(encodeProof(tree.prove(withdrawalLeafKey(h))))
    const r = await revertOf(
      l1.publicClient.simulateContract({
        address: rollup,
        abi: rollupAbi,
        functionName: 'proveAndClaimWithdrawal',
        args: [1n, w, proof],
        account: l1.user.account,
      }),
    )
    expect(r.errorName).toBe('WithdrawalCallFailed')
    expect(
      await l1.publicClient.readContract({
        address: rollup,
        abi: rollupAbi,
        functionName: 'claimed',
        args: [h],
      }),
    ).toBe(false)
  })
})
