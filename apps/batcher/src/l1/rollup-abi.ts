import { parseAbi } from 'viem'

/**
 * The part of packages/contracts' IRollup the batcher uses, kept here so the
 * batcher type-checks on its own; it must match IRollup.sol.
 */
export const batcherRollupAbi = parseAbi([
  'struct BatchCommitment { uint64 batchIndex; bytes32 parentStateRoot; bytes32 postStateRoot; uint64 firstBlock; uint64 lastBlock; uint64 depositCursor; bytes32 depositQueueHash; }',
  'function commitBatch(BatchCommitment c, bytes data)',
  'function commitBatchBlobs(BatchCommitment c, uint256 blobCount)',
  'function nextBatchIndex() view returns (uint64)',
  'function lastCommittedBlock() view returns (uint64)',
  'function lastDepositCursor() view returns (uint64)',
  'function genesisStateRoot() view returns (bytes32)',
  'function postStateRootOf(uint64 index) view returns (bytes32)',
  'function depositQueueHashAt(uint64 index) view returns (bytes32)',
  'event BatchCommitted(uint64 indexed batchIndex, bytes32 parentStateRoot, bytes32 postStateRoot, uint64 firstBlock, uint64 lastBlock, uint64 depositCursor, bytes32 dataHash, uint8 daMode, bytes32[] blobHashes)',
])
