import type { Static, TObject, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { LanesError } from './errors.js'

// Settings of every Lanes app: one TypeBox object schema per app; each key is a CLI flag
// (`blockTimeMs` → `--block-time-ms`) and an env var (`LANES_BLOCK_TIME_MS`); a flag wins
// over the env, the env over the default. Errors are one line naming the flag and env var.

export class ConfigError extends LanesError {
  override name = 'ConfigError'
}

export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
export const envOf = (key: string) => `LANES_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`

function kindOf(schema: TSchema): 'integer' | 'boolean' | 'string' {
  if (schema.type === 'integer') return 'integer'
  if (schema.type === 'boolean') return 'boolean'
  return 'string'
}

function convert(key: string, raw: string, schema: TSchema, source: string): unknown {
  const kind = kindOf(schema)
  if (kind === 'integer') {
    if (!/^-?[0-9]+$/.test(raw.trim()))
      throw new ConfigError(`invalid ${source}: expected an integer, got ${JSON.stringify(raw)}`)
    return Number(raw.trim())
  }
  if (kind === 'boolean') {
    const v = raw.trim().toLowerCase()
    if (v === 'true' || v === '1' || v === '') return true
    if (v === 'false' || v === '0') return false
    throw new ConfigError(`invalid ${source}: expected true or false, got ${JSON.stringify(raw)}`)
  }
  void key
  return raw
}

function describeFailure(schema: TSchema, value: unknown): string {
  const first = [...Value.Errors(schema, value)][0]
  if (!first) return 'invalid value'
  if (schema.minimum !== undefined || schema.maximum !== undefined) {
    const lo = schema.minimum ?? '-∞'
    const hi = schema.maximum ?? '∞'
    return `must be between ${lo} and ${hi}, got ${JSON.stringify(value)}`
  }
  if (schema.anyOf) {
    const options = (schema.anyOf as TSchema[]).map((s) => s.const).join(', ')
    return `must be one of ${options}, got ${JSON.stringify(value)}`
  }
  return `${first.message}, got ${JSON.stringify(value)}`
}

/**
 * Reads the settings from argv (`--flag value`, `--flag=value`, bare `--bool-flag`) and env.
 * Throws ConfigError whose one-line message names the flag and env var at fault.
 */
export function loadSettings<S extends TObject>(
  schema: S,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Static<S> {
  const props = schema.properties as Record<string, TSchema>
  const byFlag = new Map(Object.keys(props).map((k) => [flagOf(k), k]))
  const fromArgs = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.indexOf('=')
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const key = byFlag.get(flag)
    if (!key) throw new ConfigError(`unknown option ${flag} (see --help)`)
    if (eq > 0) fromArgs.set(key, arg.slice(eq + 1))
    else if (kindOf(props[key]!) === 'boolean') {
      const next = argv[i + 1]
      if (next === 'true' || next === 'false') fromArgs.set(key, argv[++i]!)
      else fromArgs.set(key, 'true')
    } else {
      const next = argv[i + 1]
      if (next === undefined) throw new ConfigError(`option ${flag} needs a value`)
      fromArgs.set(key, next)
      i++
    }
  }

  const out: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(props)) {
    const source = `${flagOf(key)} / ${envOf(key)}`
    let raw = fromArgs.get(key)
    let where = flagOf(key)
    if (raw === undefined) {
      raw = env[envOf(key)]
      where = envOf(key)
    }
    let value: unknown
    if (raw === undefined) {
      if (schema.default === undefined)
        throw new ConfigError(`missing required setting ${source}: ${schema.description ?? key}`)
      value = schema.default
    } else value = convert(key, raw, schema, `${where} (${source})`)
    if (!Value.Check(schema, value))
      throw new ConfigError(`invalid ${where} (${source}): ${describeFailure(schema, value)}`)
    out[key] = value
  }
  return out as Static<S>
}

/** Markdown rows `| flag | env | default | description |` for the README. */
export function settingsTable(schema: TObject): string {
  const rows = ['| flag | env | default | description |', '|---|---|---|---|']
  for (const [key, prop] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const def = prop.default === undefined ? '(required)' : `\`${JSON.stringify(prop.default)}\``
    rows.push(`| \`${flagOf(key)}\` | \`${envOf(key)}\` | ${def} | ${prop.description ?? ''} |`)
  }
  return rows.join('\n')
}
