// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title L2 withdrawal message store (predeployed on L2 at LanesPredeploys.L2_WITHDRAWAL_STORE)
/// @notice Records each L2 → L1 message in `sent`, at storage slot 0, so that L1 can check it
/// with a state-tree proof of the storage leaf keccak256(abi.encode(hash, 0)) holding 1.
contract L2WithdrawalStore {
    /// @dev slot 0: the layout is part of the bridge protocol, never reorder
    mapping(bytes32 => bool) public sent;
    /// @dev slot 1
    uint256 public nonce;

    event WithdrawalInitiated(
        uint256 indexed nonce,
        address indexed sender,
        address indexed l1Recipient,
        uint256 value,
        bytes data,
        bytes32 withdrawalHash
    );

    /// @notice Starts a withdrawal of msg.value to `l1Recipient` on L1, which is called with
    /// `data` when the withdrawal is claimed. The value leaves L2 supply at once: it is burned.
    function withdraw(address l1Recipient, bytes calldata data) external payable returns (bytes32 h) {
        uint256 n = nonce;
        h = keccak256(abi.encode(n, msg.sender, l1Recipient, msg.value, data));
        sent[h] = true;
        nonce = n + 1;
        emit WithdrawalInitiated(n, msg.sender, l1Recipient, msg.value, data, h);
        // the L1 side pays the claim from the Rollup's deposits, so L2 must not keep a copy
        if (msg.value > 0) new Burner{value: msg.value}();
    }
}

/// @notice Destroys the ETH it is created with: under EIP-6780 a contract that self-destructs
/// in its creating transaction is deleted, and ETH sent to itself there is burned (as OP Stack's
/// L2ToL1MessagePasser burns withdrawn value).
contract Burner {
    constructor() payable {
        selfdestruct(payable(address(this)));
    }
}
