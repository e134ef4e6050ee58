import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** The addon built from native/keccak65.c (see native/build.mjs). */
export interface NativeKeccak {
  /** keccak256(prefix ‖ input[64t .. 64t+64)) → output[32t .. 32t+32) for t < n */
  hash65(input: Uint8Array, output: Uint8Array, n: number, prefix: number, impl?: number): void
  /** runs ops [from, to) of a hash program (hash-program.ts) on the slabs */
  runOps(
    nodes: Uint8Array,
    leaves: Uint8Array,
    prog: Int32Array,
    from: number,
    to: number,
    impl?: number,
  ): void
  /** the fastest implementation this CPU runs: 1 portable C, 2 AVX2, 3 AVX-512 */
  bestImpl(): number
}

export const NATIVE_IMPLS = ['portable', 'avx2', 'avx512'] as const
export type KeccakBackend = `native-${(typeof NATIVE_IMPLS)[number]}` | 'wasm'

const ADDON = new URL('../native/build/keccak65.node', import.meta.url)
const STATUS = new URL('../native/build/status.txt', import.meta.url)

function load(): { addon: NativeKeccak | null; why: string } {
  if (process.env.LANES_KECCAK === 'wasm') return { addon: null, why: 'LANES_KECCAK=wasm' }
  try {
    return {
      addon: createRequire(import.meta.url)(fileURLToPath(ADDON)) as NativeKeccak,
      why: 'loaded',
    }
  } catch (error) {
    let status = ''
    try {
      status = readFileSync(STATUS, 'utf8').trim()
    } catch {
      status = 'never built (run `npm rebuild @lanes/state-tree`)'
    }
    return { addon: null, why: `${status}; ${(error as Error).message.split('\n')[0]}` }
  }
}

const loaded = load()

/** The native keccak, or null when it is not built or LANES_KECCAK=wasm. */
export const nativeKeccak: NativeKeccak | null = loaded.addon

/** Why the native keccak is or is not in use (for logs and the benchmark). */
export const nativeKeccakStatus: string = loaded.why

/** What the tree hashes with by default. */
export function keccakBackend(): KeccakBackend {
  if (!nativeKeccak) return 'wasm'
  return `native-${NATIVE_IMPLS[nativeKeccak.bestImpl() - 1]!}`
}
