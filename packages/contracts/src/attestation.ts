import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem'

export type AttestationInput = {
  l2ChainId: bigint
  rollup: Address
  batchIndex: bigint
  parentStateRoot: Hex
  postStateRoot: Hex
  dataHash: Hex
}

/**
 * The digest the prover signs for finalizeBatch. The contract checks an EIP-191 personal
 * signature over it: sign with `account.signMessage({ message: { raw: digest } })`.
 */
export function attestationDigest(a: AttestationInput): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'uint64' },
        { type: 'address' },
        { type: 'uint64' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
      ],
      [a.l2ChainId, a.rollup, a.batchIndex, a.parentStateRoot, a.postStateRoot, a.dataHash],
    ),
  )
}

/** dataHash of a blob commit: keccak256 of the versioned hashes concatenated. */
export function blobDataHash(versionedHashes: readonly Hex[]): Hex {
  return keccak256(`0x${versionedHashes.map((h) => h.slice(2)).join('')}`)
}
