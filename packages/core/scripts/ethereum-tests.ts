// Conformance check against ethereum/tests TransactionTests (not vendored: pass a checkout).
//   npx tsx packages/core/scripts/ethereum-tests.ts /path/to/ethereum/tests/TransactionTests
// For each vector (Cancun result, else Shanghai): an expected exception must make
// decodeTransaction/recoverSender throw; a valid tx must give the same hash, sender and
// intrinsic gas, except pre-EIP-155 legacy txs, which Lanes rejects by design.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import {
  decodeTransaction,
  fromHex,
  type LanesError,
  recoverSender,
  type SignedTx,
  UnprotectedTxError,
} from '../src/index.js'

type Result = { exception?: string; hash?: string; sender?: string; intrinsicGas?: string }
type Vector = { txbytes: string; result: Record<string, Result> }

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) yield* files(p)
    else if (name.endsWith('.json')) yield p
  }
}

const root = process.argv[2]
if (!root) {
  console.error('usage: ethereum-tests.ts <ethereum/tests/TransactionTests>')
  process.exit(2)
}
let pass = 0
let fail = 0
let skipped = 0
const outcomes = new Map<string, number>()
for (const file of files(root)) {
  let vectors: Record<string, Vector>
  try {
    vectors = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    skipped++ // e.g. git-lfs pointers of the 10 MB data tests
    continue
  }
  for (const [name, v] of Object.entries(vectors)) {
    const want = v.result?.Cancun ?? v.result?.Shanghai
    if (!want) {
      skipped++
      continue
    }
    let tx: SignedTx | undefined
    let from: string | undefined
    let error: LanesError | undefined
    try {
      tx = decodeTransaction(fromHex(v.txbytes), { chainId: 1n })
      from = recoverSender(tx)
    } catch (e) {
      error = e as LanesError
    }
    const got = error ? error.name : 'accepted'
    const key = `${want.exception ?? 'valid'} -> ${error instanceof UnprotectedTxError && !want.exception ? 'rejected pre-155 (by design)' : got}`
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
    let problem: string | undefined
    if (want.exception) {
      if (!error) problem = `accepted, expected ${want.exception}`
    } else if (error) {
      if (!(error instanceof UnprotectedTxError)) problem = `rejected: ${error.shortMessage}`
    } else if (tx && (tx.hash !== want.hash || from !== want.sender)) {
      problem = `hash/sender ${tx.hash} ${from}, expected ${want.hash} ${want.sender}`
    } else if (tx && tx.intrinsicGas !== BigInt(want.intrinsicGas ?? -1)) {
      problem = `intrinsic gas ${tx.intrinsicGas}, expected ${BigInt(want.intrinsicGas ?? 0)}`
    }
    if (problem) {
      fail++
      console.log(`FAIL ${path.relative(root, file)} ${name}: ${problem}`)
    } else pass++
  }
}
for (const [k, n] of [...outcomes].sort()) console.log(`${String(n).padStart(4)}  ${k}`)
console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`)
process.exit(fail ? 1 : 0)
