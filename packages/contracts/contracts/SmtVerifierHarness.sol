// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SmtVerifier} from "./SmtVerifier.sol";

/// @notice Exposes SmtVerifier for tests against packages/state-tree vectors. Not deployed on L1.
contract SmtVerifierHarness {
    function verify(bytes32 root, bytes32 key, bytes32 value, bool present, bytes calldata proof)
        external
        pure
        returns (bool)
    {
        return SmtVerifier.verify(root, key, value, present, proof);
    }

    function verifyStorage(bytes32 root, address account, bytes32 slot, bytes32 value, bytes calldata proof)
        external
        pure
        returns (bool)
    {
        return SmtVerifier.verifyStorage(root, account, slot, value, proof);
    }

    function storageKey(address account, bytes32 slot) external pure returns (bytes32) {
        return SmtVerifier.storageKey(account, slot);
    }
}
