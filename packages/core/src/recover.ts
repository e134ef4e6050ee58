import { createRequire } from 'node:module'
import { isMainThread } from 'node:worker_threads'
import { secp256k1 as nobleSecp256k1 } from '@noble/curves/secp256k1.js'
import { SECP256K1_HALF_N, SECP256K1_N } from './decode.js'
import type { Address } from './hex.js'
import { toHex } from './hex.js'
import { keccak256 } from './keccak.js'
import {
  RECOVERY_ITEM_BYTES,
  RECOVERY_OUT_BYTES,
  recoverAddon,
  recoverAddonStatus,
} from './recover-addon.js'
import { InvalidSenderError } from './tx-errors.js'

/** What sender recovery needs from a transaction (a SignedTx has all of it). */
export type RecoveryItem = {
  signingHash: Uint8Array
  r: bigint
  s: bigint
  yParity: 0 | 1
}

/**
 * addon: our build of libsecp256k1 0.2.0 (native/recover.c), whole chunks per call;
 * native: the `secp256k1` package's prebuilt 2019 libsecp256k1, one call per item;
 * noble: @noble/curves, pure JS (viem's path), ~20x slower.
 */
export type RecoveryBackend = 'addon' | 'native' | 'noble'

type NativeSecp256k1 = {
  ecdsaRecover(
    sig: Uint8Array,
    recid: number,
    msg32: Uint8Array,
    compressed: boolean,
    output?: Uint8Array,
  ): Uint8Array
}

let native: NativeSecp256k1 | null | undefined

/**
 * The native libsecp256k1 binding, or null. `secp256k1`'s index silently falls back to
 * pure-JS elliptic (slower than noble), so we load its native entry point directly.
 * LANES_SECP256K1=noble forces the fallback (for tests and comparison).
 */
function loadNative(): NativeSecp256k1 | null {
  if (native !== undefined) return native
  if (process.env.LANES_SECP256K1 === 'noble') {
    native = null
    return native
  }
  try {
    const require = createRequire(import.meta.url)
    native = require('secp256k1/bindings.js') as NativeSecp256k1
  } catch (error) {
    native = null
    // Workers stay quiet: the pool's owner already warned once for the process.
    if (isMainThread)
      console.warn(
        `[lanes] native secp256k1 unavailable (${(error as Error).message.split('\n')[0]}); ` +
          'falling back to @noble/curves, sender recovery will be ~20x slower',
      )
  }
  return native
}

let warnedAddon = false

/**
 * Which implementation recovery uses in this thread (loads it on first call).
 * LANES_SECP256K1=package skips our addon, =noble both native libraries.
 */
export function recoveryBackend(): RecoveryBackend {
  if (recoverAddon) return 'addon'
  if (isMainThread && !warnedAddon && process.env.LANES_SECP256K1 === undefined) {
    warnedAddon = true
    console.warn(
      `[lanes] sender-recovery addon unavailable (${recoverAddonStatus}); using the ` +
        "secp256k1 package's library, recovery will be ~1.4x slower. To fix: install a C " +
        'compiler, then run `npm rebuild @lanes/core`',
    )
  }
  return loadNative() ? 'native' : 'noble'
}

const HALF_N_BYTES = Buffer.from(SECP256K1_HALF_N.toString(16).padStart(64, '0'), 'hex')
const N_BYTES = Buffer.from(SECP256K1_N.toString(16).padStart(64, '0'), 'hex')

/** a (32 bytes, big-endian) compared with b */
function compare32(a: Uint8Array, aOff: number, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = a[aOff + i]! - b[i]!
    if (d !== 0) return d
  }
  return 0
}

function isZero32(a: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (a[off + i] !== 0) return false
  return true
}

const pub65 = new Uint8Array(65)
const oneIn = new Uint8Array(RECOVERY_ITEM_BYTES)
const oneOut = new Uint8Array(RECOVERY_OUT_BYTES)

/**
 * Recovers the sender into `out[outOffset..+20]` from a 32-byte hash and a 64-byte r‖s
 * signature. Applies geth's ValidateSignatureValues (homestead: low s). Returns false for
 * an invalid signature instead of throwing.
 */
