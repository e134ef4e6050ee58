// State tree: build a 1M-leaf tree, then batches of 10k random updates (70 % existing keys),
// in memory and on SQLite, on one thread and with worker hashing; proofs; proof size; disk
// bytes per leaf; and the same kind of updates applied to @ethereumjs/mpt (Ethereum's trie
// in JS) as the baseline, all in one run.
// Sizes: STATE_TREE_LEAVES (1e6), STATE_TREE_BATCHES (memory, per mode, 100),
// STATE_TREE_SQLITE_BATCHES (per mode, 20), STATE_TREE_MPT_KEYS (50k), STATE_TREE_MPT_BATCHES (3).
// STATE_TREE_HASHING=wasm hashes every tree with the WebAssembly batched keccak instead of the
// native addon, =per-call with one hash-wasm call per hash (the first hasher); either way the
// latest-only tree also runs the same batches with the other two hashers, so each run carries
// its own before/after of the hasher.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { keccak256 } from '@lanes/core'
import {
  encodeProof,
  type HashingMode,
  keccakBackend,
  LatestOnlyNodeStore,
  nativeKeccakStatus,
  openDatabase,
  SparseMerkleTree,
  SqliteNodeStore,
  verifyProof,
  WorkerHasher,
} from '@lanes/state-tree'
import { report } from './machine.js'

const LEAVES = Number(process.env.STATE_TREE_LEAVES ?? 1_000_000)
const BATCHES = Number(process.env.STATE_TREE_BATCHES ?? 100)
const SQLITE_BATCHES = Number(process.env.STATE_TREE_SQLITE_BATCHES ?? 20)
const MPT_KEYS = Number(process.env.STATE_TREE_MPT_KEYS ?? 50_000)
const MPT_BATCHES = Number(process.env.STATE_TREE_MPT_BATCHES ?? 3)
const BATCH = 10_000
const EXISTING = 0.7
const KEEP_VERSIONS = 10
const HASHING_ENV = process.env.STATE_TREE_HASHING
const HASHING: HashingMode =
  HASHING_ENV === 'per-call' || HASHING_ENV === 'wasm' ? HASHING_ENV : 'batched'
/** what HASHING runs on, for the notes */
const HASHER = HASHING === 'batched' ? keccakBackend() : HASHING
const log = (s: string) => process.stderr.write(`# ${s}\n`)
/** The machine is shared: every figure carries the 1-minute load average when it was taken. */
const load = () => `load ${loadavg()[0]!.toFixed(1)}`

// ---- deterministic keys and batches -------------------------------------------------------
let counter = 0
const seedBuf = new Uint8Array(8)
function freshWord(): Uint8Array {
  const c = counter++
  seedBuf[0] = c & 255
  seedBuf[1] = (c >> 8) & 255
  seedBuf[2] = (c >> 16) & 255
  seedBuf[3] = (c >>> 24) & 255
  return keccak256(seedBuf)
}

/** Sort n 32-byte keys (with values alongside) without n comparator calls on byte arrays. */
function sortPacked(
  keys: Uint8Array,
  values: Uint8Array,
  n: number,
): { keys: Uint8Array; values: Uint8Array } {
  const order = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const o = i * 32
    const p = ((keys[o]! << 24) >>> 0) + (keys[o + 1]! << 16) + (keys[o + 2]! << 8) + keys[o + 3]!
    order[i] = p * 2 ** 21 + i
  }
  order.sort()
  const idx = new Int32Array(n)
  for (let t = 0; t < n; t++) idx[t] = order[t]! % 2 ** 21
  // equal 32-bit prefixes are rare: finish them with a full comparison
  const cmp = (a: number, b: number) =>
    Buffer.compare(keys.subarray(a * 32, a * 32 + 32), keys.subarray(b * 32, b * 32 + 32))
  for (let t = 1; t < n; t++) {
    let u = t
    while (u > 0 && cmp(idx[u - 1]!, idx[u]!) > 0) {
      const x = idx[u]!
      idx[u] = idx[u - 1]!
      idx[u - 1] = x
      u--
    }
  }
  const k = new Uint8Array(n * 32)
  const v = new Uint8Array(n * 32)
  for (let t = 0; t < n; t++) {
    k.set(keys.subarray(idx[t]! * 32, idx[t]! * 32 + 32), t * 32)
    v.set(values.subarray(idx[t]! * 32, idx[t]! * 32 + 32), t * 32)
  }
  return { keys: k, values: v }
}

