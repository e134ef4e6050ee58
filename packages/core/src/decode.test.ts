import { Transaction as EthersTransaction, Wallet } from 'ethers'
import fc from 'fast-check'
import { parseTransaction, recoverTransactionAddress, type TransactionSerialized } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodeTransaction, decodeTransactionGeneral, MAX_TX_SIZE, SECP256K1_N } from './decode.js'
import { RpcVisibleError } from './errors.js'
import { fromHex, toHex } from './hex.js'
import { keccak256Hex } from './keccak.js'
import { recoverSender } from './recover.js'
import { RlpError, type RlpItem, rlpDecodeList, rlpEncode, rlpUint } from './rlp.js'
import { type SignedTxFields, serializeSignedTx, type UnsignedTxFields } from './serialize.js'
import {
  FeeProductOverflowError,
  IntrinsicGasTooLowError,
  InvalidChainIdError,
  InvalidSignatureValuesError,
  MaxInitCodeSizeExceededError,
  OversizedDataError,
  TipAboveFeeCapError,
  TxTypeNotSupportedError,
  TypedTxTooShortError,
  UnprotectedTxError,
} from './tx-errors.js'
import {
  privateKeyArb,
  signedFieldsArb,
  signFields,
  toEthersTx,
  toViemTx,
  unsignedTxArb,
} from './tx-fixtures.js'
import type { SignedTx } from './types.js'

const SAFE = BigInt(Number.MAX_SAFE_INTEGER)
// Deriving an account is as slow as a signature: draw from a fixed set of random keys.
const KEYS = fc.sample(privateKeyArb, { numRuns: 24, seed: 42 })
const accountArb = fc.constantFrom(
  ...KEYS.map((k) => ({ key: k, account: privateKeyToAccount(k) })),
)

/** Compares our decoding with viem's parse of the same bytes, field by field. */
function expectSameAsViem(tx: SignedTx, raw: TransactionSerialized) {
  const p = parseTransaction(raw) as Record<string, unknown>
  const types = { legacy: 0, eip2930: 1, eip1559: 2 } as const
  expect(tx.type).toBe(types[p.type as keyof typeof types])
  expect(tx.chainId).toBe(BigInt(p.chainId as number))
  expect(tx.nonce).toBe(BigInt((p.nonce as number | undefined) ?? 0))
  expect(tx.gasLimit).toBe((p.gas as bigint | undefined) ?? 0n)
  expect(tx.to).toBe(((p.to as string | undefined) ?? null)?.toLowerCase() ?? null)
  expect(tx.value).toBe((p.value as bigint | undefined) ?? 0n)
  expect(toHex(tx.data)).toBe((p.data as string | undefined) ?? '0x')
  if (tx.type === 2) {
    expect(tx.maxFeePerGas).toBe((p.maxFeePerGas as bigint | undefined) ?? 0n)
    expect(tx.maxPriorityFeePerGas).toBe((p.maxPriorityFeePerGas as bigint | undefined) ?? 0n)
    expect(tx.gasPrice).toBe(tx.maxFeePerGas)
  } else {
    expect(tx.gasPrice).toBe((p.gasPrice as bigint | undefined) ?? 0n)
    expect(tx.maxFeePerGas).toBe(tx.gasPrice)
  }
  const al = (p.accessList as Array<{ address: string; storageKeys: string[] }> | undefined) ?? []
  expect(tx.accessList).toEqual(
    al.map((i) => ({
      address: i.address.toLowerCase(),
      storageKeys: i.storageKeys.map((k) => k.toLowerCase()),
    })),
  )
  expect(tx.r).toBe(BigInt(p.r as string))
  expect(tx.s).toBe(BigInt(p.s as string))
  expect(tx.yParity).toBe(p.yParity)
  expect(tx.hash).toBe(keccak256Hex(raw))
  expect(toHex(tx.raw)).toBe(raw)
  expect(toHex(serializeSignedTx(tx))).toBe(raw)
}

