import {
  type AccessListItem,
  type Address,
  type BatchHeader,
  decodeTransaction,
  type Hex,
  intrinsicGas,
  type SignedTx,
  type SignedTxFields,
  serializeSignedTx,
  toHex,
} from '@lanes/core'
import fc from 'fast-check'
import { BATCH_VERSION, type Batch, type BatchBlock } from './types.js'

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const U256_MAX = (1n << 256n) - 1n
const U64_MAX = (1n << 64n) - 1n

export const arbBytes = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b))

const arbAddress = arbBytes(20) as fc.Arbitrary<Address>
const arbRoot = arbBytes(32)

/** Small pools so dictionaries and back-references get exercised. */
const arbFee = fc.oneof(
  fc.constantFrom(0n, 1n, 1_000_000_000n, 30_000_000_000n),
  fc.bigInt({ min: 0n, max: U256_MAX }),
)

const arbValue = fc.oneof(
  fc.constant(0n),
  fc
    .bigInt({ min: 1n, max: 1000n })
    .chain((m) => fc.integer({ min: 0, max: 60 }).map((e) => m * 10n ** BigInt(e))),
  fc.bigInt({ min: 0n, max: U256_MAX }),
  fc.constant(U256_MAX),
)

const arbAccessList: fc.Arbitrary<AccessListItem[]> = fc.array(
  fc.record({
    address: arbAddress,
    storageKeys: fc.array(arbRoot as fc.Arbitrary<Hex>, { maxLength: 3 }),
  }),
  { maxLength: 2 },
)

function word(v: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'))
}

/** Calldata shaped like an ABI call (selector + words: zero, small, address-like, decimal, random). */
const arbAbiData: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom(0xa9059cbb, 0x095ea7b3, 0),
    fc.array(
      fc.oneof(
        fc.constant(0n),
        fc.bigInt({ min: 1n, max: 255n }),
        fc.bigInt({ min: 1n, max: (1n << 160n) - 1n }),
        fc
          .bigInt({ min: 1n, max: 10n ** 6n })
          .chain((m) =>
            fc.integer({ min: 0, max: 70 }).map((e) => (m * 10n ** BigInt(e)) % (1n << 256n)),
          ),
        fc.bigInt({ min: 0n, max: U256_MAX }),
      ),
      { maxLength: 5 },
    ),
  )
  .map(([selector, words]) => {
    const out = new Uint8Array(4 + 32 * words.length)
    new DataView(out.buffer).setUint32(0, selector)
    for (const [i, w] of words.entries()) out.set(word(w), 4 + 32 * i)
    return out
  })

/** A valid signed transaction (random but in-range signature values; recovery is not needed). */
export function arbSignedTx(chainId: bigint, toPool: Address[]): fc.Arbitrary<SignedTx> {
  return fc
    .record({
      type: fc.constantFrom(0 as const, 1 as const, 2 as const),
      nonce: fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.bigInt({ min: 0n, max: U64_MAX - 1n })),
      to: fc.oneof(fc.constant(null), fc.constantFrom(...toPool), arbAddress),
      value: arbValue,
      data: fc.oneof(fc.uint8Array({ maxLength: 80 }), arbAbiData),
      fee: arbFee,
      tip: arbFee,
      gasExtra: fc.oneof(fc.constantFrom(0n, 100_000n), fc.bigInt({ min: 0n, max: 1n << 40n })),
      accessList: arbAccessList,
      yParity: fc.constantFrom(0 as const, 1 as const),
      r: fc.oneof(fc.constantFrom(1n, N - 1n), fc.bigInt({ min: 1n, max: N - 1n })),
      s: fc.oneof(fc.constantFrom(1n, N / 2n), fc.bigInt({ min: 1n, max: N / 2n })),
    })
    .map((f) => {
      const accessList = f.type === 0 ? [] : f.accessList
      const gasLimit = intrinsicGas({ data: f.data, to: f.to, accessList }) + f.gasExtra
      // geth (and core) reject gasLimit · feeCap above 2^256 − 1
      const cap = U256_MAX / gasLimit
      let [hi, lo] = f.fee >= f.tip ? [f.fee, f.tip] : [f.tip, f.fee]
      if (hi > cap) hi = cap
      if (lo > hi) lo = hi
      const fields: SignedTxFields = {
        type: f.type,
        chainId,
        nonce: f.nonce,
        gasLimit,
        to: f.to,
        value: f.value,
        data: f.data,
        gasPrice: hi,
        maxFeePerGas: hi,
        maxPriorityFeePerGas: f.type === 2 ? lo : hi,
        accessList,
        yParity: f.yParity,
        r: f.r,
        s: f.s,
      }
      return decodeTransaction(serializeSignedTx(fields), { chainId })
    })
}

export function arbBatch(chainId = 42_069n): fc.Arbitrary<Batch> {
  return fc.array(arbAddress, { minLength: 1, maxLength: 4 }).chain((pool) =>
    fc
      .record({
        batchIndex: fc.bigInt({ min: 0n, max: 1n << 40n }),
        firstBlock: fc.bigInt({ min: 0n, max: 1n << 40n }),
        parentStateRoot: arbRoot,
        postStateRoot: arbRoot,
        l1Origin: fc.bigInt({ min: 0n, max: 1n << 40n }),
        cursorStart: fc.bigInt({ min: 0n, max: 1n << 40n }),
        timestamp: fc.bigInt({ min: 0n, max: 1n << 40n }),
        blocks: fc.array(
          fc.record({
            dt: fc.bigInt({ min: 0n, max: 30n }),
            dOrigin: fc.bigInt({ min: 0n, max: 3n }),
            dCursor: fc.bigInt({ min: 0n, max: 5n }),
            // a small pool so equal roots in a row (blocks without state change) occur
            stateRoot: fc.oneof(
              arbRoot,
              fc.constantFrom(`0x${'00'.repeat(32)}`, `0x${'ab'.repeat(32)}`),
            ),
            txs: fc.array(arbSignedTx(chainId, pool), { maxLength: 6 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
      })
      .map((r) => {
        let ts = r.timestamp
        let origin = r.l1Origin
        let cursor = r.cursorStart
        const blocks: BatchBlock[] = r.blocks.map((b, i) => {
          if (i > 0) {
            ts += b.dt
            origin += b.dOrigin
          }
          cursor += b.dCursor
          return {
            number: r.firstBlock + BigInt(i),
            timestamp: ts,
            l1OriginNumber: origin,
            depositCursor: cursor,
            // the last block's root is the batch's post-state root
            stateRoot: (i === r.blocks.length - 1 ? r.postStateRoot : b.stateRoot) as Hex,
            txs: b.txs,
          }
        })
        const header: BatchHeader = {
          version: BATCH_VERSION,
          chainId,
          batchIndex: r.batchIndex,
          firstBlock: r.firstBlock,
          lastBlock: r.firstBlock + BigInt(blocks.length - 1),
          parentStateRoot: r.parentStateRoot,
          postStateRoot: r.postStateRoot,
          l1OriginFirst: r.l1Origin,
          l1OriginLast: origin,
          depositCursorStart: r.cursorStart,
          depositCursorEnd: cursor,
        }
        return { header, blocks }
      }),
  )
}
