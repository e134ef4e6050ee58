/** Slots of the shared control array between WorkerHasher and its workers. */
export const C_GEN = 0
export const C_NEXT = 1
export const C_DONE = 2
export const C_SEGCOUNT = 3
export const C_BUFGEN = 4
export const C_STOP = 5
export const C_SIZE = 8

/** The shared buffers a batch hashes in; re-sent when the engine grows one. */
export interface HashBuffers {
  gen: number
  nodes: SharedArrayBuffer
  leaves: SharedArrayBuffer
  prog: SharedArrayBuffer
  segs: SharedArrayBuffer
}
