import { InvalidBlobError } from './errors.js'

export const BYTES_PER_FIELD_ELEMENT = 32
export const FIELD_ELEMENTS_PER_BLOB = 4096
export const BLOB_BYTES = BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_BLOB
/** 127 bytes per 4 field elements (254 usable bits each) */
export const BLOB_STREAM_BYTES = (FIELD_ELEMENTS_PER_BLOB / 4) * 127
/** stream minus version byte and 3-byte length: 130,044 */
export const BLOB_PAYLOAD_BYTES = BLOB_STREAM_BYTES - 4
/** EIP-4844/7691 per-tx limit the batcher plans for */
export const MAX_BLOBS_PER_BATCH = 6
export const BLOB_ENCODING_VERSION = 0

/** BLS12-381 scalar field modulus: every field element must be below it. */
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n

/** Packs a 130,048-byte stream into a blob (spec §6): 31 bytes + 6 bits per field element. */
function packStream(stream: Uint8Array): Uint8Array {
  const blob = new Uint8Array(BLOB_BYTES)
  for (let g = 0; g < FIELD_ELEMENTS_PER_BLOB / 4; g++) {
    const s = g * 127
    const b = g * 128
    for (let j = 0; j < 4; j++)
      blob.set(stream.subarray(s + j * 31, s + j * 31 + 31), b + j * 32 + 1)
    const x = (stream[s + 124]! << 16) | (stream[s + 125]! << 8) | stream[s + 126]!
    blob[b] = (x >> 18) & 0x3f
    blob[b + 32] = (x >> 12) & 0x3f
    blob[b + 64] = (x >> 6) & 0x3f
    blob[b + 96] = x & 0x3f
  }
  return blob
}

function unpackStream(blob: Uint8Array, index: number): Uint8Array {
  const stream = new Uint8Array(BLOB_STREAM_BYTES)
  for (let g = 0; g < FIELD_ELEMENTS_PER_BLOB / 4; g++) {
    const s = g * 127
    const b = g * 128
    let x = 0
    for (let j = 0; j < 4; j++) {
      const top = blob[b + j * 32]!
      if (top & 0xc0)
        throw new InvalidBlobError(
          `blob ${index}: field element ${g * 4 + j} uses its top two bits`,
        )
      x = (x << 6) | top
      stream.set(blob.subarray(b + j * 32 + 1, b + j * 32 + 32), s + j * 31)
    }
    stream[s + 124] = x >> 16
    stream[s + 125] = (x >> 8) & 0xff
    stream[s + 126] = x & 0xff
  }
  return stream
}

/** Splits a payload into ⌈len / 130,044⌉ blobs of 131,072 bytes (spec §6). */
export function toBlobs(payload: Uint8Array): Uint8Array[] {
  if (payload.length === 0) throw new RangeError('cannot put an empty payload into blobs')
  const blobs: Uint8Array[] = []
  for (let off = 0; off < payload.length; off += BLOB_PAYLOAD_BYTES) {
    const chunk = payload.subarray(off, off + BLOB_PAYLOAD_BYTES)
    const stream = new Uint8Array(BLOB_STREAM_BYTES)
    stream[0] = BLOB_ENCODING_VERSION
    stream[1] = chunk.length >> 16
    stream[2] = (chunk.length >> 8) & 0xff
    stream[3] = chunk.length & 0xff
    stream.set(chunk, 4)
    blobs.push(packStream(stream))
  }
  return blobs
}

/** Reassembles the payload from blobs in order; rejects anything toBlobs would not produce. */
export function fromBlobs(blobs: readonly Uint8Array[]): Uint8Array {
  if (blobs.length === 0) throw new InvalidBlobError('no blobs')
  const chunks: Uint8Array[] = []
  let total = 0
  for (const [i, blob] of blobs.entries()) {
    if (blob.length !== BLOB_BYTES)
      throw new InvalidBlobError(`blob ${i} has ${blob.length} bytes, expected ${BLOB_BYTES}`)
    const stream = unpackStream(blob, i)
    if (stream[0] !== BLOB_ENCODING_VERSION)
      throw new InvalidBlobError(`blob ${i}: unknown blob encoding version ${stream[0]}`)
    const len = (stream[1]! << 16) | (stream[2]! << 8) | stream[3]!
    if (len === 0 || len > BLOB_PAYLOAD_BYTES)
      throw new InvalidBlobError(`blob ${i}: payload length ${len} out of range`)
    if (i < blobs.length - 1 && len !== BLOB_PAYLOAD_BYTES)
      throw new InvalidBlobError(`blob ${i} is not full but is not the last blob`)
    for (let k = 4 + len; k < BLOB_STREAM_BYTES; k++)
      if (stream[k] !== 0)
        throw new InvalidBlobError(`blob ${i}: nonzero padding after the payload`)
    chunks.push(stream.subarray(4, 4 + len))
    total += len
  }
  const out = new Uint8Array(total)
  let off = 0
  for (const c of chunks) {
    out.set(c, off)
    off += c.length
  }
  return out
}

/** Blobs needed for a payload of `length` bytes. */
export function blobCount(length: number): number {
  return Math.ceil(length / BLOB_PAYLOAD_BYTES)
}
