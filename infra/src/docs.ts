// `npm run docs`: regenerates the operator settings tables in README.md from the apps' config
// schemas (one source of truth); `npm run docs -- --check` exits 1 when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { envOf, flagOf } from '@lanes/core'

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const README = path.join(REPO_ROOT, 'README.md')
export const BEGIN = '<!-- BEGIN GENERATED: settings (npm run docs) -->'
export const END = '<!-- END GENERATED: settings -->'

type PropSchema = {
  default?: unknown
  description?: string
  type?: string
  pattern?: string
  minimum?: number
  maximum?: number
  anyOf?: { const?: unknown }[]
}
type ObjectSchema = { properties: Record<string, PropSchema> }

const APPS = [
  {
    title: 'Sequencer',
    command: 'node --import tsx apps/sequencer/src/main.ts',
    file: 'apps/sequencer/src/config.ts',
    exportName: 'ConfigSchema',
  },
  {
    title: 'Batcher',
    command: 'node --import tsx apps/batcher/src/main.ts',
    file: 'apps/batcher/src/config.ts',
    exportName: 'ConfigSchema',
  },
  {
    title: 'Prover stub',
    command: 'node --import tsx apps/prover-stub/src/main.ts',
    file: 'apps/prover-stub/src/config.ts',
    exportName: 'ProverConfigSchema',
  },
] as const

function kind(p: PropSchema): string {
  if (p.anyOf) return p.anyOf.map((x) => `\`${String(x.const)}\``).join(' \\| ')
  const range =
    p.minimum !== undefined || p.maximum !== undefined
      ? ` ${p.minimum ?? ''}..${p.maximum ?? ''}`
      : ''
  if (p.type === 'integer') return `integer${range}`
  if (p.type === 'boolean') return 'boolean'
  if (p.pattern === '^0x[0-9a-fA-F]{40}$') return 'address'
  if (p.pattern === '^0x[0-9a-fA-F]{64}$') return '32-byte hex'
  return 'string'
}

const cell = (s: string) => s.replaceAll('|', '\\|')

/** `| flag | env | type | default | description |` for one settings schema. */
export function settingsMarkdown(schema: ObjectSchema): string {
  const rows = ['| flag | env | type | default | description |', '|---|---|---|---|---|']
  for (const [key, p] of Object.entries(schema.properties)) {
    const def = p.default === undefined ? '(required)' : `\`${cell(JSON.stringify(p.default))}\``
    rows.push(
      `| \`${flagOf(key)}\` | \`${envOf(key)}\` | ${kind(p)} | ${def} | ${cell(p.description ?? '')} |`,
    )
  }
  return rows.join('\n')
}

/** The generated README section, from the schemas as they are now. */
export async function generatedSection(): Promise<string> {
  const parts: string[] = [BEGIN]
  for (const app of APPS) {
    // a runtime path: the apps are not project references of infra, and only the schema is read
    const mod = (await import(pathToFileURL(path.join(REPO_ROOT, app.file)).href)) as Record<
      string,
      ObjectSchema
    >
    const schema = mod[app.exportName]
    if (!schema?.properties) throw new Error(`${app.file} does not export ${app.exportName}`)
    parts.push(
      '',
      `#### ${app.title}: \`${app.command} [flags]\``,
      '',
      `Schema: \`${app.file}\` (\`${app.exportName}\`). A flag wins over its env var, the env var over the default.`,
      '',
      settingsMarkdown(schema),
    )
  }
  parts.push('', END)
  return parts.join('\n')
}

/** README text with the generated section replaced; throws when the markers are missing. */
export function replaceSection(readme: string, section: string): string {
  const a = readme.indexOf(BEGIN)
  const b = readme.indexOf(END)
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${BEGIN} … ${END}`)
  return readme.slice(0, a) + section + readme.slice(b + END.length)
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check')
  const readme = readFileSync(README, 'utf8')
  const next = replaceSection(readme, await generatedSection())
  if (next === readme) {
    console.log('README.md settings tables are up to date')
    return
  }
  if (check) {
    console.error('README.md settings tables are stale: run npm run docs')
    process.exit(1)
  }
  writeFileSync(README, next)
  console.log('README.md settings tables regenerated')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
