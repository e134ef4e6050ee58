// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Fixed L2 addresses of Lanes system contracts ("Lanes" in ASCII, then an id).
library LanesPredeploys {
    address internal constant L2_WITHDRAWAL_STORE = 0x4c616E6573000000000000000000000000000016;
}
