import { LanesError } from '@lanes/core'
import {
  type Hash,
  type PublicClient,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from 'viem'

export class ReceiptTimeoutError extends LanesError {
  override name = 'ReceiptTimeoutError'
}

/**
 * Polls eth_getTransactionReceipt until the receipt exists. Unlike viem's
 * waitForTransactionReceipt, which (2.57) can miss a receipt that appears in the block it
 * already saw and then wait for a next block that an idle automining anvil never makes,
 * this only depends on the receipt itself.
 */
export async function waitForReceipt(
  publicClient: PublicClient,
  hash: Hash,
  { timeoutMs = 60_000, pollMs = 25 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await publicClient.getTransactionReceipt({ hash })
    } catch (e) {
      if (!(e instanceof TransactionReceiptNotFoundError)) throw e
    }
    if (Date.now() > deadline)
      throw new ReceiptTimeoutError(`no receipt for ${hash} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, pollMs))
  }
}
