import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileContracts, generatedDir } from './compile.js'

describe('generated contract artifacts', () => {
  it('match a fresh compile of contracts/*.sol (run `npm run build -w packages/contracts`)', () => {
    const files = compileContracts()
    expect([...files.keys()].sort()).toEqual([
      'L2WithdrawalStore.ts',
      'Rollup.ts',
      'SmtVerifierHarness.ts',
    ])
    for (const [name, content] of files) {
      const committed = readFileSync(path.join(generatedDir, name), 'utf8')
      expect(committed, `${name} is stale`).toBe(content)
    }
  })
})
