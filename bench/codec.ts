// Batch codec: bytes per tx and speed against "RLP txs concatenated + brotli-11 / zlib-9",
// all measured in the same run on the same txs (really signed, 10k accounts, 1k-tx batches).
// Steady state: each measured batch is encoded against the address table of the K batches
// before it (README §3.5), after a warm-up of K batches from the same generator; "cold" is the
// same txs encoded with no context (what the first batch of a chain gets).
import zlib from 'node:zlib'
import {
  BATCH_VERSION,
  type BatchContext,
  batchAddresses,
  buildBatchContext,
  CONTEXT_BATCHES,
  decodeBatch,
  EMPTY_BATCH_CONTEXT,
  encodeBatch,
  encodeBatchColumns,
} from '@lanes/batch-codec'
import {
  type Address,
  type BatchHeader,
  decodeTransaction,
  keccak256,
  type SignedTx,
  type SignedTxFields,
  serializeSignedTx,
  signingHash,
  toHex,
} from '@lanes/core'
import { sign } from 'viem/accounts'
import { report } from './machine.js'

const CHAIN_ID = 42_069n
const ACCOUNTS = 10_000
const TXS_PER_BATCH = 1_000
const BATCHES = Number(process.env.CODEC_BATCHES ?? 3)
// fewer txs per block show what the per-block state roots (32 B each) cost
const TXS_PER_BLOCK = Number(process.env.CODEC_TXS_PER_BLOCK ?? 100)
const GWEI = 1_000_000_000n

// Deterministic PRNG (xorshift32) so every run measures the same txs.
let seed = 0x9e3779b9
function rand(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 2 ** 32
}
const randInt = (n: number) => Math.floor(rand() * n)
const pick = <T>(xs: readonly T[]): T => xs[randInt(xs.length)]!

const keys: `0x${string}`[] = []
const addresses: Address[] = []
const nonces: bigint[] = []
for (let i = 0; i < ACCOUNTS; i++) {
  const key = keccak256(new TextEncoder().encode(`lanes-bench-account-${i}`))
  keys.push(toHex(key))
  // Not the key's real address: senders never appear in a batch, only recipients do, and any
  // 20 random-looking bytes compress the same. Saves 10k public-key derivations.
  addresses.push(toHex(keccak256(key).subarray(12)) as Address)
  nonces.push(BigInt(randInt(200))) // accounts with some history
}
const tokens = Array.from({ length: 20 }, (_, i) => addresses[i * 7]!)

/** Human-entered amounts: up to 4 significant digits; 10 % full-precision (swept, converted). */
function amount(minExp: number, maxExp: number): bigint {
  if (rand() < 0.1) return BigInt(Math.floor(rand() * 2 ** 52)) * BigInt(1 + randInt(1000))
  const mantissa = BigInt(1 + randInt(9999))
  return mantissa * 10n ** BigInt(minExp + randInt(maxExp - minExp + 1))
}

function pad32(hex: string): string {
  return hex.replace(/^0x/, '').padStart(64, '0')
}

type Kind = 'transfer' | 'erc20' | 'call'

