import type { Genesis } from './genesis.js'
import type { Address, Hex } from './hex.js'
import { fromHex, toHex } from './hex.js'
import { keccak256, keccak256Hex } from './keccak.js'
import type { L1Origin } from './l1-origin.js'
import { type RlpItem, rlpEncode, rlpHeader, rlpUint } from './rlp.js'
import {
  type BlockEnv,
  type BlockHeader,
  DEPOSIT_TX_TYPE,
  type L2Tx,
  type Receipt,
} from './types.js'

// Block rules shared by the sequencer (which builds blocks) and every verifier that
// re-derives them from L1 (the prover, followers): any difference here is a root mismatch.

/** keccak(rlp([])) — every post-merge block's uncle hash. */
export const EMPTY_UNCLES_HASH: Hex =
  '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'
/** keccak(rlp("")) — the root of an empty list (no txs, no receipts, no withdrawals). */
export const EMPTY_TRIE_ROOT: Hex =
  '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`

/** EIP-1559 constants (Ethereum's: elasticity 2, max change 1/8 per block). */
export const ELASTICITY = 2n
export const BASE_FEE_CHANGE_DENOMINATOR = 8n

/** EIP-1559 base fee of the block after `parent`, never below `minBaseFee`. */
export function nextBaseFee(
  parent: Pick<BlockHeader, 'baseFeePerGas' | 'gasUsed' | 'gasLimit'>,
  minBaseFee: bigint,
): bigint {
  const target = parent.gasLimit / ELASTICITY
  const base = parent.baseFeePerGas
  let next = base
  if (target > 0n && parent.gasUsed > target) {
    const delta = (base * (parent.gasUsed - target)) / target / BASE_FEE_CHANGE_DENOMINATOR
    next = base + (delta > 1n ? delta : 1n)
  } else if (target > 0n && parent.gasUsed < target) {
    next = base - (base * (target - parent.gasUsed)) / target / BASE_FEE_CHANGE_DENOMINATOR
  }
  return next < minBaseFee ? minBaseFee : next
}

/**
 * Lanes' transactions root: keccak of the concatenated tx hashes (EMPTY_TRIE_ROOT for none).
 * Not Ethereum's Patricia root: building an MPT per block would cost more than executing
 * the transfers; the commitment is equally binding and documented in the README.
 */
export function transactionsRoot(txs: readonly L2Tx[]): Hex {
  if (txs.length === 0) return EMPTY_TRIE_ROOT
  const buf = Buffer.allocUnsafe(32 * txs.length)
  for (let i = 0; i < txs.length; i++) {
    const hash = txs[i]!.hash
    if (hash.length !== 66 || buf.write(hash.slice(2), 32 * i, 32, 'hex') !== 32)
      throw new TypeError(`bad tx hash ${hash}`)
  }
  return toHex(keccak256(buf))
}

/** rlp([status, cumulativeGasUsed, []]) of a receipt without logs is written here */
const receiptScratch = new Uint8Array(64)

/** keccak of the concatenated keccak(rlp([status, cumulativeGasUsed, logs])) of each receipt. */
export function receiptsRoot(receipts: readonly Receipt[]): Hex {
  if (receipts.length === 0) return EMPTY_TRIE_ROOT
  const buf = new Uint8Array(32 * receipts.length)
  for (let i = 0; i < receipts.length; i++) {
    const r = receipts[i]!
    // most receipts (transfers) have no logs: their encoding is spelled directly
    const leaf = r.logs.length === 0 ? receiptWithoutLogs(r) : receiptLeafRlp(r)
    buf.set(keccak256(leaf), 32 * i)
  }
  return toHex(keccak256(buf))
}

function receiptLeafRlp(r: Receipt): Uint8Array {
  const logs = r.logs.map((l) => [fromHex(l.address), l.topics.map(fromHex), fromHex(l.data)])
  return rlpEncode([rlpUint(r.status), rlpUint(r.cumulativeGasUsed), logs])
}

/** receiptLeafRlp for a receipt without logs, in receiptScratch (a view of it) */
function receiptWithoutLogs(r: Receipt): Uint8Array {
  const gas = r.cumulativeGasUsed
  if (gas < 0n || gas >= 1n << 256n) return receiptLeafRlp(r)
  const out = receiptScratch
  let p = 1
  out[p++] = r.status === 0 ? 0x80 : r.status
  if (gas === 0n) out[p++] = 0x80
  else if (gas < 0x80n) out[p++] = Number(gas)
  else {
    const bytes = rlpUint(gas)
    out[p++] = 0x80 + bytes.length
    out.set(bytes, p)
    p += bytes.length
  }
  out[p++] = 0xc0
  out[0] = 0xc0 + p - 1
  return out.subarray(0, p)
}

/**
 * geth's header RLP with post-merge constants; mixHash carries the L1 origin hash (as
 * rpc/format.ts shows it), so the block hash commits to the L1 origin. The deposit cursor
 * is implied by the deposit txs the block holds.
 */
