// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Verifier for packages/state-tree proofs (README sections 4 and 5 there)
/// @notice Binary sparse Merkle tree of depth 256 over keccak-256:
///   leafHash(k, v) = keccak256(0x00 ‖ k ‖ v), nodeHash(l, r) = keccak256(0x01 ‖ l ‖ r),
///   EMPTY = 0, single-leaf subtrees compressed, key bits MSB-first.
/// Proof bytes: kind (1) ‖ depth (2, big-endian) ‖ bitmap (32) ‖ [otherKey ‖ otherValue if kind 2]
///   ‖ siblings (32 each, root first, one per set bitmap bit). Malformed input verifies false.
library SmtVerifier {
    uint8 internal constant KIND_INCLUSION = 0;
    uint8 internal constant KIND_EMPTY = 1;
    uint8 internal constant KIND_OTHER_LEAF = 2;

    /// @notice Storage leaf key of (account, slot): keccak256(account ‖ slot).
    function storageKey(address account, bytes32 slot) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(account, slot));
    }

    /// @notice True when `proof` shows that storage slot `slot` of `account` holds the non-zero
    /// word `value` under `root`.
    function verifyStorage(bytes32 root, address account, bytes32 slot, bytes32 value, bytes calldata proof)
        internal
        pure
        returns (bool)
    {
        return verify(root, storageKey(account, slot), value, true, proof);
    }

    /// @notice Verifies presence (present = true, value ≠ 0) or absence (present = false, value
    /// ignored) of `key` under `root`.
    function verify(bytes32 root, bytes32 key, bytes32 value, bool present, bytes calldata proof)
        internal
        pure
        returns (bool)
    {
        if (proof.length < 35) return false;
        uint256 kind = uint8(proof[0]);
        uint256 depth = (uint256(uint8(proof[1])) << 8) | uint256(uint8(proof[2]));
        if (depth > 256) return false;
        uint256 bitmap = uint256(bytes32(proof[3:35]));
        // bits at levels >= depth must be clear (a shift by 256 yields 0 in Solidity)
        if ((bitmap << depth) != 0) return false;

        uint256 off = 35;
        bytes32 h;
        if (kind == KIND_OTHER_LEAF) {
            if (present || proof.length < 99) return false;
            bytes32 otherKey = bytes32(proof[35:67]);
            bytes32 otherValue = bytes32(proof[67:99]);
            if (otherKey == key || otherValue == bytes32(0)) return false;
            if (depth > 0 && (uint256(otherKey ^ key) >> (256 - depth)) != 0) return false;
            h = _hash(0x00, otherKey, otherValue);
            off = 99;
        } else if (kind == KIND_INCLUSION) {
            if (!present || value == bytes32(0)) return false;
            h = _hash(0x00, key, value);
        } else if (kind == KIND_EMPTY) {
            if (present) return false;
        } else {
            return false;
        }

        uint256 count = _popcount(bitmap);
        if (proof.length != off + 32 * count) return false;

        uint256 j = count;
        for (uint256 i = depth; i > 0;) {
            unchecked {
                --i;
            }
            bytes32 s;
            if ((bitmap >> (255 - i)) & 1 == 1) {
                unchecked {
                    --j;
                }
                s = bytes32(proof[off + 32 * j:off + 32 * j + 32]);
            }
            if ((uint256(key) >> (255 - i)) & 1 == 0) h = _hash(0x01, h, s);
            else h = _hash(0x01, s, h);
        }
        return h == root;
    }

    /// @dev keccak256(prefix ‖ a ‖ b) in scratch memory past the free pointer (no allocation,
    /// so a 256-level proof does not grow memory).
    function _hash(uint8 prefix, bytes32 a, bytes32 b) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, prefix)
            mstore(add(p, 1), a)
            mstore(add(p, 33), b)
            h := keccak256(p, 65)
        }
    }

    function _popcount(uint256 x) private pure returns (uint256 n) {
        unchecked {
            while (x != 0) {
                x &= x - 1;
                ++n;
            }
        }
    }
}
