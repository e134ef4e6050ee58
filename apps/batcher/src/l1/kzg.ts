import { loadKZG } from 'kzg-wasm'
import { defineKzg, type Kzg } from 'viem'

let kzgPromise: Promise<Kzg> | undefined

/**
 * viem's KZG interface. The native @crate-crypto/node-eth-kzg (prebuilt, installs offline) is
 * about 4× faster per blob than wasm, which is most of a blob batch's compress time; kzg-wasm
 * (pure wasm) stays as the fallback where no prebuilt binary exists. Both give the same bytes.
 */
export function loadKzg(): Promise<Kzg> {
  kzgPromise ??= nativeKzg().then((k) => k ?? wasmKzg())
  return kzgPromise
}

async function nativeKzg(): Promise<Kzg | undefined> {
  try {
    const { DasContextJs } = await import('@crate-crypto/node-eth-kzg')
    const ctx = DasContextJs.create({ usePrecomp: false })
    return defineKzg({
      blobToKzgCommitment: (blob) => ctx.blobToKzgCommitment(blob),
      computeBlobKzgProof: (blob, commitment) => ctx.computeBlobKzgProof(blob, commitment),
    })
  } catch {
    return undefined
  }
}

async function wasmKzg(): Promise<Kzg> {
  const k = await loadKZG()
  return defineKzg({
    blobToKzgCommitment: (blob) => k.blobToKzgCommitment(blob),
    computeBlobKzgProof: (blob, commitment) => k.computeBlobKzgProof(blob, commitment),
  })
}
