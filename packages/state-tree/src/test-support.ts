import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { keccak256, toHex } from '@lanes/core'
import type { Leaf } from './reference.js'

/** Keys that exercise the tree's corners: random, long shared prefixes, last-bit siblings. */
export function keyPool(): Uint8Array[] {
  const pool: Uint8Array[] = []
  for (let i = 0; i < 16; i++) pool.push(keccak256(new Uint8Array([1, i])))
  const shared = keccak256(new Uint8Array([2]))
  for (let i = 0; i < 8; i++) {
    const k = shared.slice()
    k[25] = i * 37
    k[31] = i
    pool.push(k)
  }
  const a = keccak256(new Uint8Array([3]))
  a[31]! &= 0xfe
  const b = a.slice()
  b[31]! |= 1
  pool.push(a, b, new Uint8Array(32), new Uint8Array(32).fill(0xff))
  return pool
}

export const valuePool: Uint8Array[] = [0, 1, 2, 3].map((i) => keccak256(new Uint8Array([9, i])))

export function modelLeaves(model: Map<string, { key: Uint8Array; value: Uint8Array }>): Leaf[] {
  return [...model.values()]
}

export function setModel(
  model: Map<string, { key: Uint8Array; value: Uint8Array }>,
  key: Uint8Array,
  value: Uint8Array | null,
): void {
  if (value) model.set(toHex(key), { key, value })
  else model.delete(toHex(key))
}

export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lanes-smt-'))
  return {
    dir,
    file: (name) => path.join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}
