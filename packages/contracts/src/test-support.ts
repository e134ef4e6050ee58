// Shared by this package's tests and bench/l1-gas.ts; not part of the public API.
import { ANVIL_KEYS, type Anvil, startAnvil } from '@lanes/test/harness'
import {
  type Account,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import type { BatchCommitmentInput } from './commitment.js'
import { deployRollup } from './deploy.js'

export type Wallet = WalletClient<Transport, Chain, Account>

export type L1 = {
  anvil: Anvil
  publicClient: PublicClient
  testClient: TestClient
  owner: Wallet
  sequencer: Wallet
  /** the sequencer key on a transport with a long timeout, for blob transactions */
  blobSequencer: Wallet
  prover: Wallet
  user: Wallet
  other: Wallet
  stop: () => Promise<void>
}

export async function startL1(): Promise<L1> {
  const anvil = await startAnvil({ hardfork: 'cancun' })
  // a short timeout so that a lost response is retried (viem retries timeouts) well within
  // the test timeout on a loaded machine
  const transport = http(anvil.url, { timeout: 20_000 })
  // the first blob transaction makes anvil load its KZG setup: many seconds on a busy machine,
  // and sending it twice would fail, so no retry
  const slow = http(anvil.url, { timeout: 55_000, retryCount: 0 })
  const wallet = (i: number, t = transport): Wallet =>
    createWalletClient({
      account: privateKeyToAccount(ANVIL_KEYS[i]!),
      chain: foundry,
      transport: t,
      pollingInterval: 20,
      cacheTime: 0,
    })
  return {
    anvil,
    publicClient: createPublicClient({
      chain: foundry,
      transport,
      pollingInterval: 20,
      cacheTime: 0,
    }),
    testClient: createTestClient({ chain: foundry, mode: 'anvil', transport, cacheTime: 0 }),
    owner: wallet(0),
    sequencer: wallet(1),
    blobSequencer: wallet(1, slow),
    prover: wallet(2),
    user: wallet(3),
    other: wallet(4),
    stop: () => anvil.stop(),
  }
}

export const GENESIS_ROOT: Hex = `0x${'11'.repeat(32)}`
export const L2_CHAIN_ID = 424242n

export async function deployTestRollup(
  l1: L1,
  opts: { finalizationDelay?: bigint; inclusionWindow?: bigint; genesisStateRoot?: Hex } = {},
) {
  return deployRollup({
    walletClient: l1.owner,
    publicClient: l1.publicClient,
    genesisStateRoot: opts.genesisStateRoot ?? GENESIS_ROOT,
    l2ChainId: L2_CHAIN_ID,
    sequencer: l1.sequencer.account.address,
    prover: l1.prover.account.address,
    finalizationDelay: opts.finalizationDelay ?? 100n,
    inclusionWindow: opts.inclusionWindow ?? 10n,
  })
}

export function root(n: number): Hex {
  return `0x${n.toString(16).padStart(64, '0')}`
}

/** A commitment for `index` covering blocks [first, last] with roots root(index) → root(index+1). */
export function commitment(
  index: bigint,
  over: Partial<BatchCommitmentInput> = {},
): BatchCommitmentInput {
  return {
    batchIndex: index,
    parentStateRoot: index === 0n ? GENESIS_ROOT : root(Number(index)),
    postStateRoot: root(Number(index) + 1),
    firstBlock: index * 10n + 1n,
    lastBlock: index * 10n + 10n,
    depositCursor: 0n,
    depositQueueHash: root(0),
    ...over,
  }
}

/** The custom error a rejected call reverted with, or throws if it did not revert that way. */
export async function revertOf(
  p: Promise<unknown>,
): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await p
  } catch (e) {
    if (!(e instanceof BaseError)) throw e
    const r = e.walk((x) => x instanceof ContractFunctionRevertedError)
    if (r instanceof ContractFunctionRevertedError && r.data)
      return { errorName: r.data.errorName, args: r.data.args ?? [] }
    throw e
  }
  throw new Error('expected a revert, the call succeeded')
}
