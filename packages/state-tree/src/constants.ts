import type { Hex } from '@lanes/core'

/** The hash of an empty subtree and the "absent" value: 32 zero bytes. */
export const EMPTY_HASH: Hex = '0x0000000000000000000000000000000000000000000000000000000000000000'
export const LEAF_PREFIX = 0x00
export const NODE_PREFIX = 0x01
export const TREE_DEPTH = 256