function fieldsFor(kind: Kind, baseFee: bigint, from: number): SignedTxFields {
  const tip = pick([GWEI, GWEI, GWEI / 10n, 2n * GWEI, GWEI / 1000n])
  const common = {
    chainId: CHAIN_ID,
    nonce: nonces[from]!++,
    accessList: [],
    yParity: 0 as const,
    r: 1n,
    s: 1n,
  }
  const fees = { maxFeePerGas: 2n * baseFee + tip, maxPriorityFeePerGas: tip }
  if (kind === 'transfer')
    return {
      ...common,
      type: 2,
      gasLimit: 21_000n,
      to: pick(addresses),
      value: amount(13, 18),
      data: new Uint8Array(0),
      ...fees,
    }
  if (kind === 'erc20') {
    const data = Buffer.from(
      `a9059cbb${pad32(pick(addresses))}${pad32(amount(4, 20).toString(16))}`,
      'hex',
    )
    return {
      ...common,
      type: 2,
      gasLimit: pick([34_523n, 51_623n, 41_427n, 62_000n, 65_000n, 100_000n]),
      to: pick(tokens),
      value: 0n,
      data: new Uint8Array(data),
      ...fees,
    }
  }
  // Other contract calls: selector + 1..6 ABI words (small numbers, addresses, zero padding).
  const words = Array.from({ length: 1 + randInt(6) }, () =>
    rand() < 0.5 ? pad32(pick(addresses)) : pad32(BigInt(randInt(1e9)).toString(16)),
  )
  const legacy = rand() < 0.3
  const data = new Uint8Array(
    Buffer.from(
      `${randInt(2 ** 32)
        .toString(16)
        .padStart(8, '0')}${words.join('')}`,
      'hex',
    ),
  )
  return legacy
    ? {
        ...common,
        type: 0,
        gasLimit: BigInt(80_000 + randInt(200_000)),
        to: pick(tokens),
        value: rand() < 0.2 ? amount(15, 18) : 0n,
        data,
        gasPrice: baseFee + tip,
      }
    : {
        ...common,
        type: 2,
        gasLimit: BigInt(80_000 + randInt(200_000)),
        to: pick(tokens),
        value: rand() < 0.2 ? amount(15, 18) : 0n,
        data,
        ...fees,
      }
}

async function signedTx(kind: Kind, baseFee: bigint, signed: boolean): Promise<SignedTx> {
  const from = randInt(ACCOUNTS)
  const fields = fieldsFor(kind, baseFee, from)
  // warm-up batches only feed the address table: their signatures do not matter
  if (!signed) return decodeTransaction(serializeSignedTx(fields), { chainId: CHAIN_ID })
  const sig = await sign({ hash: toHex(signingHash(fields)), privateKey: keys[from]! })
  const raw = serializeSignedTx({
    ...fields,
    yParity: sig.yParity as 0 | 1,
    r: BigInt(sig.r),
    s: BigInt(sig.s),
  })
  return decodeTransaction(raw, { chainId: CHAIN_ID })
}

type Workload = { name: string; kinds: (i: number) => Kind }
const workloads: Workload[] = [
  { name: 'transfers', kinds: () => 'transfer' },
  { name: 'erc20', kinds: () => 'erc20' },
  {
    name: 'mix',
    kinds: () => {
      const x = rand()
      return x < 0.6 ? 'transfer' : x < 0.9 ? 'erc20' : 'call'
    },
  },
]

let batchIndex = 0n
let block = 1_000_000n
async function makeBatch(w: Workload, signed = true) {
  const blocks = []
  let baseFee = 50_000_000n // 0.05 gwei, an L2-like base fee drifting per block
  for (let b = 0; b < TXS_PER_BATCH / TXS_PER_BLOCK; b++) {
    baseFee = (baseFee * BigInt(95 + randInt(11))) / 100n
    const txs: SignedTx[] = []
    for (let i = 0; i < TXS_PER_BLOCK; i++) txs.push(await signedTx(w.kinds(i), baseFee, signed))
    const number = block + BigInt(b)
    blocks.push({
      number,
      timestamp: 1_700_000_000n + number,
      l1OriginNumber: 20_000_000n + BigInt(b >> 2),
      depositCursor: 500n + BigInt(b),
      // state roots look random: as incompressible as real ones
      stateRoot: toHex(keccak256(new TextEncoder().encode(`root-${number}`))),
      txs,
    })
  }
  const last = blocks[blocks.length - 1]!
  const header: BatchHeader = {
    version: BATCH_VERSION,
    chainId: CHAIN_ID,
    batchIndex: batchIndex++,
    firstBlock: blocks[0]!.number,
    lastBlock: last.number,
    parentStateRoot: toHex(keccak256(new Uint8Array([1]))),
    postStateRoot: last.stateRoot,
    l1OriginFirst: blocks[0]!.l1OriginNumber,
    l1OriginLast: last.l1OriginNumber,
    depositCursorStart: 499n,
    depositCursorEnd: last.depositCursor,
  }
  block += BigInt(blocks.length)
  return { header, blocks }
}

