// Regenerates packages/state-tree/vectors/*.json from the reference implementation.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateAllVectors } from '../src/vectors.js'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'vectors')
for (const [name, data] of Object.entries(generateAllVectors())) {
  writeFileSync(path.join(dir, name), `${JSON.stringify(data, null, 2)}\n`)
  process.stdout.write(`wrote vectors/${name}\n`)
}