interface Batch {
  keys: Uint8Array
  values: Uint8Array
  n: number
}

/** Key universe: the initial leaves, grown by the new keys of every batch. */
class Universe {
  keys: Uint8Array
  size: number
  constructor(cap: number) {
    this.keys = new Uint8Array(cap * 32)
    this.size = 0
  }
  add(k: Uint8Array): void {
    if ((this.size + 1) * 32 > this.keys.length) {
      const next = new Uint8Array(this.keys.length * 2)
      next.set(this.keys)
      this.keys = next
    }
    this.keys.set(k, this.size * 32)
    this.size++
  }
  makeBatch(): Batch {
    const keys = new Uint8Array(BATCH * 32)
    const values = new Uint8Array(BATCH * 32)
    const used = new Set<number>()
    let n = 0
    const existing = Math.round(BATCH * EXISTING)
    while (n < existing) {
      const i = Math.floor(Math.random() * this.size)
      if (used.has(i)) continue
      used.add(i)
      keys.set(this.keys.subarray(i * 32, i * 32 + 32), n * 32)
      values.set(freshWord(), n * 32)
      n++
    }
    const fresh: Uint8Array[] = []
    while (n < BATCH) {
      const k = freshWord()
      fresh.push(k)
      keys.set(k, n * 32)
      values.set(freshWord(), n * 32)
      n++
    }
    for (const k of fresh) this.add(k)
    return { ...sortPacked(keys, values, n), n }
  }
}

function buildInitial(): Batch {
  const keys = new Uint8Array(LEAVES * 32)
  const values = new Uint8Array(LEAVES * 32)
  for (let i = 0; i < LEAVES; i++) {
    keys.set(freshWord(), i * 32)
    values.set(freshWord(), i * 32)
  }
  return { ...sortPacked(keys, values, LEAVES), n: LEAVES }
}

function seconds(fn: () => void): number {
  const s = performance.now()
  fn()
  return (performance.now() - s) / 1000
}

/** CPU seconds of this process (all threads). The machine is shared: wall time is noisy. */
function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

interface Rate {
  /** updates per wall-clock second */
  wall: number
  /** updates per CPU-second of the process (all threads): "per core" */
  cpu: number
}

/** Apply batches, pruning outside the timed part. */
function runBatches(tree: SparseMerkleTree, batches: Batch[], firstVersion: bigint): Rate {
  let t = 0
  let c = 0
  let n = 0
  let v = firstVersion
  for (const b of batches) {
    const c0 = cpuSeconds()
    t += seconds(() => tree.applySorted(v, b.keys, b.values))
    c += cpuSeconds() - c0
    n += b.n
    if (v % 10n === 0n) tree.prune(v - BigInt(KEEP_VERSIONS))
    v++
  }
  return { wall: n / t, cpu: n / c }
}

// ---- main ---------------------------------------------------------------------------------
log(`hashing: ${HASHER} (native addon: ${nativeKeccakStatus})`)
log(`generating ${LEAVES} leaves and ${2 * BATCHES + 2 * SQLITE_BATCHES} batches of ${BATCH}`)
const initial = buildInitial()
const universe = new Universe(LEAVES + 64 * BATCH)
for (let i = 0; i < LEAVES; i++) universe.add(initial.keys.subarray(i * 32, i * 32 + 32))
const memBatches = Array.from({ length: 2 * BATCHES }, () => universe.makeBatch())
const sqlBatches = Array.from({ length: 2 * SQLITE_BATCHES }, () => universe.makeBatch())
const hasher = await WorkerHasher.create({ threads: 1, splitDepth: 5 })

