/**
 * The latest version of the tree in memory: fixed-stride slabs instead of objects, so a tree
 * of millions of nodes costs the GC nothing. Hash slabs live in SharedArrayBuffers so hashing
 * workers can read and write them in place.
 *
 * Internal node i: nodes[i*64 .. +64] = left hash ‖ right hash (the node's hash preimage
 * without the prefix byte); left[i]/right[i] = child refs; nodeVersion[i] = version of its row.
 * Node 0 is a sentinel whose left slot holds the root hash and whose left ref is the root.
 *
 * Leaf j: leaves[j*96 .. +96] = key ‖ value ‖ leaf hash; leafVersion[j] = version of its row
 * (-1: not stored yet), leafDepth[j] = depth of its row, leafDirty[j] = value changed this batch.
 */
export const EMPTY = -1
export const UNLOADED = -2
/** Leaf refs are ≤ -3. */
export const leafRef = (j: number): number => -3 - j
export const leafOf = (ref: number): number => -3 - ref
export const isLeafRef = (ref: number): boolean => ref <= -3

export const NODE_STRIDE = 64
export const LEAF_STRIDE = 96

function growShared(old: Uint8Array<ArrayBufferLike>, bytes: number): Uint8Array<ArrayBufferLike> {
  const next = new Uint8Array(new SharedArrayBuffer(bytes))
  next.set(old)
  return next
}

function growTyped<T extends Int32Array | Float64Array | Int16Array | Uint8Array>(
  old: T,
  n: number,
  fill: number,
): T {
  const C = old.constructor as new (n: number) => T
  const next = new C(n)
  next.set(old as never)
  if (fill !== 0) next.fill(fill, old.length)
  return next
}

export class Arena {
  nodes: Uint8Array<ArrayBufferLike>
  left: Int32Array<ArrayBufferLike>
  right: Int32Array<ArrayBufferLike>
  nodeVersion: Float64Array<ArrayBufferLike>
  /** Last use of node i (the `clock` then): the LRU order of cache eviction. */
  touch: Float64Array<ArrayBufferLike>
  /** Bumped once per tree operation. */
  clock = 0
  nodeCap: number
  private nodeFree: Int32Array<ArrayBufferLike>
  private nodeFreeTop = 0
  private nodeTop = 1
  liveNodes = 0

  leaves: Uint8Array<ArrayBufferLike>
  leafVersion: Float64Array<ArrayBufferLike>
  leafDepth: Int16Array<ArrayBufferLike>
  leafDirty: Uint8Array<ArrayBufferLike>
  leafCap: number
  private leafFree: Int32Array<ArrayBufferLike>
  private leafFreeTop = 0
  private leafTop = 0
  liveLeaves = 0
  /** Bumped whenever a shared slab is replaced (workers re-fetch their views). */
  generation = 0

  constructor(nodeCap = 1024, leafCap = 1024) {
    this.nodeCap = nodeCap
    this.nodes = new Uint8Array(new SharedArrayBuffer(nodeCap * NODE_STRIDE))
    this.left = new Int32Array(nodeCap).fill(EMPTY)
    this.right = new Int32Array(nodeCap).fill(EMPTY)
    this.nodeVersion = new Float64Array(nodeCap)
    this.touch = new Float64Array(nodeCap)
    this.nodeFree = new Int32Array(64)
    this.leafCap = leafCap
    this.leaves = new Uint8Array(new SharedArrayBuffer(leafCap * LEAF_STRIDE))
    this.leafVersion = new Float64Array(leafCap).fill(-1)
    this.leafDepth = new Int16Array(leafCap)
    this.leafDirty = new Uint8Array(leafCap)
    this.leafFree = new Int32Array(64)
  }

  allocNode(version: number): number {
    let i: number
    if (this.nodeFreeTop > 0) i = this.nodeFree[--this.nodeFreeTop]!
    else {
      if (this.nodeTop === this.nodeCap) this.growNodes()
      i = this.nodeTop++
    }
    this.left[i] = EMPTY
    this.right[i] = EMPTY
    this.nodeVersion[i] = version
    this.touch[i] = this.clock
    this.nodes.fill(0, i * NODE_STRIDE, i * NODE_STRIDE + NODE_STRIDE)
    this.liveNodes++
    return i
  }

  freeNode(i: number): void {
    if (this.nodeFreeTop === this.nodeFree.length)
      this.nodeFree = growTyped(this.nodeFree, this.nodeFree.length * 2, 0)
    this.nodeFree[this.nodeFreeTop++] = i
    this.liveNodes--
  }

  allocLeaf(): number {
    let j: number
    if (this.leafFreeTop > 0) j = this.leafFree[--this.leafFreeTop]!
    else {
      if (this.leafTop === this.leafCap) this.growLeaves()
      j = this.leafTop++
    }
    this.leafVersion[j] = -1
    this.leafDepth[j] = 0
    this.leafDirty[j] = 1
    this.liveLeaves++
    return j
  }

  freeLeaf(j: number): void {
    if (this.leafFreeTop === this.leafFree.length)
      this.leafFree = growTyped(this.leafFree, this.leafFree.length * 2, 0)
    this.leafFree[this.leafFreeTop++] = j
    this.liveLeaves--
  }

  /** Make room for `n` more nodes and leaves up front (one growth instead of many). */
  reserve(nodes: number, leaves: number): void {
    while (this.nodeTop + nodes > this.nodeCap) this.growNodes()
    while (this.leafTop + leaves > this.leafCap) this.growLeaves()
  }

  private growNodes(): void {
    const cap = this.nodeCap * 2
    this.nodes = growShared(this.nodes, cap * NODE_STRIDE)
    this.left = growTyped(this.left, cap, EMPTY)
    this.right = growTyped(this.right, cap, EMPTY)
    this.nodeVersion = growTyped(this.nodeVersion, cap, 0)
    this.touch = growTyped(this.touch, cap, 0)
    this.nodeCap = cap
    this.generation++
  }

  private growLeaves(): void {
    const cap = this.leafCap * 2
    this.leaves = growShared(this.leaves, cap * LEAF_STRIDE)
    this.leafVersion = growTyped(this.leafVersion, cap, -1)
    this.leafDepth = growTyped(this.leafDepth, cap, 0)
    this.leafDirty = growTyped(this.leafDirty, cap, 0)
    this.leafCap = cap
    this.generation++
  }

  /** Forget everything (used when the store's latest version is reloaded lazily). */
  reset(): void {
    this.nodeTop = 1
    this.nodeFreeTop = 0
    this.leafTop = 0
    this.leafFreeTop = 0
    this.liveNodes = 0
    this.liveLeaves = 0
    this.left[0] = EMPTY
    this.right[0] = EMPTY
    this.nodes.fill(0, 0, NODE_STRIDE)
  }
}
