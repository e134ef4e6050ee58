// Runs every bench/*.ts (or the ones named on the command line) in its own process.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = path.dirname(fileURLToPath(import.meta.url))
const skip = new Set(['run.ts', 'machine.ts'])
const wanted = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !skip.has(f) && !f.endsWith('.test.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()
let failed = 0
for (const f of files) {
  process.stderr.write(`# bench ${f}\n`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, f)], {
    stdio: 'inherit',
  })
  if (r.status !== 0) {
    failed++
    process.stderr.write(`# bench ${f} failed with ${r.status ?? r.signal}\n`)
  }
}
process.exit(failed ? 1 : 0)
