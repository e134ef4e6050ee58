import { loadKZG } from 'kzg-wasm'
import { defineKzg, type Kzg } from 'viem'

let kzgPromise: Promise<Kzg> | undefined

/** viem's KZG interface over kzg-wasm (pure wasm, installs offline). */
export function loadKzg(): Promise<Kzg> {
  kzgPromise ??= loadKZG().then((k) =>
    defineKzg({
      blobToKzgCommitment: (blob) => k.blobToKzgCommitment(blob),
      computeBlobKzgProof: (blob, commitment) => k.computeBlobKzgProof(blob, commitment),
    }),
  )
  return kzgPromise
}
