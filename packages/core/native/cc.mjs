// Builds our Node-API addons with the system C compiler, for the packages' npm install
// scripts. No node-gyp: it would download Node's headers, and our machines are offline; the
// headers ship with Node. A failed build is never fatal: the caller's code falls back to a
// slower implementation, and `build/status.txt` says why.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Thrown by run() and buildAddon(); `reason` is one line for status.txt and the warning. */
export class BuildError extends Error {}

export const cc = process.env.CC || 'cc'

/** Node's headers (node_api.h): LANES_NODE_INCLUDE, next to this node, or the system's. */
export function nodeInclude() {
  const dir = [
    process.env.LANES_NODE_INCLUDE,
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].find((d) => d && existsSync(join(d, 'node_api.h')))
  if (!dir) throw new BuildError("Node's headers (node_api.h) not found; set LANES_NODE_INCLUDE")
  return dir
}

/** Runs a build step; BuildError with its first error line when it fails. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options })
  if (r.error) throw new BuildError(`${cmd}: ${r.error.message}`)
  if (r.status !== 0)
    throw new BuildError(`${cmd} exited with ${r.status}: ${r.stderr.trim().split('\n')[0]}`)
}

/**
 * Compiles `sources` into `out` (a .node file), replacing it atomically so a concurrent
 * loader sees the old file or the new one.
 */
export function buildAddon({ sources, out, args = [] }) {
  if (process.platform === 'win32') throw new BuildError('Windows builds are not set up')
  mkdirSync(dirname(out), { recursive: true })
  const tmp = `${out}.${process.pid}.tmp`
  const flags = ['-fPIC', '-shared', '-Wall', `-I${nodeInclude()}`, ...args]
  if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup')
  run(cc, [...flags, ...sources, '-o', tmp])
  renameSync(tmp, out)
}

/**
 * Runs `build`, records the outcome in `status` ("built" or "not built: <reason>"), and on
 * failure prints `warn(reason)`; never exits non-zero, so `npm ci` goes on.
 */
export function buildOrWarn(status, warn, build) {
  mkdirSync(dirname(status), { recursive: true })
  try {
    build()
    writeFileSync(status, 'built\n')
  } catch (error) {
    const reason = error instanceof BuildError ? error.message : String(error)
    writeFileSync(status, `not built: ${reason}\n`)
    console.warn(warn(reason))
  }
}
