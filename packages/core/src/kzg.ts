import { createHash } from 'node:crypto'
import { type Hex, hexToBytes, type Kzg } from 'viem'

// kzg-wasm 0.4 (c-kzg 1.x) loads its trusted setup in ~1.5 s; 1.x spends 10–40 s building
// PeerDAS cell tables we never use. 0.4 takes and returns bytes; 1.x returns hex: accept both.
type Out = Uint8Array | string
type KzgWasm = {
  blobToKzgCommitment(blob: Uint8Array): Out
  computeBlobKzgProof(blob: Uint8Array, commitment: Uint8Array): Out
  verifyKzgProof(commitment: Uint8Array, z: Uint8Array, y: Uint8Array, proof: Uint8Array): boolean
}

/** viem's Kzg plus the point-evaluation check the EVM's 0x0a precompile needs. */
export type LanesKzg = Kzg & {
  /** true when `proof` shows the polynomial behind `commitment` takes value y at z */
  verifyKzgProof(commitment: Uint8Array, z: Uint8Array, y: Uint8Array, proof: Uint8Array): boolean
}

const bytes = (x: Out): Uint8Array => (typeof x === 'string' ? hexToBytes(x as Hex) : x)

let loading: Promise<LanesKzg> | undefined
let loaded: LanesKzg | undefined

/** kzg-wasm (pure wasm, installs offline, mainnet trusted setup), loaded once per thread. */
export function loadKzg(): Promise<LanesKzg> {
  loading ??= import('kzg-wasm')
    .then((m) => m.loadKZG() as unknown as Promise<KzgWasm>)
    .then((k) => {
      loaded = {
        blobToKzgCommitment: (blob) => bytes(k.blobToKzgCommitment(blob)),
        computeBlobKzgProof: (blob, commitment) => bytes(k.computeBlobKzgProof(blob, commitment)),
        verifyKzgProof: (commitment, z, y, proof) => k.verifyKzgProof(commitment, z, y, proof),
      }
      return loaded
    })
  return loading
}

/** The instance if loadKzg() has finished in this thread, else undefined (never waits). */
export function loadedKzg(): LanesKzg | undefined {
  return loaded
}

/** EIP-4844 versioned hash: 0x01 ‖ sha256(commitment)[1:]. */
export function commitmentToVersionedHash(commitment: Uint8Array): Hex {
  const h = createHash('sha256').update(commitment).digest()
  h[0] = 0x01
  return `0x${h.toString('hex')}` as Hex
}

export async function blobVersionedHash(blob: Uint8Array): Promise<Hex> {
  const kzg = await loadKzg()
  return commitmentToVersionedHash(kzg.blobToKzgCommitment(blob))
}
