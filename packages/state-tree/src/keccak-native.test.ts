import { keccak256Reference } from '@lanes/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LEAF_STRIDE, NODE_STRIDE } from './arena.js'
import { OP_LEAF, OP_NODE, opWord } from './hash-program.js'
import { keccakBackend, nativeKeccak, nativeKeccakStatus } from './keccak-native.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const reference = (prefix: number, data: Uint8Array) =>
  hex(keccak256Reference(new Uint8Array([prefix, ...data]))) // @noble/hashes

// The addon is built by `npm ci` (native/build.mjs) wherever a C compiler and Node's headers
// exist, as on every machine this project's CI runs on; only LANES_KECCAK=wasm turns it off.
const wanted = process.env.LANES_KECCAK !== 'wasm'

describe('native keccak of 65-byte messages', () => {
  it('is built and loaded (else: install gcc, then `npm rebuild @lanes/state-tree`)', () => {
    if (!wanted) return
    expect(nativeKeccakStatus).toBe('loaded')
    expect(keccakBackend()).toMatch(/^native-/)
  })

  const k = nativeKeccak
  const impls = k ? Array.from({ length: k.bestImpl() }, (_, i) => i + 1) : []

  it.each(impls)('implementation %i matches @noble/hashes for any count and prefix', (impl) => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 64, maxLength: 64 }), { minLength: 0, maxLength: 19 }),
        fc.integer({ min: 0, max: 255 }),
        (inputs, prefix) => {
          const input = new Uint8Array(inputs.length * 64)
          for (const [t, d] of inputs.entries()) input.set(d, t * 64)
          const output = new Uint8Array(inputs.length * 32)
          k!.hash65(input, output, inputs.length, prefix, impl)
          inputs.forEach((d, t) => {
            expect(hex(output.subarray(t * 32, t * 32 + 32))).toBe(reference(prefix, d))
          })
        },
      ),
      { numRuns: 150 },
    )
  })

  it.each(impls)('implementation %i runs a hash program on the slabs', (impl) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2100 }), fc.integer(), (n, seed) => {
        // n independent ops, leaves and nodes mixed, at scattered depths and slots
        const nodes = new Uint8Array(new SharedArrayBuffer((2 * n + 1) * NODE_STRIDE))
        const leaves = new Uint8Array(new SharedArrayBuffer(n * LEAF_STRIDE))
        for (let i = 0; i < nodes.length; i++) nodes[i] = (i * 31 + seed) & 255
        for (let i = 0; i < leaves.length; i++) leaves[i] = (i * 17 + seed) & 255
        const inputs = nodes.slice()
        const leafInputs = leaves.slice()
        const prog = new Int32Array(3 * n)
        for (let t = 0; t < n; t++) {
          const leaf = (t * 7 + seed) % 3 === 0
          const depth = (t * 13 + seed) & 255
          prog[3 * t] = opWord(leaf ? OP_LEAF : OP_NODE, depth)
          prog[3 * t + 1] = t
          prog[3 * t + 2] = (n + 1 + t) * NODE_STRIDE // writes go above every node read
        }
        k!.runOps(nodes, leaves, prog, 0, n, impl)
        for (let t = 0; t < n; t += 1 + (t % 5)) {
          const leaf = prog[3 * t]! & 1
          const src = leaf
            ? leafInputs.subarray(t * LEAF_STRIDE, t * LEAF_STRIDE + 64)
            : inputs.subarray(t * NODE_STRIDE, t * NODE_STRIDE + 64)
          const d = (n + 1 + t) * NODE_STRIDE
          const want = reference(leaf ? 0 : 1, src)
          expect(hex(nodes.subarray(d, d + 32))).toBe(want)
          if (leaf) {
            const at = t * LEAF_STRIDE + 64
            expect(hex(leaves.subarray(at, at + 32))).toBe(want)
          }
        }
      }),
      { numRuns: 25 },
    )
  })

  it('refuses bad arguments and ops outside the slabs with a TypeError, writing nothing', () => {
    if (!k) return
    const nodes = new Uint8Array(4 * NODE_STRIDE)
    const leaves = new Uint8Array(LEAF_STRIDE)
    const before = nodes.slice()
    const prog = Int32Array.of(
      opWord(OP_NODE, 3),
      0,
      2 * NODE_STRIDE,
      opWord(OP_NODE, 3),
      0,
      4 * NODE_STRIDE,
    )
    expect(() => k.runOps(nodes, leaves, prog, 0, 2)).toThrow(TypeError)
    expect(nodes).toEqual(before)
    expect(() => k.runOps(nodes, leaves, prog, 0, 3)).toThrow(TypeError)
    expect(() => k.runOps(nodes, leaves, prog, -1, 1)).toThrow(TypeError)
    expect(() => k.runOps(nodes, leaves, Int32Array.of(opWord(OP_LEAF, 0), 1, 0), 0, 1)).toThrow(
      TypeError,
    )
    expect(() => k.hash65(new Uint8Array(64), new Uint8Array(31), 1, 0)).toThrow(TypeError)
    expect(() => k.hash65(new Uint8Array(64), new Uint8Array(32), 1, 256)).toThrow(TypeError)
    expect(() => k.hash65(new Uint8Array(64), new Uint8Array(32), 1, 0, 9)).toThrow(TypeError)
    expect(() => (k.hash65 as (...a: unknown[]) => void)('x', 1)).toThrow(TypeError)
  })
})