// memory: build, 1 thread, workers
const mem = SparseMerkleTree.inMemory({ hashing: HASHING })
const buildCpu0 = cpuSeconds()
const buildSecs = seconds(() => mem.applySorted(1n, initial.keys, initial.values))
const buildCpu = cpuSeconds() - buildCpu0
log(
  `memory build ${buildSecs.toFixed(1)} s wall, ${buildCpu.toFixed(1)} CPU-s, ${mem.leafCount()} leaves`,
)
report({
  name: 'state-tree build in memory (one batch)',
  unit: 'leaves per CPU-second',
  value: Math.round(LEAVES / buildCpu),
  notes: `${LEAVES} leaves in ${buildCpu.toFixed(1)} CPU-s, ${buildSecs.toFixed(1)} s wall; ${HASHER} hashing; ${load()}`,
})
const mem1 = runBatches(mem, memBatches.slice(0, BATCHES), 2n)
const mem1Load = load()
log(`memory 1 thread ${Math.round(mem1.cpu)} updates/CPU-s, ${Math.round(mem1.wall)}/s wall`)
mem.setHasher(hasher)
const memW = runBatches(mem, memBatches.slice(BATCHES), BigInt(2 + BATCHES))
const memWLoad = load()
mem.setHasher(undefined)
log(`memory workers ${Math.round(memW.wall)} updates/s wall, ${Math.round(memW.cpu)}/CPU-s`)

// proofs at 1M leaves (latest version, in memory)
const proofKeys = Array.from({ length: 20_000 }, () => {
  const i = Math.floor(Math.random() * universe.size)
  return universe.keys.slice(i * 32, i * 32 + 32)
})
const root = mem.root()
let proofs: ReturnType<SparseMerkleTree['prove']>[] = []
const values: (Uint8Array | null)[] = proofKeys.map((k) => mem.get(k))
const proveSecs = seconds(() => {
  proofs = proofKeys.map((k) => mem.prove(k))
})
let ok = 0
const verifySecs = seconds(() => {
  proofs.forEach((p, i) => {
    if (verifyProof(root, proofKeys[i]!, values[i]!, p).ok) ok++
  })
})
if (ok !== proofs.length) throw new Error(`${proofs.length - ok} proofs failed`)
const proofBytes = proofs.reduce((s, p) => s + encodeProof(p).length, 0) / proofs.length
const present = values.filter((v) => v !== null).length

// MPT baseline
const mpt = new MerklePatriciaTrie({ useKeyHashing: false })
const mptKeys = universe.keys.subarray(0, MPT_KEYS * 32)
let mptBuild = 0
for (let i = 0; i < MPT_KEYS; i += 1000) {
  const s = performance.now()
  for (let j = i; j < Math.min(MPT_KEYS, i + 1000); j++)
    await mpt.put(
      mptKeys.subarray(j * 32, j * 32 + 32),
      initial.values.subarray(j * 32, j * 32 + 32),
    )
  mptBuild += performance.now() - s
}
let mptTime = 0
let mptCpu = 0
let mptN = 0
for (let b = 0; b < MPT_BATCHES; b++) {
  const ops: [Uint8Array, Uint8Array][] = []
  for (let u = 0; u < BATCH; u++) {
    const k =
      u < BATCH * EXISTING
        ? mptKeys.subarray(Math.floor(Math.random() * MPT_KEYS) * 32).subarray(0, 32)
        : freshWord()
    ops.push([k, freshWord()])
  }
  const s = performance.now()
  const c0 = cpuSeconds()
  for (const [k, v] of ops) await mpt.put(k, v)
  mpt.root()
  mptCpu += cpuSeconds() - c0
  mptTime += performance.now() - s
  mptN += ops.length
}
const mptRate = mptN / mptCpu
const mptWall = mptN / (mptTime / 1000)
log(
  `mpt ${Math.round(mptRate)} puts/CPU-s, ${Math.round(mptWall)}/s wall at ${MPT_KEYS} keys (build ${Math.round(MPT_KEYS / (mptBuild / 1000))}/s wall)`,
)
const mptBaseline = {
  name: `@ethereumjs/mpt puts per CPU-second, ${MPT_KEYS / 1000}k-key trie, 10k batches`,
  value: Math.round(mptRate),
}