export function recoverAddressInto(
  hash: Uint8Array,
  sig64: Uint8Array,
  recid: number,
  out: Uint8Array,
  outOffset: number,
  backend: RecoveryBackend = recoveryBackend(),
): boolean {
  if (hash.length !== 32 || sig64.length !== 64 || (recid !== 0 && recid !== 1)) return false
  if (backend === 'addon' && recoverAddon) {
    oneIn.set(hash, 0)
    oneIn.set(sig64, 32)
    oneIn[96] = recid
    if (recoverAddon.recoverBatch(oneIn, oneOut, 1) !== 1) return false
    out.set(oneOut.subarray(1), outOffset)
    return true
  }
  if (isZero32(sig64, 0) || compare32(sig64, 0, N_BYTES) >= 0) return false
  if (isZero32(sig64, 32) || compare32(sig64, 32, HALF_N_BYTES) > 0) return false
  let pub: Uint8Array
  try {
    const lib = backend === 'noble' ? null : loadNative()
    if (lib) pub = lib.ecdsaRecover(sig64, recid, hash, false, pub65)
    else {
      const sig = nobleSecp256k1.Signature.fromBytes(sig64, 'compact').addRecoveryBit(recid)
      pub = sig.recoverPublicKey(hash).toBytes(false)
    }
  } catch {
    return false
  }
  out.set(keccak256(pub.subarray(1)).subarray(12), outOffset)
  return true
}

/**
 * Recovers `n` packed items (RECOVERY_ITEM_BYTES each: hash ‖ r ‖ s ‖ yParity) into
 * `output` (RECOVERY_OUT_BYTES each: ok ‖ address): the hot loop of the worker pool, one
 * native call for the whole chunk when the addon is built.
 */
export function recoverPacked(
  input: Uint8Array,
  output: Uint8Array,
  n: number,
  backend: RecoveryBackend = recoveryBackend(),
): void {
  if (backend === 'addon' && recoverAddon) {
    recoverAddon.recoverBatch(input, output, n)
    return
  }
  for (let i = 0; i < n; i++) {
    const at = i * RECOVERY_ITEM_BYTES
    const ok = recoverAddressInto(
      input.subarray(at, at + 32),
      input.subarray(at + 32, at + 96),
      input[at + 96]!,
      output,
      i * RECOVERY_OUT_BYTES + 1,
      backend,
    )
    output[i * RECOVERY_OUT_BYTES] = ok ? 1 : 0
  }
}

/** Writes a bigint < 2^256 as 32 big-endian bytes at `offset` of `view`. */
export function writeUint256(view: DataView, offset: number, value: bigint): void {
  view.setBigUint64(offset + 24, BigInt.asUintN(64, value))
  view.setBigUint64(offset + 16, BigInt.asUintN(64, value >> 64n))
  view.setBigUint64(offset + 8, BigInt.asUintN(64, value >> 128n))
  view.setBigUint64(offset, BigInt.asUintN(64, value >> 192n))
}

const sigScratch = new Uint8Array(64)
const sigView = new DataView(sigScratch.buffer)
const addrScratch = new Uint8Array(20)

/** Recovers the lowercase sender address of a signature; InvalidSenderError if invalid. */
export function recoverAddress(item: RecoveryItem, backend?: RecoveryBackend): Address {
  const { r, s } = item
  if (r < 1n || r >= SECP256K1_N || s < 1n || s > SECP256K1_HALF_N)
    throw new InvalidSenderError({ cause: new Error('signature values out of range') })
  writeUint256(sigView, 0, r)
  writeUint256(sigView, 32, s)
  if (!recoverAddressInto(item.signingHash, sigScratch, item.yParity, addrScratch, 0, backend))
    throw new InvalidSenderError()
  return toHex(addrScratch) as Address
}

/** The sender of a decoded transaction (on this thread; see SenderRecoveryPool for many). */
export function recoverSender(tx: RecoveryItem): Address {
  return recoverAddress(tx)
}

/** A 32-byte 0x-hex secp256k1 private key in 1 .. n-1 (what viem and the native library accept). */
export function isPrivateKey(hex: string): boolean {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) return false
  const k = BigInt(hex)
  return k > 0n && k < SECP256K1_N
}
