import { cpSync, existsSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../harness/processes.js'
import { CHAOS, figure, rawTx, startSequencer, tempDir, testKey, writeGenesis } from './lib.js'

/**
 * Scenario 9: bytes flipped in the sequencer's SQLite file (a tree-node row, the stored root,
 * a flat account row) must stop the next start-up with a loud "state root mismatch" instead of
 * building blocks on a wrong state.
 *
 * The start-up check (checkHeadRoot) compares the header root with the stored root row, with a
 * root recomputed from the flat rows, and proves every leaf from the smt_node rows against the
 * stored root (plus reads each leaf row back), so each of these corruptions halts start-up.
 */

const FUNDED = testKey(1)
const TXS = 30
const tmp = tempDir('lanes-corrupt-')
let genesis: string
let cleanDir: string

beforeAll(async () => {
  genesis = writeGenesis(tmp.dir, [FUNDED])
  cleanDir = path.join(tmp.dir, 'clean')
  const seq = await startSequencer({ genesis, dataDir: cleanDir })
  try {
    const calls: [string, unknown[]][] = Array.from({ length: TXS }, (_, i) => [
      'eth_sendRawTransaction',
      [rawTx(FUNDED, { nonce: BigInt(i) })],
    ])
    const replies = await seq.batch(calls)
    expect(replies.filter((r) => typeof r.result === 'string')).toHaveLength(TXS)
    const last = replies[TXS - 1]!.result
    await waitFor(
      'all txs mined',
      async () => (await seq.rpc('eth_getTransactionReceipt', [last])) ?? undefined,
      { timeoutMs: 30_000 },
    )
  } finally {
    await seq.stop()
  }
}, 240_000)

afterAll(() => tmp.cleanup())

type Corruption = { name: string; short: boolean; apply: (db: Database.Database) => string }

const flip = (b: Buffer, at: number) => {
  const out = Buffer.from(b)
  out[at % out.length] = out[at % out.length]! ^ 0xff
  return out
}

type NodeRow = { tbl: string; path: Buffer; version: number; node: Buffer }

/** The newest tree-node row with this tag byte (01 internal, 00 leaf) in either node table. */
function newestNode(db: Database.Database, tag: '00' | '01'): NodeRow {
  const select = (tbl: string) =>
    `SELECT '${tbl}' AS tbl, path, version, node, length(path) AS plen FROM ${tbl} WHERE substr(node, 1, 1) = x'${tag}'`
  const row = db
    .prepare<[], NodeRow>(
      `${select('smt_node_recent')} UNION ALL ${select('smt_node')}
       ORDER BY version DESC, plen ASC LIMIT 1`,
    )
    .get()
  if (!row) throw new Error(`no tree-node row with tag ${tag}`)
  return row
}

const CORRUPTIONS: Corruption[] = [
  {
    name: 'internal tree node of the head version (smt_node_recent / smt_node)',
    short: true,
    apply: (db) => {
      const row = newestNode(db, '01')
      db.prepare(`UPDATE ${row.tbl} SET node = ? WHERE path = ? AND version = ?`).run(
        flip(row.node, 40),
        row.path,
        row.version,
      )
      return `${row.tbl} path=${row.path.toString('hex') || '(root)'} version=${row.version}`
    },
  },
  {
    name: 'leaf tree node (smt_node_recent / smt_node)',
    short: true,
    apply: (db) => {
      const row = newestNode(db, '00')
      db.prepare(`UPDATE ${row.tbl} SET node = ? WHERE path = ? AND version = ?`).run(
        flip(row.node, 64),
        row.path,
        row.version,
      )
      return `${row.tbl} leaf path=${row.path.toString('hex')} version=${row.version}`
    },
  },
  {
    name: 'stored root of the head version (smt_root)',
    short: false,
    apply: (db) => {
      const row = db
        .prepare<[], { version: number; root: Buffer }>(
          'SELECT version, root FROM smt_root ORDER BY version DESC LIMIT 1',
        )
        .get()!
      db.prepare('UPDATE smt_root SET root = ? WHERE version = ?').run(
        flip(row.root, 5),
        row.version,
      )
      return `smt_root version=${row.version}`
    },
  },
  {
    name: 'flat account row (ws_account)',
    short: true,
    apply: (db) => {
      const row = db
        .prepare<[], { address: Buffer; version: number; account: Buffer }>(
          'SELECT address, version, account FROM ws_account WHERE account IS NOT NULL ORDER BY version DESC LIMIT 1',
        )
        .get()!
      db.prepare('UPDATE ws_account SET account = ? WHERE address = ? AND version = ?').run(
        flip(row.account, 63),
        row.address,
        row.version,
      )
      return `ws_account ${row.address.toString('hex')} version=${row.version}`
    },
  },
]

async function restartCorrupted(c: Corruption, i: number) {
  const dir = path.join(tmp.dir, `case${i}`)
  cpSync(cleanDir, dir, { recursive: true })
  const file = path.join(dir, 'sequencer.db')
  expect(existsSync(file)).toBe(true)
  const db = new Database(file)
  const what = c.apply(db)
  db.close()
  let error: Error | undefined
  try {
    const seq = await startSequencer({ genesis, dataDir: dir, timeoutMs: 150_000 })
    await seq.stop()
  } catch (e) {
    error = e as Error
  }
  return { what, refused: error !== undefined, message: error?.message ?? 'started normally' }
}

describe.concurrent('scenario 9: a corrupted tree on disk is detected at start and halts', () => {
  for (const [i, c] of CORRUPTIONS.entries()) {
    it.runIf(c.short || CHAOS)(c.name, { timeout: 200_000 }, async () => {
      const r = await restartCorrupted(c, i)
      const loud = /state root mismatch/i.test(r.message)
      figure('corrupt-tree', {
        case: c.name,
        corrupted: r.what,
        refused: String(r.refused),
        loud: String(loud),
      })
      expect(r.refused, `started on a corrupted ${r.what}`).toBe(true)
      expect(r.message).toMatch(/exited \(1\)/)
      expect(r.message).toMatch(/state root mismatch/i)
    })
  }
})