report({
  name: `state-tree updates in memory, 1 thread (${LEAVES / 1e6}M leaves, 10k batches, 70% existing)`,
  unit: 'leaf updates per CPU-second',
  value: Math.round(mem1.cpu),
  baseline: mptBaseline,
  ratio: +(mem1.cpu / mptRate).toFixed(1),
  target: '>= 150k/s per core, >= 3x MPT',
  notes: `${BATCHES} batches, ${HASHER} hashing; wall clock ${Math.round(mem1.wall)}/s vs MPT ${Math.round(mptWall)}/s; ${mem1Load}`,
})
report({
  name: 'state-tree updates in memory, worker hashing (main + 1 worker)',
  unit: 'leaf updates/s (wall clock)',
  value: Math.round(memW.wall),
  baseline: { name: 'same tree, 1 thread, wall clock', value: Math.round(mem1.wall) },
  ratio: +(memW.wall / mem1.wall).toFixed(2),
  notes: `${BATCHES} batches; ${Math.round(memW.cpu)} updates per CPU-second over both threads; ${memWLoad}`,
})
report({
  name: `state-tree proofs generated (latest version, ${LEAVES / 1e6}M leaves)`,
  unit: 'proofs/s',
  value: Math.round(proofs.length / proveSecs),
  notes: `${present} of ${proofs.length} keys present`,
})
report({
  name: 'state-tree proofs verified (TS verifier)',
  unit: 'proofs/s',
  value: Math.round(proofs.length / verifySecs),
})
report({
  name: `state-tree proof size at ${LEAVES / 1e6}M leaves (average, encoded)`,
  unit: 'bytes',
  value: Math.round(proofBytes),
  target: '<= 1100 bytes',
})
const leafCountMem = mem.leafCount()
const memRows = mem.store.nodeCount()

// the tree alone: no node history kept (LatestOnlyNodeStore), 1 thread and with workers
{
  const lean = new SparseMerkleTree(new LatestOnlyNodeStore(), { hashing: HASHING })
  lean.applySorted(1n, initial.keys, initial.values)
  const lean1 = runBatches(lean, memBatches.slice(0, BATCHES), 2n)
  const lean1Load = load()
  const lean1Root = lean.root()
  lean.setHasher(hasher)
  const leanW = runBatches(lean, memBatches.slice(BATCHES), BigInt(2 + BATCHES))
  lean.setHasher(undefined)
  const leanWLoad = load()
  // the same batches with the other hashers: the WebAssembly batched keccak, and one hash-wasm
  // call per hash (the first hasher)
  const twin = (hashing: HashingMode) => {
    const t = new SparseMerkleTree(new LatestOnlyNodeStore(), { hashing })
    t.applySorted(1n, initial.keys, initial.values)
    const r = runBatches(t, memBatches.slice(0, BATCHES), 2n)
    if (t.root() !== lean1Root) throw new Error(`${hashing} and ${HASHER} hashing disagree`)
    return { ...r, load: load() }
  }
  const leanWasm = twin('wasm')
  const leanOld = twin('per-call')
  log(
    `latest-only 1 thread ${Math.round(lean1.cpu)}/CPU-s; workers ${Math.round(leanW.wall)}/s wall`,
  )
  report({
    name: 'state-tree updates in memory without history (latest only), 1 thread',
    unit: 'leaf updates per CPU-second',
    value: Math.round(lean1.cpu),
    baseline: mptBaseline,
    ratio: +(lean1.cpu / mptRate).toFixed(1),
    target: '>= 150k/s per core',
    notes: `${HASHER} hashing; wall clock ${Math.round(lean1.wall)}/s; ${lean1Load}`,
  })
  for (const [other, r] of [
    ['wasm', leanWasm],
    ['per-call', leanOld],
  ] as const)
    report({
      name: `state-tree updates without history, 1 thread: ${HASHER} vs ${other} hashing`,
      unit: 'leaf updates per CPU-second',
      value: Math.round(lean1.cpu),
      baseline: { name: `same batches, ${other} hashing, same run`, value: Math.round(r.cpu) },
      ratio: +(lean1.cpu / r.cpu).toFixed(2),
      notes: `${lean1Load} / ${r.load}`,
    })
  report({
    name: 'state-tree updates without history, worker hashing (main + 1 worker)',
    unit: 'leaf updates/s (wall clock)',
    value: Math.round(leanW.wall),
    baseline: { name: 'latest only, 1 thread, wall clock', value: Math.round(lean1.wall) },
    ratio: +(leanW.wall / lean1.wall).toFixed(2),
    notes: `${Math.round(leanW.cpu)} updates per CPU-second over both threads; ${leanWLoad}`,
  })
}

