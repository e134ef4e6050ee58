import { readFileSync } from 'node:fs'
import {
  BEGIN,
  END,
  generatedSection,
  README,
  replaceSection,
  settingsMarkdown,
} from '@lanes/infra/docs'
import { describe, expect, it } from 'vitest'

describe('README settings tables', () => {
  it('are what `npm run docs` generates from the config schemas (run it when this fails)', async () => {
    const readme = readFileSync(README, 'utf8')
    expect(replaceSection(readme, await generatedSection())).toBe(readme)
  })

  it('name every setting of every app', async () => {
    const section = await generatedSection()
    for (const flag of ['--genesis', '--batcher-key', '--da-mode', '--prover-key', '--beacon-url'])
      expect(section).toContain(`\`${flag}\``)
  })

  it('detect a stale section', () => {
    const stale = `x\n${BEGIN}\nold\n${END}\ny`
    expect(replaceSection(stale, `${BEGIN}\nnew\n${END}`)).toBe(`x\n${BEGIN}\nnew\n${END}\ny`)
    expect(() => replaceSection('no markers', 'z')).toThrow(/markers/)
  })

  it('render required settings, ranges and choices', () => {
    const md = settingsMarkdown({
      properties: {
        fooBar: { type: 'integer', minimum: 1, maximum: 9, default: 3, description: 'a | b' },
        mode: { anyOf: [{ const: 'x' }, { const: 'y' }] },
      },
    })
    expect(md).toContain('| `--foo-bar` | `LANES_FOO_BAR` | integer 1..9 | `3` | a \\| b |')
    expect(md).toContain('| `--mode` | `LANES_MODE` | `x` \\| `y` | (required) |  |')
  })
})