/** The header as an RLP list (geth's field order, post-merge constants). */
export function headerFields(h: Omit<BlockHeader, 'hash'>): RlpItem[] {
  return [
    fromHex(h.parentHash),
    fromHex(EMPTY_UNCLES_HASH),
    fromHex(h.coinbase),
    fromHex(h.stateRoot),
    fromHex(h.transactionsRoot),
    fromHex(h.receiptsRoot),
    fromHex(h.logsBloom),
    rlpUint(0),
    rlpUint(h.number),
    rlpUint(h.gasLimit),
    rlpUint(h.gasUsed),
    rlpUint(h.timestamp),
    new Uint8Array(0),
    fromHex(h.l1OriginHash),
    new Uint8Array(8),
    rlpUint(h.baseFeePerGas),
    fromHex(EMPTY_TRIE_ROOT),
  ]
}

export function headerRlp(h: Omit<BlockHeader, 'hash'>): Uint8Array {
  return rlpEncode(headerFields(h))
}

export function blockHash(h: Omit<BlockHeader, 'hash'>): Hex {
  return keccak256Hex(headerRlp(h))
}

/** RLP size of [header, txs, [], []] (geth's `size`), without encoding the txs again. */
export function blockSize(h: Omit<BlockHeader, 'hash'>, txs: readonly L2Tx[]): number {
  const header = headerRlp(h).length
  let body = 0
  for (const tx of txs) {
    // typed txs and deposits are RLP strings holding the envelope; legacy txs are lists
    const len = tx.type === DEPOSIT_TX_TYPE ? 1 + 120 + tx.data.length : tx.raw.length
    body += tx.type === 0 ? len : rlpHeader(len, false).length + len
  }
  const txList = rlpHeader(body, true).length + body
  const payload = header + txList + 2
  return rlpHeader(payload, true).length + payload
}

/** Block 0: the genesis state, no txs, base fee = the minimum. */
export function genesisHeader(genesis: Genesis, stateRoot: Hex): BlockHeader {
  const fields = {
    number: 0n,
    parentHash: ZERO_HASH,
    timestamp: genesis.timestamp,
    stateRoot,
    transactionsRoot: EMPTY_TRIE_ROOT,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: `0x${'00'.repeat(256)}` as Hex,
    gasLimit: genesis.gasLimit,
    gasUsed: 0n,
    baseFeePerGas: genesis.minBaseFee,
    coinbase: genesis.feeVaults.priorityFee,
    l1OriginNumber: 0n,
    l1OriginHash: ZERO_HASH,
    depositCursor: 0n,
  }
  return { ...fields, hash: blockHash(fields) }
}

/** What decides the next block's env besides its parent: the chain's fixed parameters. */
export type ChainParams = {
  chainId: bigint
  gasLimit: bigint
  minBaseFee: bigint
  /** COINBASE of every block (the priority-fee vault) */
  coinbase: Address
}

/**
 * The env of the block after `parent`: the one rule the sequencer builds with and every
 * verifier re-derives with (base fee from the parent, prevRandao = L1 origin hash, L1 fee inputs).
 */
export function nextBlockEnv(
  parent: BlockHeader,
  timestamp: bigint,
  origin: L1Origin,
  chain: ChainParams,
  blockHash?: (n: bigint) => Hex | undefined,
): BlockEnv {
  return {
    number: parent.number + 1n,
    timestamp,
    gasLimit: chain.gasLimit,
    baseFeePerGas: nextBaseFee(parent, chain.minBaseFee),
    coinbase: chain.coinbase,
    chainId: chain.chainId,
    prevRandao: origin.hash,
    l1BaseFee: origin.baseFee,
    l1BlobBaseFee: origin.blobBaseFee,
    ...(blockHash ? { blockHash } : {}),
  }
}

/** The header of an executed block (its hash included). */
export function sealHeader(p: {
  parent: BlockHeader
  env: BlockEnv
  origin: Pick<L1Origin, 'number' | 'hash'>
  stateRoot: Hex
  txs: readonly L2Tx[]
  receipts: readonly Receipt[]
  logsBloom: Hex
  gasUsed: bigint
  depositCursor: bigint
}): BlockHeader {
  const fields = {
    number: p.env.number,
    parentHash: p.parent.hash,
    timestamp: p.env.timestamp,
    stateRoot: p.stateRoot,
    transactionsRoot: transactionsRoot(p.txs),
    receiptsRoot: receiptsRoot(p.receipts),
    logsBloom: p.logsBloom,
    gasLimit: p.env.gasLimit,
    gasUsed: p.gasUsed,
    baseFeePerGas: p.env.baseFeePerGas,
    coinbase: p.env.coinbase,
    l1OriginNumber: p.origin.number,
    l1OriginHash: p.origin.hash,
    depositCursor: p.depositCursor,
  }
  return { ...fields, hash: blockHash(fields) }
}

export function chainParams(genesis: Genesis): ChainParams {
  return {
    chainId: genesis.chainId,
    gasLimit: genesis.gasLimit,
    minBaseFee: genesis.minBaseFee,
    coinbase: genesis.feeVaults.priorityFee,
  }
}
