import { LanesError } from '@lanes/core'
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem'
import { rollupAbi, rollupBytecode } from './generated/Rollup.js'
import { waitForReceipt } from './receipt.js'

export type DeployRollupParameters = {
  walletClient: WalletClient<Transport, Chain | undefined, Account>
  publicClient: PublicClient
  genesisStateRoot: Hex
  l2ChainId: bigint | number
  sequencer: Address
  prover: Address
  /** seconds between commit and the earliest finalization */
  finalizationDelay: bigint | number
  /** L1 blocks a deposit may wait before commits must include it */
  inclusionWindow: bigint | number
  /** defaults to the wallet's account */
  owner?: Address
}

export type DeployRollupReturnType = {
  rollup: Address
  /** L1 block of the deployment: start scanning events here */
  blockNumber: bigint
  transactionHash: Hex
}

export class RollupDeployError extends LanesError {
  override name = 'RollupDeployError'
}

/** Deploys Rollup and waits for its receipt. */
export async function deployRollup(p: DeployRollupParameters): Promise<DeployRollupReturnType> {
  let hash: Hex
  try {
    hash = await p.walletClient.deployContract({
      abi: rollupAbi,
      bytecode: rollupBytecode,
      account: p.walletClient.account,
      chain: p.walletClient.chain ?? null,
      args: [
        p.owner ?? p.walletClient.account.address,
        p.sequencer,
        p.prover,
        p.genesisStateRoot,
        BigInt(p.l2ChainId),
        BigInt(p.finalizationDelay),
        BigInt(p.inclusionWindow),
      ],
    })
  } catch (e) {
    throw new RollupDeployError('Rollup deployment was rejected', { cause: e })
  }
  const receipt = await waitForReceipt(p.publicClient, hash)
  if (receipt.status !== 'success' || !receipt.contractAddress)
    throw new RollupDeployError(`Rollup deployment failed in tx ${hash}`)
  return {
    rollup: receipt.contractAddress,
    blockNumber: receipt.blockNumber,
    transactionHash: hash,
  }
}
