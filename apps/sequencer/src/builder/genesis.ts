import {
  type BlockHeader,
  blockSize,
  type Genesis,
  genesisHeader,
  genesisToDiff,
  LanesError,
} from '@lanes/core'
import { genesisStateRoot } from '@lanes/state-tree'
import type { Store } from '../store/store.js'
import type { WorldStatePort } from '../store/world-state.js'

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

export { genesisHeader } from '@lanes/core'
export { genesisStateRoot } from '@lanes/state-tree'

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
