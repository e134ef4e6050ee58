import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler'
import { invalidParams } from './errors.js'

/**
 * TypeBox schemas for JSON-RPC params. Each leaf carries `gethKind` so a failed check can be
 * explained with the message geth gives for the same input ("hex string without 0x prefix").
 */

type GethKind =
  | 'big'
  | 'uint64'
  | 'address'
  | 'hash'
  | 'bytes'
  | 'blockNumber'
  | 'blockNumberOrHash'
  | 'bool'
  | 'topics'
  | 'addresses'
  | 'percentiles'

const GO_TYPE: Record<GethKind, string> = {
  big: 'hexutil.Big',
  uint64: 'hexutil.Uint64',
  address: 'common.Address',
  hash: 'common.Hash',
  bytes: 'hexutil.Bytes',
  blockNumber: 'rpc.BlockNumber',
  blockNumberOrHash: 'rpc.BlockNumberOrHash',
  bool: 'bool',
  topics: '[][]common.Hash',
  addresses: '[]common.Address',
  percentiles: '[]float64',
}

export const Quantity = Type.String({
  pattern: '^0[xX](0|[1-9a-fA-F][0-9a-fA-F]{0,63})$',
  gethKind: 'big',
})
export const Uint64 = Type.String({
  pattern: '^0[xX](0|[1-9a-fA-F][0-9a-fA-F]{0,15})$',
  gethKind: 'uint64',
})
export const Address = Type.String({ pattern: '^0[xX][0-9a-fA-F]{40}$', gethKind: 'address' })
export const Hash = Type.String({ pattern: '^0[xX][0-9a-fA-F]{64}$', gethKind: 'hash' })
export const Bytes = Type.String({ pattern: '^0[xX]([0-9a-fA-F]{2})*$', gethKind: 'bytes' })
export const Bool = Type.Boolean({ gethKind: 'bool' })

export const BLOCK_TAGS = ['latest', 'pending', 'safe', 'finalized', 'earliest'] as const
export type BlockTagName = (typeof BLOCK_TAGS)[number]

/** A block number or one of geth's tags. */
export const BlockNumber = Type.Union(
  [...BLOCK_TAGS.map((t) => Type.Literal(t)), Type.String({ pattern: Uint64.pattern })],
  { gethKind: 'blockNumber' },
)

/** EIP-1898: a number/tag, `{ blockNumber }` or `{ blockHash, requireCanonical? }`. */
export const BlockNumberOrHash = Type.Union(
  [
    BlockNumber,
    Type.Object({ blockNumber: BlockNumber }),
    Type.Object({ blockHash: Hash, requireCanonical: Type.Optional(Type.Boolean()) }),
  ],
  { gethKind: 'blockNumberOrHash' },
)

const AccessList = Type.Array(
  Type.Object({ address: Address, storageKeys: Type.Array(Hash) }, { gethStruct: 'AccessTuple' }),
)

/** geth's TransactionArgs (eth_call / eth_estimateGas); unknown fields are ignored like geth. */
export const CallObject = Type.Object(
  {
    from: Type.Optional(Address),
    to: Type.Optional(Type.Union([Address, Type.Null()], { gethKind: 'address' })),
    gas: Type.Optional(Uint64),
    gasPrice: Type.Optional(Quantity),
    maxFeePerGas: Type.Optional(Quantity),
    maxPriorityFeePerGas: Type.Optional(Quantity),
    value: Type.Optional(Quantity),
    nonce: Type.Optional(Uint64),
    data: Type.Optional(Bytes),
    input: Type.Optional(Bytes),
    accessList: Type.Optional(AccessList),
    chainId: Type.Optional(Quantity),
    type: Type.Optional(Uint64),
  },
  { gethStruct: 'TransactionArgs' },
)
export type CallObject = Static<typeof CallObject>

/** eth_call state overrides: address → { balance, nonce, code, state | stateDiff }. */
export const StateOverride = Type.Record(
  Type.String({ pattern: Address.pattern }),
  Type.Object(
    {
      balance: Type.Optional(Quantity),
      nonce: Type.Optional(Uint64),
      code: Type.Optional(Bytes),
      state: Type.Optional(Type.Record(Type.String({ pattern: Hash.pattern }), Hash)),
      stateDiff: Type.Optional(Type.Record(Type.String({ pattern: Hash.pattern }), Hash)),
    },
    { gethStruct: 'OverrideAccount' },
  ),
  { gethKind: 'address' },
)
export type StateOverride = Static<typeof StateOverride>

const TopicEntry = Type.Union([Hash, Type.Null(), Type.Array(Type.Union([Hash, Type.Null()]))], {
  gethKind: 'topics',
})

/** geth's FilterCriteria. */
export const FilterObject = Type.Object(
  {
    fromBlock: Type.Optional(BlockNumber),
    toBlock: Type.Optional(BlockNumber),
    blockHash: Type.Optional(Hash),
    address: Type.Optional(
      Type.Union([Address, Type.Array(Address), Type.Null()], { gethKind: 'addresses' }),
    ),
    topics: Type.Optional(
      Type.Union([Type.Array(TopicEntry), Type.Null()], { gethKind: 'topics' }),
    ),
  },
  { gethStruct: 'FilterCriteria' },
)
export type FilterObject = Static<typeof FilterObject>

export const Percentiles = Type.Array(Type.Number({ minimum: 0, maximum: 100 }), {
  gethKind: 'percentiles',
})

/** subscription and filter ids: 0x + hex (ours are 16 bytes, like geth's) */
export const SubscriptionId = Type.String({
  pattern: '^0[xX][0-9a-fA-F]{1,64}$',
  gethKind: 'bytes',
})
export const AnyValue = Type.Unknown()

