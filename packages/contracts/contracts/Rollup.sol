// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchCommitment, IRollup, StoredBatch, Withdrawal} from "./IRollup.sol";
import {LanesPredeploys} from "./LanesPredeploys.sol";
import {SmtVerifier} from "./SmtVerifier.sol";

/// @title Lanes rollup contract on L1
/// @notice Batches chain by index, parent state root, L2 block range and deposit cursor;
/// the prover finalizes them in order after a delay; users queue deposits and claim
/// withdrawals against finalized state roots. The rules are spelled out in README.md.
contract Rollup is IRollup {
    uint8 internal constant DA_CALLDATA = 0;
    uint8 internal constant DA_BLOBS = 1;

    /// @dev Committed batches live in a ring of pre-warmed slots (overwriting a non-zero word
    /// costs 5k gas, a fresh one 22k), so a commit writes no fresh storage at all; finalization
    /// copies the post state root to permanent storage for withdrawals. The ring must hold every
    /// unfinalized batch plus the last finalized one (commit and revertBatches read it).
    uint64 public constant BATCH_RING_SIZE = 128;
    uint64 public constant MAX_UNFINALIZED_BATCHES = BATCH_RING_SIZE - 1;

    uint64 public constant MIN_DEPOSIT_GAS_LIMIT = 21_000;
    /// @notice Added to an L1 contract's address to give its L2 sender of deposits
    uint160 public constant L1_TO_L2_ALIAS_OFFSET = uint160(0x1111000000000000000000000000000000001111);
    uint64 public constant MAX_DEPOSIT_GAS_LIMIT = 10_000_000;
    uint256 public constant MAX_DEPOSIT_DATA_LENGTH = 120_000;

    bytes32 public immutable genesisStateRoot;
    uint64 public immutable l2ChainId;

    // slot: commit head, read and written by every commit
    uint64 internal _nextBatchIndex;
    uint64 internal _lastBlock;
    uint64 internal _depositCursor;
    uint64 internal _nextFinalizedIndex;

    // slot: sequencer + deposit count, both read by every commit
    address public sequencer;
    uint64 internal _depositCount;

    address public prover;
    uint64 public finalizationDelay;

    address public owner;
    uint64 public inclusionWindow;

    struct RingEntry {
        bytes32 postStateRoot;
        bytes32 dataHash;
        uint64 lastBlock;
        uint64 depositCursor;
        uint64 committedAt;
        uint64 commitBlock;
    }

    RingEntry[128] internal _ring;
    /// @dev post state roots of finalized batches, kept forever
    mapping(uint256 => bytes32) internal _finalizedRoots;
    /// @dev running queue hash after deposit i (h_{i+1})
    mapping(uint256 => bytes32) internal _queueHashAfter;
    /// @dev L1 block number of deposit i, four uint64 per word
    mapping(uint256 => uint256) internal _depositBlocks;
    mapping(bytes32 => bool) public claimed;

    constructor(
        address owner_,
        address sequencer_,
        address prover_,
        bytes32 genesisStateRoot_,
        uint64 l2ChainId_,
        uint64 finalizationDelay_,
        uint64 inclusionWindow_
    ) {
        if (owner_ == address(0) || sequencer_ == address(0) || prover_ == address(0)) {
            revert ZeroAddress();
        }
        owner = owner_;
        sequencer = sequencer_;
        prover = prover_;
        genesisStateRoot = genesisStateRoot_;
        l2ChainId = l2ChainId_;
        finalizationDelay = finalizationDelay_;
        inclusionWindow = inclusionWindow_;
        // Pre-warm the ring: writing a non-zero word costs 20k gas once here instead of in
        // the first BATCH_RING_SIZE commits. Index 0 of the metadata doubles as the genesis
        // record (lastBlock 0, cursor 0) that revertBatches(0) restores from.
        for (uint256 i = 0; i < BATCH_RING_SIZE; i++) {
            _ring[i] = RingEntry(bytes32(uint256(1)), bytes32(uint256(1)), 0, 0, 1, 0);
        }
        emit OwnershipTransferred(address(0), owner_);
        emit SequencerUpdated(address(0), sequencer_);
        emit ProverUpdated(address(0), prover_);
    }

    // ------------------------------------------------------------------ roles

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setSequencer(address newSequencer) external onlyOwner {
        if (newSequencer == address(0)) revert ZeroAddress();
        emit SequencerUpdated(sequencer, newSequencer);
        sequencer = newSequencer;
    }

    function setProver(address newProver) external onlyOwner {
        if (newProver == address(0)) revert ZeroAddress();
        emit ProverUpdated(prover, newProver);
        prover = newProver;
    }

    function setFinalizationDelay(uint64 newDelay) external onlyOwner {
        emit FinalizationDelayUpdated(finalizationDelay, newDelay);
        finalizationDelay = newDelay;
    }

    function setInclusionWindow(uint64 newWindow) external onlyOwner {
        emit InclusionWindowUpdated(inclusionWindow, newWindow);
        inclusionWindow = newWindow;
    }

    // ------------------------------------------------------------------ batches

    modifier onlySequencer() {
        if (msg.sender != sequencer) revert NotSequencer();
        _;
    }

    function commitBatch(BatchCommitment calldata c, bytes calldata data) external onlySequencer {
        _commit(c, keccak256(data), DA_CALLDATA, new bytes32[](0));
    }

    function commitBatchBlobs(BatchCommitment calldata c, uint256 blobCount) external onlySequencer {
        if (blobCount == 0) revert NoBlobs();
        bytes32[] memory hashes = new bytes32[](blobCount);
        for (uint256 i = 0; i < blobCount; i++) {
            bytes32 h = blobhash(i);
            if (h == bytes32(0)) revert MissingBlob(i);
            hashes[i] = h;
        }
        _commit(c, keccak256(abi.encodePacked(hashes)), DA_BLOBS, hashes);
    }

    function _commit(
        BatchCommitment calldata c,
        bytes32 dataHash,
        uint8 daMode,
        bytes32[] memory blobHashes
    ) internal {
        uint64 index = _nextBatchIndex;
        if (c.batchIndex != index) revert BadBatchIndex(index, c.batchIndex);
        if (index - _nextFinalizedIndex >= MAX_UNFINALIZED_BATCHES) {
            revert TooManyUnfinalizedBatches(MAX_UNFINALIZED_BATCHES);
        }
        // batch index-1 is unfinalized or the last finalized one: still in the ring
        bytes32 parent = index == 0 ? genesisStateRoot : _ring[(index - 1) % BATCH_RING_SIZE].postStateRoot;
        if (c.parentStateRoot != parent) revert BadParentStateRoot(parent, c.parentStateRoot);
        uint64 lastBlock = _lastBlock;
        if (c.firstBlock != lastBlock + 1) revert BadFirstBlock(lastBlock + 1, c.firstBlock);
        if (c.lastBlock < c.firstBlock) revert BadBlockRange(c.firstBlock, c.lastBlock);

        uint64 count = _depositCount;
        uint64 cursor = c.depositCursor;
        if (cursor < _depositCursor || cursor > count) {
            revert BadDepositCursor(_depositCursor, cursor, count);
        }
        bytes32 queueHash = cursor == 0 ? bytes32(0) : _queueHashAfter[cursor - 1];
        if (c.depositQueueHash != queueHash) revert BadDepositQueueHash(queueHash, c.depositQueueHash);
        if (cursor < count) {
            // Forced inclusion: the oldest deposit this batch leaves out must still be in
            // its window. At exactly depositBlock + inclusionWindow it is; one block later not.
            uint64 depositBlock = _depositBlockOf(cursor);
            uint64 deadline = depositBlock + inclusionWindow;
            if (block.number > deadline) revert DepositNotIncluded(cursor, depositBlock, deadline);
        }

        _nextBatchIndex = index + 1;
        _lastBlock = c.lastBlock;
        _depositCursor = cursor;
        _ring[index % BATCH_RING_SIZE] = RingEntry(
            c.postStateRoot, dataHash, c.lastBlock, cursor, uint64(block.timestamp), uint64(block.number)
        );
        emit BatchCommitted(
            index,
            c.parentStateRoot,
            c.postStateRoot,
            c.firstBlock,
            c.lastBlock,
            cursor,
            dataHash,
            daMode,
            blobHashes
        );
    }

    function finalizeBatch(uint64 index, bytes calldata attestation) external {
        if (msg.sender != prover) revert NotProver();
        _finalize(index, attestation);
    }

    /// Finalizes attestations.length consecutive batches from fromIndex in one tx, all or none,
    /// so a prover keeps up with a batcher that commits more than one batch per L1 block.
    function finalizeBatches(uint64 fromIndex, bytes[] calldata attestations) external {
        if (msg.sender != prover) revert NotProver();
        if (attestations.length == 0) revert NothingToFinalize();
        for (uint256 i = 0; i < attestations.length; i++) {
            _finalize(fromIndex + uint64(i), attestations[i]);
        }
    }

    function _finalize(uint64 index, bytes calldata attestation) internal {
        uint64 expected = _nextFinalizedIndex;
        if (index != expected) revert BadFinalizeIndex(expected, index);
        if (index >= _nextBatchIndex) revert BatchNotCommitted(index);
        RingEntry storage e = _ring[index % BATCH_RING_SIZE];
        uint64 readyAt = e.committedAt + finalizationDelay;
        if (block.timestamp < readyAt) revert FinalizationTooEarly(readyAt, uint64(block.timestamp));
        bytes32 dataHash = e.dataHash;
        bytes32 post = e.postStateRoot;
        bytes32 digest = _attestationDigest(index, post, dataHash);
        bytes32 signed = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", digest));
        if (_recover(signed, attestation) != msg.sender) revert BadAttestation();
        _nextFinalizedIndex = index + 1;
        _finalizedRoots[index] = post;
        emit BatchFinalized(index, post, dataHash);
    }

    function revertBatches(uint64 fromIndex) external onlyOwner {
        uint64 next = _nextBatchIndex;
        if (fromIndex >= next) revert NothingToRevert(fromIndex);
        if (fromIndex < _nextFinalizedIndex) revert BatchAlreadyFinalized(fromIndex);
        if (fromIndex == 0) {
            _lastBlock = 0;
            _depositCursor = 0;
        } else {
            RingEntry storage prev = _ring[(fromIndex - 1) % BATCH_RING_SIZE];
            _lastBlock = prev.lastBlock;
            _depositCursor = prev.depositCursor;
        }
        _nextBatchIndex = fromIndex;
        emit BatchesReverted(fromIndex, next - 1);
    }

    function nextBatchIndex() external view returns (uint64) {
        return _nextBatchIndex;
    }

    function nextFinalizedIndex() external view returns (uint64) {
        return _nextFinalizedIndex;
    }

    function lastCommittedBlock() external view returns (uint64) {
        return _lastBlock;
    }

    function lastDepositCursor() external view returns (uint64) {
        return _depositCursor;
    }

    /// @notice The stored batch. postStateRoot is kept for every committed batch; the other
    /// fields are zero once the batch has left the ring (BATCH_RING_SIZE newer batches).
    function batches(uint64 index) external view returns (StoredBatch memory b) {
        uint64 next = _nextBatchIndex;
        if (index >= next) return b;
        b.postStateRoot = _postRootOf(index);
        if (next - index <= BATCH_RING_SIZE) {
            RingEntry storage e = _ring[index % BATCH_RING_SIZE];
            b.dataHash = e.dataHash;
            b.lastBlock = e.lastBlock;
            b.depositCursor = e.depositCursor;
            b.committedAt = e.committedAt;
            b.commitBlock = e.commitBlock;
        }
    }

    function postStateRootOf(uint64 index) external view returns (bytes32) {
        if (index >= _nextBatchIndex) revert BatchNotCommitted(index);
        return _postRootOf(index);
    }

    /// @dev for a committed batch: finalized ones from permanent storage, others from the ring
    function _postRootOf(uint64 index) internal view returns (bytes32) {
        if (index < _nextFinalizedIndex) return _finalizedRoots[index];
        return _ring[index % BATCH_RING_SIZE].postStateRoot;
    }

    /// @notice The digest the prover signs (before the EIP-191 prefix) for a batch in the ring.
    function attestationDigest(uint64 index) external view returns (bytes32) {
        uint64 next = _nextBatchIndex;
        if (index >= next || next - index > BATCH_RING_SIZE) revert BatchNotCommitted(index);
        RingEntry storage e = _ring[index % BATCH_RING_SIZE];
        return _attestationDigest(index, e.postStateRoot, e.dataHash);
    }

    function _attestationDigest(uint64 index, bytes32 post, bytes32 dataHash)
        internal
        view
        returns (bytes32)
    {
        bytes32 parent = index == 0 ? genesisStateRoot : _postRootOf(index - 1);
        return keccak256(abi.encode(l2ChainId, address(this), index, parent, post, dataHash));
    }

    /// @dev ecrecover with the usual malleability rules; returns address(0) when invalid.
    function _recover(bytes32 hash, bytes calldata sig) internal pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) v += 27;
        if (v != 27 && v != 28) return address(0);
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) {
            return address(0);
        }
        return ecrecover(hash, v, r, s);
    }

    // ------------------------------------------------------------------ deposits

    function depositETH(address to, uint64 l2GasLimit) external payable {
        if (to == address(0)) revert ZeroAddress();
        _deposit(to, msg.value, l2GasLimit, "");
    }

    function depositTransaction(address to, uint256 value, uint64 l2GasLimit, bytes calldata data)
        external
        payable
    {
        _deposit(to, value, l2GasLimit, data);
    }

    function _deposit(address to, uint256 value, uint64 gasLimit, bytes memory data) internal {
        if (gasLimit < MIN_DEPOSIT_GAS_LIMIT || gasLimit > MAX_DEPOSIT_GAS_LIMIT) {
            revert DepositGasLimitOutOfRange(gasLimit);
        }
        if (data.length > MAX_DEPOSIT_DATA_LENGTH) revert DepositDataTooLarge(data.length);
        uint64 i = _depositCount;
        address from = _l2Sender();
        bytes32 prev = i == 0 ? bytes32(0) : _queueHashAfter[i - 1];
        bytes32 h =
            keccak256(abi.encode(prev, i, from, to, msg.value, value, gasLimit, keccak256(data)));
        _queueHashAfter[i] = h;
        uint256 shift = (uint256(i) % 4) * 64;
        _depositBlocks[i / 4] |= uint256(uint64(block.number)) << shift;
        _depositCount = i + 1;
        emit DepositQueued(i, from, to, msg.value, value, gasLimit, data, h);
    }

    /// @dev The L2 sender of a deposit. A contract's address is offset by L1_TO_L2_ALIAS_OFFSET
    /// (as OP Stack and Arbitrum do), so an L1 contract can never act as the L2 account of the
    /// same address, which may belong to someone else there. An EOA keeps its address.
    function _l2Sender() internal view returns (address) {
        if (msg.sender == tx.origin) return msg.sender;
        unchecked {
            return address(uint160(msg.sender) + L1_TO_L2_ALIAS_OFFSET);
        }
    }

    function depositCount() external view returns (uint64) {
        return _depositCount;
    }

    /// @notice The running queue hash after the first `index` deposits (0 for index 0).
    function depositQueueHashAt(uint64 index) external view returns (bytes32) {
        if (index > _depositCount) revert BadDepositCursor(0, index, _depositCount);
        return index == 0 ? bytes32(0) : _queueHashAfter[index - 1];
    }

    function depositBlockOf(uint64 index) external view returns (uint64) {
        if (index >= _depositCount) revert BadDepositCursor(0, index, _depositCount);
        return _depositBlockOf(index);
    }

    function _depositBlockOf(uint64 index) internal view returns (uint64) {
        return uint64(_depositBlocks[index / 4] >> ((uint256(index) % 4) * 64));
    }

    // ------------------------------------------------------------------ withdrawals

    function proveAndClaimWithdrawal(uint64 batchIndex, Withdrawal calldata w, bytes calldata proof)
        external
    {
        if (batchIndex >= _nextFinalizedIndex) revert BatchNotFinalized(batchIndex);
        bytes32 wh = keccak256(abi.encode(w.nonce, w.sender, w.l1Recipient, w.value, w.data));
        if (claimed[wh]) revert WithdrawalAlreadyClaimed(wh);
        // L2WithdrawalStore keeps `mapping(bytes32 => bool) sent` at slot 0.
        bytes32 slot = keccak256(abi.encode(wh, uint256(0)));
        bool ok = SmtVerifier.verifyStorage(
            _finalizedRoots[batchIndex], LanesPredeploys.L2_WITHDRAWAL_STORE, slot, bytes32(uint256(1)), proof
        );
        if (!ok) revert BadWithdrawalProof();
        claimed[wh] = true;
        (bool success, bytes memory ret) = w.l1Recipient.call{value: w.value}(w.data);
        if (!success) revert WithdrawalCallFailed(ret);
        emit WithdrawalClaimed(wh, batchIndex, w.l1Recipient, w.value);
    }
}
