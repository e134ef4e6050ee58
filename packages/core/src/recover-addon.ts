import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** Packed input per item: signingHash(32) ‖ r(32) ‖ s(32) ‖ yParity(1). */
export const RECOVERY_ITEM_BYTES = 97
/** Packed output per item: ok(1) ‖ address(20). */
export const RECOVERY_OUT_BYTES = 21

/** The addon built from native/recover.c (see native/build.mjs). */
export interface RecoverAddon {
  /**
   * Recovers items [0, n) of `input` into `output` (packed as above; invalid items get ok 0
   * and a zero address) with geth's signature-value checks; returns how many were valid.
   */
  recoverBatch(input: Uint8Array, output: Uint8Array, n: number): number
}

const ADDON = new URL('../native/build/recover.node', import.meta.url)
const STATUS = new URL('../native/build/status.txt', import.meta.url)

function load(): { addon: RecoverAddon | null; why: string } {
  const forced = process.env.LANES_SECP256K1
  if (forced === 'noble' || forced === 'package')
    return { addon: null, why: `LANES_SECP256K1=${forced}` }
  try {
    return {
      addon: createRequire(import.meta.url)(fileURLToPath(ADDON)) as RecoverAddon,
      why: 'loaded',
    }
  } catch (error) {
    let status: string
    try {
      status = readFileSync(STATUS, 'utf8').trim()
    } catch {
      status = 'never built (run `npm rebuild @lanes/core`)'
    }
    return { addon: null, why: `${status}; ${(error as Error).message.split('\n')[0]}` }
  }
}

const loaded = load()

/** Our libsecp256k1 0.2.0 addon, or null when it is not built or LANES_SECP256K1 says so. */
export const recoverAddon: RecoverAddon | null = loaded.addon

/** Why the addon is or is not in use (for logs, tests and the benchmark). */
export const recoverAddonStatus: string = loaded.why
