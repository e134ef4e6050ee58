import {
  decodeTransaction,
  type SignedTx,
  type SignedTxFields,
  serializeSignedTx,
} from '@lanes/core'
import { InvalidBatchTxError } from './errors.js'

/**
 * Serializes the fields read from the columns and runs the result through the same
 * validation as eth_sendRawTransaction (signature ranges, low-s, chain id, intrinsic gas,
 * fee cap), so a batch can only carry transactions the sequencer could have accepted.
 */
export function rebuildTx(fields: SignedTxFields, index: number): SignedTx {
  let raw: Uint8Array
  try {
    raw = serializeSignedTx(fields)
  } catch (err) {
    throw new InvalidBatchTxError(index, 'cannot serialize', { cause: err })
  }
  try {
    return decodeTransaction(raw, { chainId: fields.chainId })
  } catch (err) {
    const reason =
      err instanceof Error && 'shortMessage' in err ? String(err.shortMessage) : 'invalid'
    throw new InvalidBatchTxError(index, reason, { cause: err })
  }
}
