import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/**
 * hash-wasm's Keccak WebAssembly module driven directly: input is written into the module's
 * own buffer and the digest read from it, so hashing allocates nothing. hash-wasm's public
 * hasher (`keccak256` in @lanes/core) allocates a result array per call, which at ~10 hashes
 * per leaf update is what limited earlier prototypes. The module is the same code, so results
 * are identical (checked by tests against @lanes/core and @noble/hashes).
 */
export interface RawKeccak {
  /** The module's memory; input at `offset`, digest written back at `offset` (first 32 bytes). */
  readonly mem: Uint8Array
  readonly offset: number
  /** keccak-256 of mem[offset .. offset+length), digest into mem[offset .. offset+32). */
  hash(length: number): void
}

// Minimal typing: the project's lib setting (ES2023, no DOM) does not declare WebAssembly.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

type KeccakExports = {
  memory: { buffer: ArrayBuffer }
  Hash_GetBuffer: () => number
  Hash_Calculate: (length: number, bits: number, padding: number) => void
}

let wasmModule: object | undefined

function loadModule(): object {
  if (wasmModule) return wasmModule
  const require = createRequire(import.meta.url)
  const umd = require.resolve('hash-wasm')
  const esm = umd.replace(/index\.umd\.js$/, 'index.esm.js')
  const src = readFileSync(esm, 'utf8')
  const m = /"sha3";\s*var data\$\w+ = "([A-Za-z0-9+/=]+)"/.exec(src)
  if (!m?.[1]) throw new Error('hash-wasm layout changed: sha3 WebAssembly not found')
  wasmModule = new WA.Module(Buffer.from(m[1], 'base64'))
  return wasmModule
}

/** A fresh instance (one per thread; instances are cheap, ~100 KB). */
export function createRawKeccak(): RawKeccak {
  const instance = new WA.Instance(loadModule(), {})
  const ex = instance.exports as unknown as KeccakExports
  const offset = ex.Hash_GetBuffer()
  const mem = new Uint8Array(ex.memory.buffer)
  const calc = ex.Hash_Calculate
  return {
    mem,
    offset,
    // 0x01 is Keccak padding (0x06 would be SHA3-256).
    hash: (length: number) => calc(length, 256, 0x01),
  }
}
