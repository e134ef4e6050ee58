import type { Hex } from 'viem'
import { hexToBytes } from 'viem'

/** Where blob data comes from. Both are supported; the result is checked against the commitment. */
export interface BlobSource {
  /** The blobs of one L1 transaction, in the order of its versioned hashes. */
  blobs(request: {
    txHash: Hex
    blockNumber: bigint
    versionedHashes: readonly Hex[]
  }): Promise<Uint8Array[]>
}

async function postJson(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}`)
  const body = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (body.error) throw new Error(`${method}: ${body.error.message}`)
  return body.result
}

/** anvil's `anvil_getBlobsByTransactionHash` (local devnets). */
export function anvilBlobSource(rpcUrl: string): BlobSource {
  return {
    async blobs({ txHash }) {
      const result = await postJson(rpcUrl, 'anvil_getBlobsByTransactionHash', [txHash])
      if (!Array.isArray(result)) throw new Error('anvil_getBlobsByTransactionHash: no blobs')
      return result.map((b) => hexToBytes(b as Hex))
    },
  }
}

export type BeaconBlobSourceOptions = {
  /** beacon API base URL, e.g. http://127.0.0.1:5052 (anvil serves it on its RPC port) */
  url: string
  /**
   * Beacon block id for an execution block. Real beacon nodes want a slot:
   * (timestamp - genesisTime) / secondsPerSlot; anvil takes the block number.
   */
  blockId: (l1Block: { number: bigint }) => Promise<string> | string
}

/** `GET /eth/v1/beacon/blobs/{block_id}?versioned_hashes=...` (the post-Fusaka route). */
export function beaconBlobSource(options: BeaconBlobSourceOptions): BlobSource {
  return {
    async blobs({ blockNumber, versionedHashes }) {
      const id = await options.blockId({ number: blockNumber })
      const query = versionedHashes.map((h) => `versioned_hashes=${h}`).join('&')
      const res = await fetch(
        `${options.url.replace(/\/$/, '')}/eth/v1/beacon/blobs/${id}?${query}`,
      )
      if (!res.ok) throw new Error(`beacon blobs for block ${id}: HTTP ${res.status}`)
      const body = (await res.json()) as { data?: unknown }
      if (!Array.isArray(body.data)) throw new Error(`beacon blobs for block ${id}: no data`)
      return body.data.map((b) => hexToBytes(b as Hex))
    },
  }
}
