import {
  type BlockHeader,
  type Genesis,
  genesisToDiff,
  type Hex,
  LanesError,
  toHex,
} from '@lanes/core'
import {
  accountKey,
  accountValue,
  type Leaf,
  referenceRoot,
  storageKey,
  storageValue,
} from '@lanes/state-tree'
import type { Store } from '../store/store.js'
import type { WorldStatePort } from '../store/world-state.js'
import { blockHash, blockSize, EMPTY_TRIE_ROOT, ZERO_HASH } from './header.js'

export class GenesisMismatchError extends LanesError {
  override name = 'GenesisMismatchError'
  constructor(what: string, stored: string, configured: string) {
    super(
      `genesis mismatch: the database's ${what} is ${stored}, the configured genesis gives ${configured}`,
      {
        metaMessages: ['Use the genesis file this database was created with, or a new --data-dir.'],
      },
    )
  }
}

/** The genesis state root, computed with the state-tree reference implementation. */
export function genesisStateRoot(genesis: Genesis): Hex {
  const diff = genesisToDiff(genesis)
  const leaves: Leaf[] = []
  for (const [a, acct] of diff.accounts)
    if (acct) leaves.push({ key: accountKey(a), value: accountValue(acct) })
  for (const [a, slots] of diff.storage)
    for (const [s, v] of slots) {
      const value = storageValue(v)
      if (value) leaves.push({ key: storageKey(a, s), value })
    }
  return toHex(referenceRoot(leaves))
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

/**
 * An empty database gets the genesis state as tree version 0 and block 0, in one
 * transaction. A database that has a block 0 must match the configured genesis (state root
 * and block hash), else GenesisMismatchError.
 */
export function initGenesis(store: Store, state: WorldStatePort, genesis: Genesis): BlockHeader {
  const stored = store.header(0n)
  const root = genesisStateRoot(genesis)
  const expected = genesisHeader(genesis, root)
  if (stored) {
    if (stored.stateRoot !== root)
      throw new GenesisMismatchError('state root', stored.stateRoot, root)
    if (stored.hash !== expected.hash)
      throw new GenesisMismatchError('genesis block hash', stored.hash, expected.hash)
    const chainId = store.getMeta('chainId')
    if (chainId !== undefined && chainId !== String(genesis.chainId))
      throw new GenesisMismatchError('chain id', chainId, String(genesis.chainId))
    return stored
  }
  if (store.head()) throw new LanesError('database has blocks but no block 0')
  store.transaction(() => {
    const applied = state.applyDiff(0n, genesisToDiff(genesis))
    if (applied !== root)
      throw new GenesisMismatchError('state tree root of the genesis', applied, root)
    store.insertBlock({ header: expected, txs: [], receipts: [], size: blockSize(expected, []) })
    store.setMeta('chainId', String(genesis.chainId))
    store.setMeta('genesisRoot', root)
  })
  return expected
}
