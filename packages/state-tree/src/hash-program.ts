import { LEAF_STRIDE, NODE_STRIDE } from './arena.js'
import type { RawKeccak } from './keccak-wasm.js'

/**
 * A batch is applied in two phases: a structural pass decides which nodes change and writes
 * a post-order list of hash operations; this module runs them. Each op is three int32s:
 * (kind, source index, destination byte offset in the node slab).
 *   OP_NODE: keccak(0x01 ‖ nodes[src*64 .. +64]) → nodes[dst .. +32]
 *   OP_LEAF: keccak(0x00 ‖ leaves[src*96 .. +64]) → leaves[src*96+64 ..] and nodes[dst .. +32]
 * Ops of disjoint subtrees touch disjoint bytes, so ranges can run on different threads.
 */
export const OP_NODE = 0
export const OP_LEAF = 1

export function runOps(
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
    const op = prog[3 * t]!
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
