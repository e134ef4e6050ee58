import { LEAF_STRIDE, NODE_STRIDE } from './arena.js'
import { nativeKeccak } from './keccak-native.js'
import { createRawKeccak, type RawKeccak } from './keccak-wasm.js'
import { createKeccak65, KECCAK65_CHUNK, type Keccak65 } from './keccak65.js'

/**
 * A batch is applied in two phases: a structural pass decides which nodes change and writes
 * a post-order list of hash operations; this module runs them. Each op is three int32s:
 * (kind | depth << 1, source index, destination byte offset in the node slab).
 *   OP_NODE: keccak(0x01 ‖ nodes[src*64 .. +64]) → nodes[dst .. +32]   (node at `depth`)
 *   OP_LEAF: keccak(0x00 ‖ leaves[src*96 .. +64]) → leaves[src*96+64 ..] and nodes[dst .. +32]
 * Ops of disjoint subtrees touch disjoint bytes, so ranges can run on different threads.
 */
export const OP_NODE = 0
export const OP_LEAF = 1
export const opWord = (kind: number, depth: number): number => kind | (depth << 1)

/**
 * How the ops are hashed (README section 8); results are identical. 'batched': the native
 * addon when it is built, else the WebAssembly runner; 'wasm': the WebAssembly runner;
 * 'per-call': one hash-wasm call per op (the first implementation, for comparisons).
 */
export type HashingMode = 'batched' | 'wasm' | 'per-call'

/** Runs the ops of some ranges of a program; every op outside them must be done already. */
export interface OpRunner {
  /** Run prog ops [ranges[2r], ranges[2r+1]) for r < rangeCount. */
  run(
    nodes: Uint8Array,
    leaves: Uint8Array,
    prog: Int32Array,
    ranges: Int32Array | readonly number[],
    rangeCount: number,
  ): void
}

export function createOpRunner(mode: HashingMode = 'batched'): OpRunner {
  if (mode === 'per-call') {
    // one hash-wasm call per op, inputs and digests copied byte by byte (the first hasher)
    const k = createRawKeccak()
    return overRanges((nodes, leaves, prog, from, to) =>
      runOpsPerCall(k, nodes, leaves, prog, from, to),
    )
  }
  const native = nativeKeccak
  // the native addon runs the window logic below in C (native/keccak65.c), on the slabs
  if (mode === 'batched' && native) return overRanges(native.runOps)
  return new BatchedOpRunner()
}

type RangeFn = (
  nodes: Uint8Array,
  leaves: Uint8Array,
  prog: Int32Array,
  from: number,
  to: number,
) => void

function overRanges(fn: RangeFn): OpRunner {
  return {
    run(nodes, leaves, prog, ranges, rangeCount) {
      for (let r = 0; r < rangeCount; r++)
        fn(nodes, leaves, prog, ranges[2 * r]!, ranges[2 * r + 1]!)
    },
  }
}

function runOpsPerCall(
  k: RawKeccak,
  nodes: Uint8Array,
  leaves: Uint8Array,
  prog: Int32Array,
  from: number,
  to: number,
): void {
  const mem = k.mem
  const base = k.offset
  const inp = base + 1
  for (let t = from; t < to; t++) {
    const op = prog[3 * t]! & 1
    const src = prog[3 * t + 1]!
    const dst = prog[3 * t + 2]!
    if (op === OP_NODE) {
      mem[base] = 1
      const s = src * NODE_STRIDE
      for (let b = 0; b < 64; b++) mem[inp + b] = nodes[s + b]!
      k.hash(65)
      for (let b = 0; b < 32; b++) nodes[dst + b] = mem[base + b]!
    } else {
      mem[base] = 0
      const s = src * LEAF_STRIDE
      for (let b = 0; b < 64; b++) mem[inp + b] = leaves[s + b]!
      k.hash(65)
      for (let b = 0; b < 32; b++) {
        const x = mem[base + b]!
        nodes[dst + b] = x
        leaves[s + 64 + b] = x
      }
    }
  }
}

const BUCKETS = 257 // 0: leaves; 1 + (255 - depth): internal nodes, deepest first
const WINDOW = Math.min(1024, KECCAK65_CHUNK) // a window fits one keccak call per level

/**
 * Level by level: all leaf ops first, then the internal nodes depth by depth from the bottom
 * (a node depends only on deeper nodes and leaves), each level hashed by one call of the
 * batched keccak (keccak65.ts) per KECCAK65_CHUNK ops. Inputs and digests move as int32s
 * (all offsets are multiples of 32 bytes).
 */