describe('decodeTransaction: differential against viem and ethers', () => {
  it('viem-signed random txs decode to the same fields, hash and sender', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(unsignedTxArb({ maxNonce: SAFE }), accountArb, async (f, { account }) => {
        const raw = (await account.signTransaction(toViemTx(f) as never)) as TransactionSerialized
        const tx = decodeTransaction(fromHex(raw), { chainId: f.chainId })
        expectSameAsViem(tx, raw)
        const sender = recoverSender(tx)
        expect(sender).toBe(account.address.toLowerCase())
        // viem's own recovery is slow (noble): cross-check it on a fifth of the cases
        if (++n % 5 === 0)
          expect(sender).toBe(
            (await recoverTransactionAddress({ serializedTransaction: raw })).toLowerCase(),
          )
      }),
      { numRuns: 2000 },
    )
  }, 60_000)

  it('ethers-signed random txs decode to the same fields, hash and sender', async () => {
    await fc.assert(
      fc.asyncProperty(unsignedTxArb({ maxNonce: SAFE }), accountArb, async (f, { key }) => {
        const wallet = new Wallet(key)
        const raw = (await wallet.signTransaction(toEthersTx(f))) as TransactionSerialized
        const tx = decodeTransaction(fromHex(raw), { chainId: f.chainId })
        expectSameAsViem(tx, raw)
        const parsed = EthersTransaction.from(raw)
        expect(tx.hash).toBe(parsed.hash)
        expect(recoverSender(tx)).toBe(wallet.address.toLowerCase())
        expect(recoverSender(tx)).toBe(parsed.from?.toLowerCase())
      }),
      { numRuns: 200 },
    )
  }, 60_000)

  it('full uint64 nonces and large chain ids (signed natively) round-trip', () => {
    fc.assert(
      fc.property(
        unsignedTxArb({ chainId: fc.bigInt({ min: 1n, max: 2n ** 64n }) }),
        accountArb,
        (f, { key, account }) => {
          const signed = signFields(f, fromHex(key))
          const raw = serializeSignedTx(signed)
          const tx = decodeTransaction(raw, { chainId: f.chainId })
          expect(tx.nonce).toBe(f.nonce)
          expect(toHex(serializeSignedTx(tx))).toBe(toHex(raw))
          expect(recoverSender(tx)).toBe(account.address.toLowerCase())
        },
      ),
      { numRuns: 300 },
    )
  })
})

/** One valid signed tx of each type, to mutate in the tests below. */
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const SENDER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
function base(type: 0 | 1 | 2, over: Partial<UnsignedTxFields> = {}): UnsignedTxFields {
  return {
    type,
    chainId: 901n,
    nonce: 3n,
    gasLimit: 100_000n,
    to: '0x00000000000000000000000000000000000000aa',
    value: 10n ** 18n,
    data: Uint8Array.of(1, 2, 0),
    gasPrice: type === 2 ? undefined : 7n,
    maxFeePerGas: type === 2 ? 100n : undefined,
    maxPriorityFeePerGas: type === 2 ? 2n : undefined,
    accessList:
      type === 0
        ? []
        : [
            {
              address: '0x00000000000000000000000000000000000000bb',
              storageKeys: [`0x${'01'.repeat(32)}`],
            },
          ],
    ...over,
  }
}
const sign = (f: UnsignedTxFields) => signFields(f, fromHex(KEY))
const encode = (f: SignedTxFields) => serializeSignedTx(f)
const decode = (raw: Uint8Array, chainId = 901n) => decodeTransaction(raw, { chainId })

function expectError(fn: () => unknown, cls: new (...a: never[]) => RpcVisibleError, msg: string) {
  let thrown: unknown
  try {
    fn()
  } catch (e) {
    thrown = e
  }
  expect(thrown).toBeInstanceOf(cls)
  expect((thrown as RpcVisibleError).code).toBe(-32000)
  expect((thrown as RpcVisibleError).shortMessage).toBe(msg)
}