function minTime(fn: () => void, runs = 5): number {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    fn()
    best = Math.min(best, performance.now() - t)
  }
  return best
}

/**
 * Bytes no batch-local format can avoid here: 64 per signature (r, low s and the parity bit
 * hold 512 bits of entropy) and every first-seen random identifier of the batch: `to`
 * addresses, address words in calldata (12 zero bytes, then a nonzero byte) and selectors.
 * All of them are uniformly random in this workload; nonces, values, fees, gas and block
 * data count as zero, so the figure is a lower bound.
 */
function floorBytes(txs: SignedTx[]): number {
  const seen = new Set<string>()
  let bytes = 0
  const once = (key: string, n: number) => {
    if (!seen.has(key)) {
      seen.add(key)
      bytes += n
    }
  }
  for (const tx of txs) {
    bytes += 64
    if (tx.to) once(tx.to.toLowerCase(), 20)
    if (tx.data.length >= 4 && (tx.data.length - 4) % 32 === 0) {
      once(`sel:${Buffer.from(tx.data.subarray(0, 4)).toString('hex')}`, 4)
      for (let w = 4; w < tx.data.length; w += 32) {
        const word = tx.data.subarray(w, w + 32)
        if (word.subarray(0, 12).every((b) => b === 0) && word[12] !== 0)
          once(`0x${Buffer.from(word.subarray(12)).toString('hex')}`, 20)
      }
    }
  }
  return bytes
}

function concatRaw(txs: SignedTx[]): Buffer {
  return Buffer.concat(txs.map((t) => t.raw))
}

const brotli11 = (b: Uint8Array) =>
  zlib.brotliCompressSync(b, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length,
    },
  })

/** Marginal compressed bytes per tx of each column (size with all − size without it), stderr. */
function columnBreakdown(
  name: string,
  batch: Awaited<ReturnType<typeof makeBatch>>,
  context: BatchContext,
): void {
  const columns = encodeBatchColumns(batch, context)
  const size = (skip: number) =>
    brotli11(Buffer.concat(columns.filter((_, i) => i !== skip).map((c) => c.bytes))).length
  const all = size(-1)
  const parts = columns.map((c, i) => `${c.name}: ${((all - size(i)) / TXS_PER_BATCH).toFixed(2)}`)
  process.stderr.write(
    `# ${name} ${(all / TXS_PER_BATCH).toFixed(2)} B/tx body; ${parts.join(', ')}\n`,
  )
}

