import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodeTransaction, SECP256K1_N } from './decode.js'
import { fromHex, toHex } from './hex.js'
import { recoverAddress, recoverAddressInto, recoverSender, recoveryBackend } from './recover.js'
import { recoverAddonStatus } from './recover-addon.js'
import { serializeSignedTx } from './serialize.js'
import { InvalidSenderError } from './tx-errors.js'
import { privateKeyArb, signFields, unsignedTxArb } from './tx-fixtures.js'
import type { SignedTx } from './types.js'

describe('sender recovery', () => {
  // The addon is built by `npm ci` (native/build.mjs) wherever a C compiler and Node's
  // headers exist, as on every machine this project's CI runs on.
  it('uses our libsecp256k1 addon here (else: install gcc, then `npm rebuild @lanes/core`)', () => {
    expect(recoverAddonStatus).toBe('loaded')
    expect(recoveryBackend()).toBe('addon')
  })

  it('all three backends recover the same senders', () => {
    fc.assert(
      fc.property(unsignedTxArb(), privateKeyArb, (f, key) => {
        const tx = decodeTransaction(serializeSignedTx(signFields(f, fromHex(key))), {
          chainId: f.chainId,
        })
        const viem = privateKeyToAccount(key).address.toLowerCase()
        expect(recoverAddress(tx, 'addon')).toBe(viem)
        expect(recoverAddress(tx, 'native')).toBe(viem)
        expect(recoverAddress(tx, 'noble')).toBe(viem)
        expect(recoverSender(tx)).toBe(viem)
      }),
      { numRuns: 100 },
    )
  })

  it('invalid signatures throw InvalidSenderError on both backends', () => {
    const hash = new Uint8Array(32).fill(9)
    for (const backend of ['addon', 'native', 'noble'] as const) {
      const bad = [
        { r: 0n, s: 1n },
        { r: 1n, s: SECP256K1_N / 2n + 1n }, // high s
        { r: SECP256K1_N, s: 1n },
        // x = 5 is not on the curve for either parity: recovery itself fails
        { r: 5n, s: 1n },
      ]
      for (const sig of bad) {
        expect(() => recoverAddress({ signingHash: hash, yParity: 0, ...sig }, backend)).toThrow(
          InvalidSenderError,
        )
      }
    }
    const out = new Uint8Array(20)
    for (const backend of ['addon', 'native', 'noble'] as const) {
      expect(recoverAddressInto(hash, new Uint8Array(64), 0, out, 0, backend)).toBe(false)
      expect(recoverAddressInto(hash, new Uint8Array(64).fill(1), 2, out, 0, backend)).toBe(false)
    }
  })

  it('a tampered hash recovers a different address, never the signer', () => {
    const key = fromHex(`0x${'11'.repeat(32)}`)
    const f = signFields(
      {
        type: 2,
        chainId: 1n,
        nonce: 0n,
        gasLimit: 21000n,
        to: '0x00000000000000000000000000000000000000aa',
        value: 0n,
        data: new Uint8Array(0),
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
        accessList: [],
      },
      key,
    )
    const tx = decodeTransaction(serializeSignedTx({ ...f, gasLimit: 21001n }), { chainId: 1n })
    const good = recoverSender(decodeTransaction(serializeSignedTx(f), { chainId: 1n }))
    expect(good).toBe(privateKeyToAccount(toHex(key)).address.toLowerCase())
    expect(recoverSender(tx)).not.toBe(good)
  })

  const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

  /** recovers `txs` in a child process where the LANES_TEST_BLOCK libraries cannot load */
  function recoverInChild(txs: SignedTx[], block: 'addon' | 'both') {
    const arg = JSON.stringify(
      txs.map((t) => ({
        h: toHex(t.signingHash).slice(2),
        r: `${t.r}`,
        s: `${t.s}`,
        v: t.yParity,
      })),
    )
    const child = spawnSync(
      process.execPath,
      [
        '--require',
        fixture('block-native-secp256k1.cjs'),
        '--import',
        'tsx',
        fixture('recover-fallback.ts'),
        arg,
      ],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LANES_TEST_BLOCK: block } },
    )
    expect(child.status, child.stderr).toBe(0)
    const out = JSON.parse(child.stdout) as { backend: string; senders: string[] }
    return { ...out, stderr: child.stderr.split('\n') }
  }

  const sampleTxs = () =>
    fc
      .sample(fc.tuple(unsignedTxArb(), privateKeyArb), { numRuns: 5, seed: 7 })
      .map(([f, key]) =>
        decodeTransaction(serializeSignedTx(signFields(f, fromHex(key))), { chainId: f.chainId }),
      )

  it('falls back to the secp256k1 package with one warning when the addon cannot load', () => {
    const txs = sampleTxs()
    const out = recoverInChild(txs, 'addon')
    expect(out.backend).toBe('native')
    expect(out.senders).toEqual(txs.map((t) => recoverSender(t)))
    const warnings = out.stderr.filter((l) => l.includes('sender-recovery addon unavailable'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('npm rebuild @lanes/core')
  })

  it('falls back to noble with warnings when no native library can load', () => {
    const txs = sampleTxs()
    const out = recoverInChild(txs, 'both')
    expect(out.backend).toBe('noble')
    expect(out.senders).toEqual(txs.map((t) => recoverSender(t)))
    const warnings = out.stderr.filter((l) => l.includes('native secp256k1 unavailable'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('@noble/curves')
  })
})
