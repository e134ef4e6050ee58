export * from './constants.js'
export type { SegmentHasher } from './engine.js'
export * from './errors.js'
export type { FlatState } from './flat-state.js'
export { genesisStateRoot } from './genesis-root.js'
export type { HashingMode } from './hash-program.js'
export { leafHash, nodeHash } from './hashes.js'
export { type KeccakBackend, keccakBackend, nativeKeccakStatus } from './keccak-native.js'
export * from './keys.js'
export { LatestOnlyNodeStore } from './latest-only-node-store.js'
export { MemoryFlatState } from './memory-flat-state.js'
export { MemoryNodeStore } from './memory-node-store.js'
export type { NodeStore, StoredNode, StoredRoot, VersionWrite } from './node-store.js'
export { type OpenDatabaseOptions, openDatabase } from './open-database.js'
export * from './proof.js'
export { type Leaf, referenceProof, referenceRoot } from './reference.js'
export { SqliteFlatState } from './sqlite-flat-state.js'
export { SqliteNodeStore } from './sqlite-node-store.js'
export {
  type CacheOptions,
  type LeafUpdate,
  SparseMerkleTree,
  type SparseMerkleTreeOptions,
} from './tree.js'
export * from './verify.js'
export { WorkerHasher, type WorkerHasherOptions } from './worker-hasher.js'
export {
  type AccountProof,
  clearDeletedStorage,
  diffToBatch,
  type StorageProof,
  WorldState,
  type WorldStateOptions,
} from './world-state.js'
