// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Verifier for packages/state-tree proofs
library SmtVerifier {
    /// @notice True when `proof` shows that the storage leaf (account, slot) holds `value`
    /// under `root`.
    function verifyStorage(bytes32 root, address account, bytes32 slot, bytes32 value, bytes calldata proof)
        internal
        pure
        returns (bool)
    {
        // placeholder until the packages/state-tree proof format lands
        root;
        account;
        slot;
        value;
        proof;
        return false;
    }
}
