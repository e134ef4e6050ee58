#!/usr/bin/env node
// The package ships TypeScript sources; register tsx, then run the CLI.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('../src/cli.ts')
process.exitCode = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') || s.startsWith('\r') ? s : `${s}\n`),
  isTTY: Boolean(process.stderr.isTTY),
})
