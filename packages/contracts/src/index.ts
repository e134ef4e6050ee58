export * from './attestation.js'
export { fixtureBlob, fixtureBlobTx, fixtureSidecars } from './blob-fixture.js'
export type { BatchCommitmentInput } from './commitment.js'
export * from './constants.js'
export * from './deploy.js'
export * from './deposit.js'
export {
  l2WithdrawalStoreAbi,
  l2WithdrawalStoreBytecode,
  l2WithdrawalStoreDeployedBytecode,
} from './generated/L2WithdrawalStore.js'
export { rollupAbi, rollupBytecode } from './generated/Rollup.js'
export {
  smtVerifierHarnessAbi,
  smtVerifierHarnessBytecode,
} from './generated/SmtVerifierHarness.js'
export * from './receipt.js'
export * from './withdrawal.js'
