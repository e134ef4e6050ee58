import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { EVM, type EVMMockBlockchainInterface, NobleBN254 } from '@ethereumjs/evm'
import { Address as EjsAddress, type KZG } from '@ethereumjs/util'
import {
  type BlockEnv,
  fromHex,
  keccak256,
  LanesError,
  type LanesKzg,
  loadedKzg,
  loadKzg,
} from '@lanes/core'
import { TxState } from './tx-state.js'

/** The block as @ethereumjs/evm reads it (COINBASE, NUMBER, BASEFEE, PREVRANDAO, ...). */
export type EvmBlock = {
  header: {
    number: bigint
    coinbase: EjsAddress
    timestamp: bigint
    difficulty: bigint
    prevRandao: Uint8Array
    gasLimit: bigint
    baseFeePerGas?: bigint
    getBlobGasPrice(): bigint | undefined
  }
}

export type EvmContext = {
  evm: EVM
  state: TxState
  blockchain: BlockHashes
  precompiles: string[]
  /** the same, as 0x-addresses */
  precompileSet: Set<string>
  chainId: bigint
  /** enableFastEvm ran on it (fast-evm.ts) */
  fast: boolean
}

/** BLOCKHASH source: the EVM asks its "blockchain" for getBlock(n).hash(). */
class BlockHashes implements EVMMockBlockchainInterface {
  lookup: ((n: bigint) => `0x${string}` | undefined) | undefined
  async getBlock(n: number | bigint | Uint8Array) {
    const num = typeof n === 'number' || typeof n === 'bigint' ? BigInt(n) : 0n
    const h = this.lookup?.(num)
    const bytes = h === undefined ? new Uint8Array(32) : fromHex(h)
    return { hash: () => bytes }
  }
  async putBlock() {}
  shallowCopy() {
    return this
  }
}

const idle = new Map<bigint, EvmContext[]>()

class KzgUnsupportedError extends LanesError {
  override name = 'KzgUnsupportedError'
}

/** The EVM's KZG interface (hex in, hex out): only the 0x0a precompile's check is needed. */
function ejsKzg(k: LanesKzg): KZG {
  const unsupported = (): never => {
    throw new KzgUnsupportedError('only verifyProof is available to the EVM')
  }
  return {
    verifyProof: (commitment, z, y, proof) =>
      k.verifyKzgProof(fromHex(commitment), fromHex(z), fromHex(y), fromHex(proof)),
    blobToKzgCommitment: unsupported,
    computeBlobProof: unsupported,
    verifyBlobProofBatch: unsupported,
    computeCells: unsupported,
    computeCellsAndProofs: unsupported,
    recoverCellsAndProofs: unsupported,
    verifyCellKzgProofBatch: unsupported,
  }
}

let kzgForEvm: KZG | undefined

/** The EVM KZG backend if kzg-wasm is already loaded in this thread. */
function currentKzg(): KZG | undefined {
  if (kzgForEvm === undefined) {
    const k = loadedKzg()
    if (k !== undefined) kzgForEvm = ejsKzg(k)
  }
  return kzgForEvm
}

/** Whether this context's EVM can run the point-evaluation precompile (0x0a). */
export function hasKzg(ctx: EvmContext): boolean {
  return ctx.evm.common.customCrypto.kzg !== undefined
}

/**
 * Loads kzg-wasm (about 1.5 s, once per thread) and hands it to this context's EVM. Lazy:
 * only a tx that actually reaches 0x0a pays for it; run-tx re-runs that tx afterwards.
 */
export async function enableKzg(ctx: EvmContext): Promise<void> {
  await loadKzg()
  ctx.evm.common.customCrypto.kzg = currentKzg()
}

/**
 * An EVM for this chain id, reused across blocks (building one costs milliseconds).
 * Each concurrent block run holds its own: they share no TxState.
 */
export function acquireEvmContext(chainId: bigint): EvmContext {
  let ctx = idle.get(chainId)?.pop()
  if (ctx === undefined) {
    const common = createCustomCommon({ chainId: Number(chainId) }, Mainnet, {
      hardfork: Hardfork.Cancun,
      // KECCAK256 and CREATE2 hash with hash-wasm instead of @noble/hashes (several times faster)
      customCrypto: { keccak256, kzg: currentKzg() },
    })
    // The fork is pinned, so the set of active EIPs is fixed: answer from a Set instead of
    // walking hardfork params on every opcode (a few % of EVM time in profiles).
    const active = new Set<number>()
    for (let eip = 1; eip < 10_000; eip++) if (common.isActivatedEIP(eip)) active.add(eip)
    common.isActivatedEIP = (eip: number) => active.has(eip)
    const state = new TxState()
    const blockchain = new BlockHashes()
    const evm = new EVM({ common, stateManager: state, blockchain, bn254: new NobleBN254() })
    const precompiles = [...evm.precompiles.keys()]
    const precompileSet = new Set(precompiles.map((p) => `0x${p.replace(/^0x/, '')}`))
    ctx = { evm, state, blockchain, precompiles, precompileSet, chainId, fast: false }
  }
  return ctx
}

export function releaseEvmContext(ctx: EvmContext): void {
  ctx.blockchain.lookup = undefined
  let list = idle.get(ctx.chainId)
  if (list === undefined) {
    list = []
    idle.set(ctx.chainId, list)
  }
  if (list.length < 4) list.push(ctx)
}

/**
 * L2 blocks carry no blobs, so BLOBBASEFEE reads the EIP-4844 minimum (1 wei), like an
 * L1 block with no blob history.
 */
export function evmBlock(env: BlockEnv): EvmBlock {
  return {
    header: {
      number: env.number,
      coinbase: new EjsAddress(fromHex(env.coinbase)),
      timestamp: env.timestamp,
      difficulty: 0n,
      prevRandao: fromHex(env.prevRandao),
      gasLimit: env.gasLimit,
      baseFeePerGas: env.baseFeePerGas,
      getBlobGasPrice: () => 1n,
    },
  }
}