const SWEEP = (process.env.CODEC_CONTEXT_SWEEP ?? '').split(',').filter(Boolean).map(Number)
const WARMUP = Math.max(CONTEXT_BATCHES, ...SWEEP)
const only = process.env.CODEC_WORKLOADS?.split(',')
for (const w of workloads) {
  if (only && !only.includes(w.name)) continue
  // Address lists of the batches before the measured ones, oldest first (warm-up of WARMUP
  // batches from the same generator, unsigned: only their addresses matter).
  const lists: Address[][] = []
  for (let i = 0; i < WARMUP; i++)
    lists.push(batchAddresses((await makeBatch(w, false)).blocks.flatMap((b) => b.txs)))
  const batches = []
  for (let i = 0; i < BATCHES; i++) batches.push(await makeBatch(w))
  const contextOf = (j: number, k = CONTEXT_BATCHES) =>
    buildBatchContext(lists.slice(Math.max(0, WARMUP + j - k), WARMUP + j).reverse())
  // every measured batch joins the history of the next
  for (const b of batches) lists.push(batchAddresses(b.blocks.flatMap((x) => x.txs)))
  if (process.env.CODEC_COLUMNS) {
    columnBreakdown(`${w.name} cold`, batches[0]!, EMPTY_BATCH_CONTEXT)
    columnBreakdown(`${w.name} steady`, batches[0]!, contextOf(0))
  }
  // Warm the JIT on one batch so the first workload is not charged for it.
  decodeBatch(encodeBatch(batches[0]!, { quality: 1 }), { chainId: CHAIN_ID })
  const txCount = BATCHES * TXS_PER_BATCH
  let cold = 0
  let tableHits = 0
  let distinct = 0
  let tableSize = 0
  let contextMs = 0
  const sweep = new Map<number, number>()
  let ours = 0
  let rlpBrotli = 0
  let rlpZlib = 0
  let rawBytes = 0
  let floor = 0
  let encodeMs = 0
  let decodeMs = 0
  let baseEncodeMs = 0
  let baseDecodeMs = 0
  for (const batch of batches) {
    const txs = batch.blocks.flatMap((b) => b.txs)
    const raw = concatRaw(txs)
    rawBytes += raw.length
    floor += floorBytes(txs)

    const j = batches.indexOf(batch)
    let context = contextOf(j)
    contextMs += minTime(() => {
      context = contextOf(j)
    })
    tableSize += context.table.length
    for (const a of new Set(batchAddresses(txs))) {
      distinct++
      if (context.index.has(a)) tableHits++
    }
    let t = performance.now()
    // Pinned: the default policy picks 11 for a 1k-tx body on an idle machine, but adapts to
    // load, and this figure should not depend on what else runs.
    const payload = encodeBatch(batch, { quality: 11, context })
    encodeMs += performance.now() - t
    ours += payload.length
    cold += encodeBatch(batch, { quality: 11 }).length
    for (const k of SWEEP)
      sweep.set(
        k,
        (sweep.get(k) ?? 0) + encodeBatch(batch, { quality: 11, context: contextOf(j, k) }).length,
      )

    // The machine is shared: take the fastest of a few runs for the cheap operations.
    let decoded = decodeBatch(payload, { chainId: CHAIN_ID, context })
    decodeMs += minTime(() => {
      decoded = decodeBatch(payload, { chainId: CHAIN_ID, context })
    })
    if (decoded.blocks.flatMap((b) => b.txs).some((tx, i) => tx.hash !== txs[i]!.hash))
      throw new Error('round trip changed a tx hash')

    t = performance.now()
    const b11 = brotli11(raw)
    baseEncodeMs += performance.now() - t
    rlpBrotli += b11.length
    rlpZlib += zlib.deflateRawSync(raw, { level: 9 }).length

    // Baseline decode: decompress and decode every raw tx back (the same validation we do).
    baseDecodeMs += minTime(() => {
      const back = zlib.brotliDecompressSync(b11)
      let off = 0
      for (const tx of txs) {
        decodeTransaction(back.subarray(off, off + tx.raw.length), { chainId: CHAIN_ID })
        off += tx.raw.length
      }
    })
  }
  const perTx = ours / txCount
  const b11PerTx = rlpBrotli / txCount
  const target =
    w.name === 'transfers'
      ? '≤ 90 B/tx and ≥ 15 % below RLP + brotli-11'
      : '≥ 15 % below RLP + brotli-11'
  const below = (x: number) => `${((1 - x / b11PerTx) * 100).toFixed(1)} % below brotli-11`
  report({
    name: `codec.${w.name}.bytes_per_tx`,
    unit: 'B/tx',
    value: Number(perTx.toFixed(2)),
    baseline: { name: 'RLP concatenated + brotli-11', value: Number(b11PerTx.toFixed(2)) },
    ratio: Number((perTx / b11PerTx).toFixed(4)),
    target,
    notes: `v${BATCH_VERSION} steady state: each of ${BATCHES} batches of ${TXS_PER_BATCH} txs (${TXS_PER_BLOCK} per block) encoded against the address table of the ${CONTEXT_BATCHES} batches before it, after a warm-up of ${WARMUP} batches; table ${Math.round(tableSize / BATCHES)} addresses, ${((100 * tableHits) / Math.max(1, distinct)).toFixed(1)} % of each batch's distinct addresses in it; raw RLP ${(rawBytes / txCount).toFixed(1)} B/tx; ${below(perTx)}`,
  })
  const coldPerTx = cold / txCount
  report({
    name: `codec.${w.name}.cold_bytes_per_tx`,
    unit: 'B/tx',
    value: Number(coldPerTx.toFixed(2)),
    baseline: { name: 'RLP concatenated + brotli-11', value: Number(b11PerTx.toFixed(2)) },
    ratio: Number((coldPerTx / b11PerTx).toFixed(4)),
    notes: `the same txs with no context (first batch; self-contained). v3 on these txs is exactly ${((cold - 32 * BATCHES) / txCount).toFixed(2)} B/tx: same body, no 32-byte context hash; ${below(coldPerTx)}`,
  })
  for (const [k, bytes] of sweep)
    report({
      name: `codec.${w.name}.bytes_per_tx_k${k}`,
      unit: 'B/tx',
      value: Number((bytes / txCount).toFixed(2)),
      baseline: { name: 'RLP concatenated + brotli-11', value: Number(b11PerTx.toFixed(2)) },
      ratio: Number((bytes / txCount / b11PerTx).toFixed(4)),
      notes: `table from the ${k} previous batches (the format fixes ${CONTEXT_BATCHES}); ${below(bytes / txCount)}`,
    })
  report({
    name: `codec.${w.name}.context_build_ms`,
    unit: 'ms per batch',
    value: Number((contextMs / BATCHES).toFixed(2)),
    notes: `building the table and its hash from the ${CONTEXT_BATCHES} previous address lists (best of 5)`,
  })
  const floorPerTx = floor / txCount
  report({
    name: `codec.${w.name}.floor_bytes_per_tx`,
    unit: 'B/tx',
    value: Number(floorPerTx.toFixed(2)),
    baseline: { name: 'RLP concatenated + brotli-11', value: Number(b11PerTx.toFixed(2)) },
    ratio: Number((floorPerTx / b11PerTx).toFixed(4)),
    notes: `lower bound for any self-contained (cold) batch: signatures + first-seen random addresses/selectors; at most ${((1 - floorPerTx / b11PerTx) * 100).toFixed(1)} % below brotli-11 even if everything else were free`,
  })
  report({
    name: `codec.${w.name}.bytes_per_tx_vs_zlib9`,
    unit: 'B/tx',
    value: Number(perTx.toFixed(2)),
    baseline: { name: 'RLP concatenated + zlib-9', value: Number((rlpZlib / txCount).toFixed(2)) },
    ratio: Number((ours / rlpZlib).toFixed(4)),
  })
  const mb = rawBytes / 1e6
  report({
    name: `codec.${w.name}.encode_MBps`,
    unit: 'MB/s of raw tx bytes',
    value: Number((mb / (encodeMs / 1000)).toFixed(3)),
    baseline: {
      name: 'brotli-11 of RLP concatenated',
      value: Number((mb / (baseEncodeMs / 1000)).toFixed(3)),
    },
    ratio: Number((baseEncodeMs / encodeMs).toFixed(3)),
    notes:
      'brotli quality 11 (what the policy picks for 1k-tx bodies), includes columns + canonical check',
  })
  report({
    name: `codec.${w.name}.decode_MBps`,
    unit: 'MB/s of raw tx bytes',
    value: Number((mb / (decodeMs / 1000)).toFixed(3)),
    baseline: {
      name: 'brotli decompress + decodeTransaction each',
      value: Number((mb / (baseDecodeMs / 1000)).toFixed(3)),
    },
    ratio: Number((baseDecodeMs / decodeMs).toFixed(3)),
    notes: 'decode rebuilds and validates every tx (serialize, decodeTransaction, keccak)',
  })
}
