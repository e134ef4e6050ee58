export type DaMode = 'calldata' | 'blobs'
export type DaSetting = DaMode | 'auto'

export const BLOB_SIZE = 131072
/** usable payload bytes per blob with 31 data bytes per 32-byte field element */
export const BLOB_USABLE_BYTES = 4096 * 31
export const GAS_PER_BLOB = 131072n
export const MAX_BLOBS_PER_TX = 6

export type DaInputs = {
  payloadBytes: number
  /** payload bytes per blob with the codec's packing */
  bytesPerBlob: number
  baseFee: bigint
  blobBaseFee: bigint
  priorityFee: bigint
  /** execution gas of commitBatch besides calldata bytes */
  calldataOverheadGas: bigint
  /** execution gas of commitBatchBlobs */
  blobOverheadGas: bigint
}

export function blobCountFor(payloadBytes: number, bytesPerBlob: number): number {
  return Math.max(1, Math.ceil(payloadBytes / bytesPerBlob))
}

/** Compressed payloads are nearly all non-zero bytes: 16 gas each (EIP-2028). */
export function calldataGas(payloadBytes: number, overheadGas: bigint): bigint {
  return overheadGas + 16n * BigInt(payloadBytes)
}

export type DaCost = { calldataWei: bigint; blobWei: bigint; blobs: number }

export function daCosts(i: DaInputs): DaCost {
  const price = i.baseFee + i.priorityFee
  const blobs = blobCountFor(i.payloadBytes, i.bytesPerBlob)
  const calldataWei = calldataGas(i.payloadBytes, i.calldataOverheadGas) * price
  const blobWei = i.blobOverheadGas * price + BigInt(blobs) * GAS_PER_BLOB * i.blobBaseFee
  return { calldataWei, blobWei, blobs }
}

/**
 * The DA mode to post with. `auto` takes the cheaper at current L1 prices; a
 * payload that needs more blobs than one tx may carry goes as calldata.
 */
export function chooseDa(setting: DaSetting, i: DaInputs, maxBlobs = MAX_BLOBS_PER_TX): DaMode {
  if (setting === 'calldata') return 'calldata'
  const c = daCosts(i)
  if (c.blobs > maxBlobs) return 'calldata'
  if (setting === 'blobs') return 'blobs'
  return c.blobWei < c.calldataWei ? 'blobs' : 'calldata'
}