/** Re-encodes a legacy or typed tx after editing its RLP fields. */
function editFields(raw: Uint8Array, edit: (fields: RlpItem[]) => void): Uint8Array {
  const typed = raw[0]! < 0x80
  const fields = rlpDecodeList(typed ? raw.subarray(1) : raw)
  edit(fields)
  const body = rlpEncode(fields)
  return typed ? Uint8Array.of(raw[0]!, ...body) : body
}

describe('decodeTransaction: validation with geth messages', () => {
  it('accepts the base txs and recovers the known sender', () => {
    for (const t of [0, 1, 2] as const) {
      const tx = decode(encode(sign(base(t))))
      expect(recoverSender(tx)).toBe(SENDER)
      expect(tx.intrinsicGas).toBe(21000n + 16n * 2n + 4n + (t === 0 ? 0n : 2400n + 1900n))
    }
  })

  it('rejects pre-EIP-155 legacy txs', async () => {
    const account = privateKeyToAccount(KEY)
    const raw = await account.signTransaction({
      type: 'legacy',
      gas: 21000n,
      gasPrice: 1n,
      nonce: 0,
      to: SENDER,
    })
    expectError(
      () => decode(fromHex(raw)),
      UnprotectedTxError,
      'only replay-protected (EIP-155) transactions allowed over RPC',
    )
  })

  it.each([0, 1, 2] as const)('rejects a wrong chain id (type %i)', (t) => {
    expectError(
      () => decode(encode(sign(base(t))), 902n),
      InvalidChainIdError,
      'invalid chain id for signer: have 901 want 902',
    )
  })

  it.each([0, 1, 2] as const)('rejects high-s (EIP-2) and out-of-range r, s (type %i)', (t) => {
    const good = sign(base(t))
    const msg = 'invalid transaction v, r, s values'
    const flipped = { ...good, s: SECP256K1_N - good.s, yParity: (1 - good.yParity) as 0 | 1 }
    expectError(() => decode(encode(flipped)), InvalidSignatureValuesError, msg)
    expectError(() => decode(encode({ ...good, r: 0n })), InvalidSignatureValuesError, msg)
    expectError(() => decode(encode({ ...good, s: 0n })), InvalidSignatureValuesError, msg)
    expectError(() => decode(encode({ ...good, r: SECP256K1_N })), InvalidSignatureValuesError, msg)
  })

  it('rejects legacy v below 35 like geth (wrapped uint64 chain id)', () => {
    const raw = editFields(encode(sign(base(0))), (f) => {
      f[6] = rlpUint(29n)
    })
    expectError(
      () => decode(raw),
      InvalidChainIdError,
      'invalid chain id for signer: have 9223372036854775805 want 901',
    )
  })

  it('rejects gasLimit * fee cap overflowing 256 bits', () => {
    const huge = 2n ** 255n
    for (const f of [
      base(0, { gasPrice: huge }),
      base(2, { maxFeePerGas: huge, maxPriorityFeePerGas: 1n }),
    ]) {
      expectError(
        () => decode(encode(sign(f))),
        FeeProductOverflowError,
        `insufficient funds for gas * price + value: gas 100000 * price ${huge} overflows 256 bits`,
      )
    }
    // exactly at the limit is fine
    const max = (2n ** 256n - 1n) / 100_000n
    expect(decode(encode(sign(base(1, { gasPrice: max })))).gasPrice).toBe(max)
  })

  it('rejects yParity other than 0/1 in typed txs', () => {
    const raw = editFields(encode(sign(base(2))), (f) => {
      f[9] = rlpUint(2n)
    })
    expectError(
      () => decode(raw),
      InvalidSignatureValuesError,
      'invalid transaction v, r, s values',
    )
  })

  it('rejects oversized txs before decoding', () => {
    const raw = encode(sign(base(2, { data: new Uint8Array(MAX_TX_SIZE), gasLimit: 10_000_000n })))
    expectError(
      () => decode(raw),
      OversizedDataError,
      `oversized data: transaction size ${raw.length}, limit ${MAX_TX_SIZE}`,
    )
    expectError(
      () => decodeTransaction(raw, { chainId: 901n, maxSize: 100 }),
      OversizedDataError,
      `oversized data: transaction size ${raw.length}, limit 100`,
    )
  })

  it('rejects intrinsic gas too low', () => {
    expectError(
      () => decode(encode(sign(base(0, { gasLimit: 21000n })))),
      IntrinsicGasTooLowError,
      'intrinsic gas too low: gas 21000, minimum needed 21036',
    )
    // creation: 53000 + 1 word of initcode
    expectError(
      () =>
        decode(
          encode(
            sign(base(2, { to: null, gasLimit: 53000n, accessList: [], data: Uint8Array.of(0) })),
          ),
        ),
      IntrinsicGasTooLowError,
      'intrinsic gas too low: gas 53000, minimum needed 53006',
    )
  })

  it('rejects initcode over 49152 bytes', () => {
    const f = base(2, { to: null, data: new Uint8Array(49153), gasLimit: 10_000_000n })
    expectError(
      () => decode(encode(sign(f))),
      MaxInitCodeSizeExceededError,
      'max initcode size exceeded: code size 49153, limit 49152',
    )
    // the same size as a call is fine
    expect(decode(encode(sign({ ...f, to: SENDER }))).data.length).toBe(49153)
  })

  it('rejects tip above fee cap', () => {
    expectError(
      () => decode(encode(sign(base(2, { maxFeePerGas: 1n, maxPriorityFeePerGas: 2n })))),
      TipAboveFeeCapError,
      'max priority fee per gas higher than max fee per gas',
    )
  })

  it.each(['0x03', '0x04', '0x00', '0x7e', '0x05'])('rejects type %s', (t) => {
    expectError(
      () => decode(fromHex(`${t}c0`)),
      TxTypeNotSupportedError,
      'transaction type not supported',
    )
  })

  it('rejects empty and one-byte typed input', () => {
    expectError(
      () => decode(new Uint8Array(0)),
      TypedTxTooShortError,
      'typed transaction too short',
    )
    expectError(() => decode(Uint8Array.of(2)), TypedTxTooShortError, 'typed transaction too short')
  })

  it('rejects non-canonical and out-of-range fields', () => {
    const raw = encode(sign(base(2)))
    const cases: Array<[string, (f: RlpItem[]) => void, string]> = [
      [
        'nonce with a leading zero',
        (f) => {
          f[1] = Uint8Array.of(0, 3)
        },
        'non-canonical integer',
      ],
      [
        'nonce over 2^64-1',
        (f) => {
          f[1] = new Uint8Array(9).fill(1)
        },
        'uint overflow',
      ],
      [
        'value over 2^256-1',
        (f) => {
          f[6] = new Uint8Array(33).fill(1)
        },
        'uint overflow',
      ],
      [
        '19-byte to',
        (f) => {
          f[5] = new Uint8Array(19).fill(1)
        },
        'input string too short',
      ],
      [
        '21-byte to',
        (f) => {
          f[5] = new Uint8Array(21).fill(1)
        },
        'input string too long',
      ],
      [
        'list as nonce',
        (f) => {
          f[1] = []
        },
        'expected input string',
      ],
      [
        'bytes as access list',
        (f) => {
          f[8] = Uint8Array.of(1)
        },
        'expected input list',
      ],
      [
        '31-byte storage key',
        (f) => {
          f[8] = [[new Uint8Array(20), [new Uint8Array(31)]]]
        },
        'too short',
      ],
      [
        'too few fields',
        (f) => {
          f.pop()
        },
        'too few elements',
      ],
      [
        'too many fields',
        (f) => {
          f.push(new Uint8Array(0))
        },
        'too many elements',
      ],
    ]
    for (const [name, edit, msg] of cases) {
      const bad = editFields(raw, edit)
      expect(() => decode(bad), name).toThrowError(RlpError)
      expect(() => decode(bad), name).toThrowError(msg)
    }
    expect(() => decode(Uint8Array.of(...raw, 0))).toThrowError('more than one value')
    expect(() => decode(Uint8Array.of(0x82, 1, 2))).toThrowError('expected input list')
  })

  const mutations = fc.oneof(
    fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
  )
  function mutate(raw: Uint8Array, ms: Array<{ kind: string; at: number; byte: number }>) {
    let b = Array.from(raw)
    for (const m of ms) {
      const at = b.length === 0 ? 0 : m.at % b.length
      if (m.kind === 'set') b[at] = m.byte
      else if (m.kind === 'insert') b.splice(at, 0, m.byte)
      else if (m.kind === 'delete') b.splice(at, 1)
      else b = b.slice(0, at)
    }
    return Uint8Array.from(b)
  }

  function expectTypedOrCanonical(bytes: Uint8Array) {
    try {
      const tx = decode(bytes)
      // whatever decodes is canonical: it re-serializes to exactly the input
      expect(toHex(serializeSignedTx(tx))).toBe(toHex(bytes))
    } catch (e) {
      expect(e).toBeInstanceOf(RpcVisibleError)
      expect((e as RpcVisibleError).code).toBe(-32000)
    }
  }

  it('mutated valid txs either decode canonically or throw a typed error', () => {
    const raws = [0, 1, 2].map((t) => encode(sign(base(t as 0 | 1 | 2))))
    fc.assert(
      fc.property(
        fc.constantFrom(...raws),
        fc.array(mutations, { minLength: 1, maxLength: 4 }),
        (raw, ms) => expectTypedOrCanonical(mutate(raw, ms)),
      ),
      { numRuns: 5000 },
    )
  })

  /** decodeTransaction (fast path for typed txs) against the general decoder alone */
  function expectSameAsGeneral(bytes: Uint8Array, chainId = 901n) {
    let want: SignedTx | Error
    try {
      want = decodeTransactionGeneral(bytes, { chainId })
    } catch (e) {
      want = e as Error
    }
    if (want instanceof Error) {
      expect(() => decodeTransaction(bytes, { chainId })).toThrowError(want.message)
      return false
    }
    expect(decodeTransaction(bytes, { chainId })).toEqual(want)
    return true
  }

  it('the typed-tx fast path decodes exactly like the general decoder', () => {
    let decoded = 0
    fc.assert(
      fc.property(signedFieldsArb, fc.boolean(), (f, empty) => {
        const fields = empty ? { ...f, accessList: [] } : f
        if (expectSameAsGeneral(encode(fields), fields.chainId)) decoded++
      }),
      { numRuns: 3000 },
    )
    const raws = [1, 2].map((t) => encode(sign(base(t as 1 | 2))))
    fc.assert(
      fc.property(
        fc.constantFrom(...raws),
        fc.array(mutations, { minLength: 1, maxLength: 3 }),
        (raw, ms) => {
          if (expectSameAsGeneral(mutate(raw, ms))) decoded++
        },
      ),
      { numRuns: 5000 },
    )
    for (const raw of raws) expect(expectSameAsGeneral(raw)).toBe(true)
    // both sides of the comparison were exercised
    expect(decoded).toBeGreaterThan(100)
  })

  it('random bytes (raw and behind every type prefix) only throw typed errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 255 })),
        fc.uint8Array({ maxLength: 300 }),
        (prefix, body) =>
          expectTypedOrCanonical(prefix < 0 ? body : Uint8Array.of(prefix, ...body)),
      ),
      { numRuns: 5000 },
    )
  })
})
