// The block rules live in @lanes/core so the prover and followers derive identical headers.
export {
  BASE_FEE_CHANGE_DENOMINATOR,
  blockHash,
  blockSize,
  ELASTICITY,
  EMPTY_TRIE_ROOT,
  EMPTY_UNCLES_HASH,
  headerRlp,
  nextBaseFee,
  receiptsRoot,
  transactionsRoot,
  ZERO_HASH,
} from '@lanes/core'
