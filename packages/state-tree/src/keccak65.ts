import { keccak65Module } from './keccak65-wasm-gen.js'

// Minimal typing: the project's lib setting (ES2023, no DOM) does not declare WebAssembly.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

type Exports = {
  memory: { buffer: ArrayBuffer }
  hash65: (n: number, inp: number, out: number, prefix: number) => void
}

/** Messages hashed per call at most (inputs 64 B each, digests 32 B each). */
export const KECCAK65_CHUNK = 4096
const IN = 64
const OUT = IN + KECCAK65_CHUNK * 64
const PAGES = Math.ceil((OUT + (KECCAK65_CHUNK + 1) * 32) / 65536)

/**
 * Batched keccak256 of 65-byte messages (prefix byte ‖ 64 bytes), README section 3. Write up
 * to KECCAK65_CHUNK inputs of 64 bytes at `input` (i32 view: `input32`, 16 words each), call
 * `run(n, prefix)`, read n digests of 32 bytes at `output` (`output32`, 8 words each).
 */
export interface Keccak65 {
  readonly input: Uint8Array
  readonly input32: Int32Array
  readonly output: Uint8Array
  readonly output32: Int32Array
  run(n: number, prefix: number): void
}

let compiled: object | undefined

/** A fresh instance (one per thread). */
export function createKeccak65(): Keccak65 {
  compiled ??= new WA.Module(keccak65Module(PAGES))
  const ex = new WA.Instance(compiled, {}).exports as Exports
  const buf = ex.memory.buffer
  const hash = ex.hash65
  return {
    input: new Uint8Array(buf, IN, KECCAK65_CHUNK * 64),
    input32: new Int32Array(buf, IN, KECCAK65_CHUNK * 16),
    output: new Uint8Array(buf, OUT, KECCAK65_CHUNK * 32),
    output32: new Int32Array(buf, OUT, KECCAK65_CHUNK * 8),
    run: (n: number, prefix: number) => hash(n, IN, OUT, prefix),
  }
}

/** keccak256(prefix ‖ data) for one 64-byte `data` (allocating; for tests and tools). */
export function keccak65(k: Keccak65, prefix: number, data: Uint8Array): Uint8Array {
  k.input.set(data.subarray(0, 64))
  k.run(1, prefix)
  return k.output.slice(0, 32)
}