class BatchedOpRunner implements OpRunner {
  private readonly k: Keccak65 = createKeccak65()
  private readonly order = new Int32Array(WINDOW)
  private readonly start = new Int32Array(BUCKETS + 1)
  private nodes32: Int32Array = new Int32Array(0)
  private leaves32: Int32Array = new Int32Array(0)

  run(
    nodes: Uint8Array,
    leaves: Uint8Array,
    prog: Int32Array,
    ranges: Int32Array | readonly number[],
    rangeCount: number,
  ): void {
    if (this.nodes32.buffer !== nodes.buffer || this.nodes32.length * 4 !== nodes.length)
      this.nodes32 = new Int32Array(nodes.buffer, nodes.byteOffset, nodes.length >> 2)
    if (this.leaves32.buffer !== leaves.buffer || this.leaves32.length * 4 !== leaves.length)
      this.leaves32 = new Int32Array(leaves.buffer, leaves.byteOffset, leaves.length >> 2)
    // windows of consecutive ops: post-order keeps a window inside a few small subtrees, so
    // their slab bytes stay in cache; sorting a whole batch by level instead was measured
    // slower (every level walks the whole 100+ MB slab again)
    for (let r = 0; r < rangeCount; r++) {
      const to = ranges[2 * r + 1]!
      for (let t = ranges[2 * r]!; t < to; t += WINDOW)
        this.window(prog, t, Math.min(to, t + WINDOW))
    }
  }

  /** Ops [from, to) in dependency order: leaves, then nodes deepest first. */
  private window(prog: Int32Array, from: number, to: number): void {
    const start = this.start
    start.fill(0)
    let lo = BUCKETS
    let hi = 0
    for (let t = from; t < to; t++) {
      const w = prog[3 * t]!
      const b = (w & 1) === OP_LEAF ? 0 : 1 + 255 - (w >> 1)
      if (b < lo) lo = b
      if (b >= hi) hi = b + 1
      start[b]!++
    }
    let acc = 0
    for (let b = lo; b < hi; b++) {
      const c = start[b]!
      start[b] = acc
      acc += c
    }
    const order = this.order
    for (let t = from; t < to; t++) {
      const w = prog[3 * t]!
      order[start[(w & 1) === OP_LEAF ? 0 : 1 + 255 - (w >> 1)]!++] = t
    }
    // start[b] is now the end of bucket b
    let at = 0
    for (let b = lo; b < hi; b++) {
      const end = start[b]!
      if (end === at) continue
      if (b === 0) this.leafChunk(prog, at, end - at)
      else this.nodeChunk(prog, at, end - at)
      at = end
    }
  }

  private nodeChunk(prog: Int32Array, from: number, n: number): void {
    const { input32, output32 } = this.k
    const order = this.order
    const nodes32 = this.nodes32
    for (let u = 0; u < n; u++) {
      const s = prog[3 * order[from + u]! + 1]! * (NODE_STRIDE >> 2)
      const o = u * 16
      for (let w = 0; w < 16; w++) input32[o + w] = nodes32[s + w]!
    }
    this.k.run(n, 1)
    for (let u = 0; u < n; u++) {
      const d = prog[3 * order[from + u]! + 2]! >> 2
      const o = u * 8
      for (let w = 0; w < 8; w++) nodes32[d + w] = output32[o + w]!
    }
  }

  private leafChunk(prog: Int32Array, from: number, n: number): void {
    const { input32, output32 } = this.k
    const order = this.order
    const leaves32 = this.leaves32
    const nodes32 = this.nodes32
    for (let u = 0; u < n; u++) {
      const s = prog[3 * order[from + u]! + 1]! * (LEAF_STRIDE >> 2)
      const o = u * 16
      for (let w = 0; w < 16; w++) input32[o + w] = leaves32[s + w]!
    }
    this.k.run(n, 0)
    for (let u = 0; u < n; u++) {
      const t = order[from + u]!
      const s = prog[3 * t + 1]! * (LEAF_STRIDE >> 2) + 16
      const d = prog[3 * t + 2]! >> 2
      const o = u * 8
      for (let w = 0; w < 8; w++) {
        const x = output32[o + w]!
        nodes32[d + w] = x
        leaves32[s + w] = x
      }
    }
  }
}
