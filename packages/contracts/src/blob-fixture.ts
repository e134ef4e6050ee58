// Test/bench blobs with precomputed KZG commitments and proofs: loading kzg-wasm's trusted
// setup takes 10–50 s on this machine, too slow for unit tests. The values are written by
// scripts/blob-fixture.ts (kzg-wasm, mainnet setup); anvil verifies them on every blob tx.
import { type BlobSidecars, commitmentsToVersionedHashes, type Hex, toBlobs } from 'viem'
import { BLOB_PROOFS } from './blob-fixture-data.js'

/** Blob i (0-based, i < 3) carries 100,000 bytes of value i + 1 in viem's toBlobs packing. */
export function fixtureBlob(i: number): Hex {
  const blob = toBlobs({ data: `0x${(i + 1).toString(16).padStart(2, '0').repeat(100_000)}` })[0]
  if (!blob) throw new Error('no blob')
  return blob
}

/** Sidecars for fixture blobs 0 .. count-1. */
export function fixtureSidecars(count: number): BlobSidecars<Hex> {
  if (count > BLOB_PROOFS.length) throw new RangeError(`only ${BLOB_PROOFS.length} fixture blobs`)
  return BLOB_PROOFS.slice(0, count).map((p, i) => ({
    blob: fixtureBlob(i),
    commitment: p.commitment,
    proof: p.proof,
  }))
}

/** What viem's sendTransaction needs to carry fixture blobs 0 .. count-1 without a KZG library. */
export function fixtureBlobTx(count: number): {
  blobs: Hex[]
  sidecars: BlobSidecars<Hex>
  blobVersionedHashes: Hex[]
} {
  const sidecars = fixtureSidecars(count)
  return {
    blobs: sidecars.map((s) => s.blob),
    sidecars,
    blobVersionedHashes: [
      ...commitmentsToVersionedHashes({
        commitments: sidecars.map((s) => s.commitment),
        to: 'hex',
      }),
    ],
  }
}
