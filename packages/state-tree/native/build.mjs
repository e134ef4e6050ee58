// Builds the native keccak addon (keccak65.c) with the system C compiler; run by npm as this
// package's install script, and by hand with `npm rebuild @lanes/state-tree`. No node-gyp: it
// would download Node's headers, and this machine is offline; the headers ship with Node.
// A failed build is not fatal: the tree then hashes in WebAssembly, about 7x slower, and says so.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, 'build', 'keccak65.node')
const status = join(here, 'build', 'status.txt')
const includeDirs = [
  process.env.LANES_NODE_INCLUDE,
  join(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter((d) => d && existsSync(join(d, 'node_api.h')))

function fail(reason) {
  writeFileSync(status, `not built: ${reason}\n`)
  console.warn(
    `@lanes/state-tree: native keccak not built (${reason}); the state tree will hash in ` +
      'WebAssembly, about 7x slower. To fix: install a C compiler (apt-get install gcc) and ' +
      "Node's headers (node_api.h), then run `npm rebuild @lanes/state-tree`.",
  )
  process.exit(0)
}

mkdirSync(join(here, 'build'), { recursive: true })
if (process.platform === 'win32') fail('Windows builds are not set up')
if (includeDirs.length === 0) fail("Node's headers (node_api.h) not found; set LANES_NODE_INCLUDE")
const cc = process.env.CC || 'cc'
const tmp = `${out}.${process.pid}.tmp`
const args = ['-O3', '-std=c11', '-fPIC', '-shared', '-Wall', `-I${includeDirs[0]}`]
if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup')
const r = spawnSync(cc, [...args, join(here, 'keccak65.c'), '-o', tmp], { encoding: 'utf8' })
if (r.error) fail(`${cc}: ${r.error.message}`)
if (r.status !== 0) fail(`${cc} exited with ${r.status}: ${r.stderr.trim().split('\n')[0]}`)
renameSync(tmp, out) // atomic: a concurrent loader sees the old file or the new one
writeFileSync(status, 'built\n')
