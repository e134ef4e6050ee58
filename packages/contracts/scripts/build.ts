// Regenerates src/generated/*.ts from contracts/*.sol. Run: npm run build -w packages/contracts
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { compileContracts, generatedDir } from '../src/compile.js'

const files = compileContracts()
mkdirSync(generatedDir, { recursive: true })
for (const f of readdirSync(generatedDir)) if (!files.has(f)) rmSync(path.join(generatedDir, f))
for (const [name, content] of files) writeFileSync(path.join(generatedDir, name), content)
process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${generatedDir}\n`)