// SQLite: build into a file, then batches on 1 thread and with workers
const dir = mkdtempSync(path.join(tmpdir(), 'lanes-bench-smt-'))
try {
  const file = path.join(dir, 'tree.db')
  const db = openDatabase(file)
  const sql = new SparseMerkleTree(new SqliteNodeStore(db), { hashing: HASHING })
  const sqlCpu0 = cpuSeconds()
  const sqlBuild = seconds(() => sql.applySorted(1n, initial.keys, initial.values))
  const sqlBuildCpu = cpuSeconds() - sqlCpu0
  db.pragma('wal_checkpoint(TRUNCATE)')
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const used = () =>
    ((db.pragma('page_count', { simple: true }) as number) -
      (db.pragma('freelist_count', { simple: true }) as number)) *
    pageSize
  const bytesPerLeafBuild = used() / LEAVES
  log(`sqlite build ${sqlBuild.toFixed(1)} s, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`)
  report({
    name: 'state-tree build on SQLite (one batch, one transaction)',
    unit: 'leaves per CPU-second',
    value: Math.round(LEAVES / sqlBuildCpu),
    notes: `${sqlBuildCpu.toFixed(1)} CPU-s, ${sqlBuild.toFixed(1)} s wall; ${load()}`,
  })
  const sql1 = runBatches(sql, sqlBatches.slice(0, SQLITE_BATCHES), 2n)
  log(`sqlite 1 thread ${Math.round(sql1.cpu)} updates/CPU-s, ${Math.round(sql1.wall)}/s wall`)
  sql.setHasher(hasher)
  const sqlW = runBatches(sql, sqlBatches.slice(SQLITE_BATCHES), BigInt(2 + SQLITE_BATCHES))
  sql.setHasher(undefined)
  report({
    name: 'state-tree updates on SQLite (WAL, synchronous=FULL), 1 thread',
    unit: 'leaf updates per CPU-second',
    value: Math.round(sql1.cpu),
    baseline: mptBaseline,
    ratio: +(sql1.cpu / mptRate).toFixed(1),
    notes: `${SQLITE_BATCHES} batches, each one transaction; wall clock ${Math.round(sql1.wall)}/s; ${load()}`,
  })
  report({
    name: 'state-tree updates on SQLite, worker hashing',
    unit: 'leaf updates/s (wall clock)',
    value: Math.round(sqlW.wall),
    baseline: { name: 'SQLite, 1 thread, wall clock', value: Math.round(sql1.wall) },
    ratio: +(sqlW.wall / sql1.wall).toFixed(2),
    notes: `${Math.round(sqlW.cpu)} updates per CPU-second over both threads; ${load()}`,
  })

  // historical proofs read from SQLite rows
  const latest = sql.latestVersion() as bigint
  const hk = proofKeys.slice(0, 2000)
  const histSecs = seconds(() => {
    for (const k of hk) sql.prove(k, latest - 1n)
  })
  report({
    name: 'state-tree proofs from SQLite rows (previous version)',
    unit: 'proofs/s',
    value: Math.round(hk.length / histSecs),
  })

  sql.prune(latest)
  db.pragma('wal_checkpoint(TRUNCATE)')
  report({
    name: 'state-tree SQLite bytes per leaf (nodes of one version, after prune)',
    unit: 'bytes/leaf',
    value: Math.round(used() / sql.leafCount()),
    notes: `right after the build: ${Math.round(bytesPerLeafBuild)} B/leaf; file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`,
  })
  db.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
log(`memory tree: ${leafCountMem} leaves, ${memRows} stored rows (${KEEP_VERSIONS} versions kept)`)
await hasher.close()
