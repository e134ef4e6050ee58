import { type Genesis, genesisToDiff, type Hex, toHex } from '@lanes/core'
import { accountKey, accountValue, storageKey, storageValue } from './keys.js'
import { type Leaf, referenceRoot } from './reference.js'

/**
 * The genesis state root, from the reference implementation (independent of any node
 * store): what the Rollup contract is deployed with and every node must reproduce.
 */
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
