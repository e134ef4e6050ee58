// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice What a batch commits to. See packages/contracts/README.md for every rule.
struct BatchCommitment {
    uint64 batchIndex;
    bytes32 parentStateRoot;
    bytes32 postStateRoot;
    uint64 firstBlock;
    uint64 lastBlock;
    uint64 depositCursor;
    bytes32 depositQueueHash;
}

/// @notice An L2 → L1 message recorded by L2WithdrawalStore. Hashed with
/// keccak256(abi.encode(nonce, sender, l1Recipient, value, data)) on both layers.
struct Withdrawal {
    uint256 nonce;
    address sender;
    address l1Recipient;
    uint256 value;
    bytes data;
}

/// @notice A batch as the contract keeps it. Only postStateRoot is kept forever; the other
/// fields live in a ring of recent batches and are valid for batches not older than the one
/// before the next unfinalized batch (see README, "Storage").
struct StoredBatch {
    bytes32 postStateRoot;
    bytes32 dataHash;
    uint64 lastBlock;
    uint64 depositCursor;
    uint64 committedAt;
    uint64 commitBlock;
}

interface IRollup {
    // ---- roles ----
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event SequencerUpdated(address indexed previousSequencer, address indexed newSequencer);
    event ProverUpdated(address indexed previousProver, address indexed newProver);
    event FinalizationDelayUpdated(uint64 previousDelay, uint64 newDelay);
    event InclusionWindowUpdated(uint64 previousWindow, uint64 newWindow);

    // ---- batches ----
    event BatchCommitted(
        uint64 indexed batchIndex,
        bytes32 parentStateRoot,
        bytes32 postStateRoot,
        uint64 firstBlock,
        uint64 lastBlock,
        uint64 depositCursor,
        bytes32 dataHash,
        uint8 daMode,
        bytes32[] blobHashes
    );
    event BatchFinalized(uint64 indexed batchIndex, bytes32 postStateRoot, bytes32 dataHash);
    event BatchesReverted(uint64 indexed fromIndex, uint64 toIndex);

    // ---- deposits and withdrawals ----
    event DepositQueued(
        uint64 indexed index,
        address indexed from,
        address indexed to,
        uint256 mint,
        uint256 value,
        uint64 gasLimit,
        bytes data,
        bytes32 queueHash
    );
    event WithdrawalClaimed(
        bytes32 indexed withdrawalHash,
        uint64 indexed batchIndex,
        address indexed l1Recipient,
        uint256 value
    );

    error NotOwner();
    error NotSequencer();
    error NotProver();
    error ZeroAddress();
    error BadBatchIndex(uint64 expected, uint64 got);
    error BadParentStateRoot(bytes32 expected, bytes32 got);
    error BadFirstBlock(uint64 expected, uint64 got);
    error BadBlockRange(uint64 firstBlock, uint64 lastBlock);
    error BadDepositCursor(uint64 previous, uint64 got, uint64 depositCount);
    error BadDepositQueueHash(bytes32 expected, bytes32 got);
    error DepositNotIncluded(uint64 depositIndex, uint64 depositBlock, uint64 deadline);
    error NoBlobs();
    error MissingBlob(uint256 index);
    error TooManyUnfinalizedBatches(uint64 limit);
    error BatchNotCommitted(uint64 index);
    error BadFinalizeIndex(uint64 expected, uint64 got);
    error FinalizationTooEarly(uint64 readyAt, uint64 now_);
    error BadAttestation();
    error NothingToFinalize();
    error NothingToRevert(uint64 fromIndex);
    error BatchAlreadyFinalized(uint64 index);
    error DepositGasLimitOutOfRange(uint64 gasLimit);
    error DepositDataTooLarge(uint256 length);
    error BatchNotFinalized(uint64 index);
    error WithdrawalAlreadyClaimed(bytes32 withdrawalHash);
    error BadWithdrawalProof();
    error WithdrawalCallFailed(bytes returnData);

    // ---- roles ----
    function owner() external view returns (address);
    function sequencer() external view returns (address);
    function prover() external view returns (address);
    function transferOwnership(address newOwner) external;
    function setSequencer(address newSequencer) external;
    function setProver(address newProver) external;
    function setFinalizationDelay(uint64 newDelay) external;
    function setInclusionWindow(uint64 newWindow) external;

    // ---- configuration ----
    function genesisStateRoot() external view returns (bytes32);
    function l2ChainId() external view returns (uint64);
    function finalizationDelay() external view returns (uint64);
    function inclusionWindow() external view returns (uint64);

    // ---- batches ----
    function commitBatch(BatchCommitment calldata c, bytes calldata data) external;
    function commitBatchBlobs(BatchCommitment calldata c, uint256 blobCount) external;
    function finalizeBatch(uint64 index, bytes calldata attestation) external;
    function finalizeBatches(uint64 fromIndex, bytes[] calldata attestations) external;
    function revertBatches(uint64 fromIndex) external;

    function nextBatchIndex() external view returns (uint64);
    function nextFinalizedIndex() external view returns (uint64);
    function lastCommittedBlock() external view returns (uint64);
    function lastDepositCursor() external view returns (uint64);
    function batches(uint64 index) external view returns (StoredBatch memory);
    function postStateRootOf(uint64 index) external view returns (bytes32);
    function attestationDigest(uint64 index) external view returns (bytes32);

    // ---- deposits ----
    function depositETH(address to, uint64 l2GasLimit) external payable;
    function depositTransaction(address to, uint256 value, uint64 l2GasLimit, bytes calldata data)
        external
        payable;
    function depositCount() external view returns (uint64);
    function depositQueueHashAt(uint64 index) external view returns (bytes32);
    function depositBlockOf(uint64 index) external view returns (uint64);

    // ---- withdrawals ----
    function proveAndClaimWithdrawal(uint64 batchIndex, Withdrawal calldata w, bytes calldata proof)
        external;
    function claimed(bytes32 withdrawalHash) external view returns (bool);
}