// ---------------------------------------------------------------------------------------------
// geth-like explanations of a failed check

function describeHex(kind: GethKind, value: unknown): string {
  if (kind === 'bool') return 'json: cannot unmarshal non-bool into Go value of type bool'
  if (kind === 'percentiles') return 'json: cannot unmarshal into Go value of type []float64'
  if (typeof value !== 'string')
    return `json: cannot unmarshal non-string into Go value of type ${GO_TYPE[kind]}`
  if (kind === 'blockNumber' || kind === 'blockNumberOrHash') return describeHex('uint64', value)
  if (!/^0[xX]/.test(value)) return 'hex string without 0x prefix'
  const digits = value.slice(2)
  switch (kind) {
    case 'big':
    case 'uint64': {
      if (digits.length === 0) return 'hex string "0x"'
      if (digits.length > 1 && digits[0] === '0') return 'hex number with leading zero digits'
      if (!/^[0-9a-fA-F]*$/.test(digits)) return 'invalid hex string'
      return kind === 'big' ? 'hex number > 256 bits' : 'hex number > 64 bits'
    }
    case 'address':
    case 'hash': {
      if (!/^[0-9a-fA-F]*$/.test(digits)) return 'invalid hex string'
      const want = kind === 'address' ? 40 : 64
      return `hex string has length ${digits.length}, want ${want} for ${GO_TYPE[kind]}`
    }
    default:
      if (digits.length % 2 !== 0) return 'hex string of odd length'
      return 'invalid hex string'
  }
}

type Annotated = TSchema & { gethKind?: GethKind; gethStruct?: string }

function describe(schema: Annotated, value: unknown): string {
  if (schema.gethKind === 'blockNumberOrHash' && typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>
    if ('blockHash' in v && 'blockNumber' in v)
      return 'cannot specify both BlockHash and BlockNumber, choose one or the other'
    if ('blockHash' in v) return describeHex('hash', v.blockHash)
    if ('blockNumber' in v) return describeHex('blockNumber', v.blockNumber)
    return 'invalid block number or hash'
  }
  if (schema.gethKind) return describeHex(schema.gethKind, value)
  if (schema.gethStruct && (typeof value !== 'object' || value === null || Array.isArray(value)))
    return `json: cannot unmarshal ${jsonKind(value)} into Go value of type ethapi.${schema.gethStruct}`
  return `json: cannot unmarshal ${jsonKind(value)}`
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value === 'object' ? 'object' : typeof value
}

/** Walks the schema along a JSON pointer, returning the innermost annotated struct and field. */
function fieldContext(root: Annotated, path: string): { struct?: string; field?: string } {
  const parts = path.split('/').slice(1)
  let schema: Annotated | undefined = root
  let struct: string | undefined
  let field: string | undefined
  for (const part of parts) {
    if (!schema) break
    if (schema.gethStruct) {
      struct = schema.gethStruct
      field = part
    }
    const s = schema as { properties?: Record<string, Annotated>; items?: Annotated }
    schema = s.properties?.[part] ?? s.items
  }
  return { struct, field }
}

export type ParamsSpec = {
  schemas: readonly TSchema[]
  /** how many leading params are required (the rest may be absent or null) */
  required: number
}

export type CompiledParams = ParamsSpec & { checks: TypeCheck<TSchema>[] }

export function compileParams(spec: ParamsSpec): CompiledParams {
  return { ...spec, checks: spec.schemas.map((s) => TypeCompiler.Compile(s)) }
}

/**
 * Checks positional params like geth: absent → [], too many, missing required, then each
 * value against its schema. Optional params given as null become undefined.
 */
export function validateParams(spec: CompiledParams, params: unknown): unknown[] {
  if (params === undefined || params === null) params = []
  if (!Array.isArray(params)) throw invalidParams('non-array args')
  const n = spec.schemas.length
  if (params.length > n) throw invalidParams(`too many arguments, want at most ${n}`)
  const out: unknown[] = []
  for (let i = 0; i < n; i++) {
    const value: unknown = params[i]
    if (value === undefined || value === null) {
      if (i < spec.required) throw invalidParams(`missing value for required argument ${i}`)
      out.push(undefined)
      continue
    }
    const check = spec.checks[i]!
    const schema = spec.schemas[i] as Annotated
    if (!check.Check(value)) {
      const first = check.Errors(value).First()
      throw invalidParams(`invalid argument ${i}: ${explain(schema, first)}`)
    }
    // the union admits extra keys (geth ignores unknown ones), but not both selectors at once
    if (
      schema.gethKind === 'blockNumberOrHash' &&
      typeof value === 'object' &&
      'blockHash' in value &&
      'blockNumber' in value
    )
      throw invalidParams(`invalid argument ${i}: ${describe(schema, value)}`)
    out.push(value)
  }
  return out
}

function explain(
  root: Annotated,
  error: { schema: TSchema; path: string; value: unknown } | undefined,
): string {
  if (!error) return 'invalid value'
  const reason = describe(error.schema as Annotated, error.value)
  if (error.path === '') return reason
  const { struct, field } = fieldContext(root, error.path)
  if (struct && field) {
    const kind = (error.schema as Annotated).gethKind
    const goType = kind ? GO_TYPE[kind] : 'value'
    return `json: cannot unmarshal ${reason} into Go struct field ${struct}.${field} of type ${goType}`
  }
  return `${reason} (at ${error.path})`
}

/** eth_getStorageAt / eth_getProof slot: up to 32 bytes of hex, short forms allowed like geth. */
export const StorageKey = Type.String({ pattern: '^0[xX][0-9a-fA-F]{0,64}$', gethKind: 'hash' })
