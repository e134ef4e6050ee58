import { mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type Address, createPublicClient, type Hex, http, isAddress, isHash } from 'viem'
import { type BatchDocument, jsonReplacer, txRows } from './batch-view.js'
import { beaconBlobSource } from './blobs.js'
import { type DeriveL1, viemDeriveL1 } from './l1.js'
import { scanRollup } from './scan.js'
import { ScanStore } from './scan-store.js'
import { getWithdrawalProof, WithdrawalNotFinalizedError } from './withdrawal.js'

const USAGE = `lanes-derive: read Lanes batches from L1 alone

usage: lanes-derive [options] <command>

commands:
  batches [--from <index>] [--to <index>]   list committed batches
  batch <index>                              one batch with its blocks and transactions
  tx <l2TxHash>                              the batch and L1 transaction that carry an L2 tx
  withdrawal <l2TxHash> [--l2-rpc <url>]     the proveAndClaimWithdrawal arguments of an L2
                                             withdrawal, once its batch is finalized (exit 3 before)

options:
  --devnet <file>        read the settings below from a devnet.json (npm run devnet writes one)
  --rpc <url>            L1 JSON-RPC URL                        (env LANES_L1_RPC_URL)
  --rollup <address>     Rollup contract on L1                  (env LANES_ROLLUP_ADDRESS)
  --start-block <n>      L1 block of the Rollup deployment      (env LANES_ROLLUP_START_BLOCK, default 0)
  --chain-id <n>         L2 chain id                            (env LANES_L2_CHAIN_ID)
  --l2-rpc <url>         Lanes L2 JSON-RPC URL, for withdrawal   (env LANES_L2_RPC_URL)
  --beacon <url>         read blobs from this beacon API instead of anvil_getBlobsByTransactionHash
  --confirmations <n>    ignore the newest n L1 blocks (default 0)
  --cache <dir>          keep what was read from L1 in <dir> and resume from it next time
                         (env LANES_DERIVE_CACHE, default $XDG_CACHE_HOME/lanes-derive or
                         ~/.cache/lanes-derive; one SQLite file per L1 chain and Rollup)
  --no-cache             read everything from L1 again and keep nothing
  --json                 one JSON document on stdout, for machines
  -h, --help`

export class CliUsageError extends Error {
  override name = 'CliUsageError'
}

type Settings = {
  rpc: string
  rollup: Address
  startBlock: bigint
  chainId: bigint
  beacon: string | undefined
  l2Rpc: string | undefined
  confirmations: bigint
  /** directory of the cache files, or null for none */
  cacheDir: string | null
}

function bigintArg(name: string, v: string | undefined, fallback?: bigint): bigint {
  if (v === undefined) {
    if (fallback === undefined) throw new CliUsageError(`missing --${name}`)
    return fallback
  }
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v))
    throw new CliUsageError(`invalid --${name}: ${v} (expected a non-negative integer)`)
  return BigInt(v)
}

function settings(values: Record<string, unknown>): Settings {
  const env = process.env
  let devnet: {
    l1?: { rpcUrl?: string }
    l2?: { chainId?: number | string; rpcUrl?: string }
    contracts?: { rollup?: string; rollupDeployBlock?: number | string }
  } = {}
  if (typeof values.devnet === 'string') {
    try {
      devnet = JSON.parse(readFileSync(values.devnet, 'utf8'))
    } catch (e) {
      throw new CliUsageError(`cannot read --devnet ${values.devnet}: ${(e as Error).message}`)
    }
  }
  const str = (v: unknown) =>
    typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
  const rpc = str(values.rpc) ?? env.LANES_L1_RPC_URL ?? devnet.l1?.rpcUrl
  if (!rpc) throw new CliUsageError('missing --rpc (or LANES_L1_RPC_URL, or --devnet)')
  try {
    new URL(rpc)
  } catch {
    throw new CliUsageError(`invalid --rpc: ${rpc} (expected a URL)`)
  }
  const rollup = str(values.rollup) ?? env.LANES_ROLLUP_ADDRESS ?? devnet.contracts?.rollup
  if (!rollup || !isAddress(rollup))
    throw new CliUsageError(`invalid or missing --rollup: ${rollup ?? ''}`)
  return {
    rpc,
    rollup,
    startBlock: bigintArg(
      'start-block',
      str(values['start-block']) ??
        env.LANES_ROLLUP_START_BLOCK ??
        str(devnet.contracts?.rollupDeployBlock),
      0n,
    ),
    chainId: bigintArg(
      'chain-id',
      str(values['chain-id']) ?? env.LANES_L2_CHAIN_ID ?? str(devnet.l2?.chainId),
    ),
    beacon: str(values.beacon),
    l2Rpc: str(values['l2-rpc']) ?? env.LANES_L2_RPC_URL ?? devnet.l2?.rpcUrl,
    confirmations: bigintArg('confirmations', str(values.confirmations), 0n),
    cacheDir: values['no-cache']
      ? null
      : (str(values.cache) ??
        env.LANES_DERIVE_CACHE ??
        join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lanes-derive')),
  }
}

/** The scan store of this L1 chain and Rollup: a file in the cache directory, or in memory. */
async function openStore(s: Settings, l1: DeriveL1): Promise<ScanStore> {
  const genesis = await l1.block(0n)
  const identity = {
    l1GenesisHash: genesis.hash,
    rollup: s.rollup.toLowerCase(),
    startBlock: s.startBlock,
    chainId: s.chainId,
  }
  if (s.cacheDir === null) return new ScanStore(':memory:', identity)
  try {
    mkdirSync(s.cacheDir, { recursive: true })
  } catch (e) {
    throw new CliUsageError(`cannot create --cache ${s.cacheDir}: ${(e as Error).message}`)
  }
  const name = `${s.chainId}-${identity.rollup}-${s.startBlock}-${genesis.hash.slice(2, 14)}.sqlite`
  return new ScanStore(join(s.cacheDir, name), identity)
}

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)'
  const cols = Object.keys(rows[0]!)
  const cells = rows.map((r) => cols.map((c) => String(r[c])))
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)))
  const line = (xs: string[]) =>
    xs
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

export type CliIo = { out: (s: string) => void; err: (s: string) => void; isTTY: boolean }

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        devnet: { type: 'string' },
        rpc: { type: 'string' },
        rollup: { type: 'string' },
        'start-block': { type: 'string' },
        'chain-id': { type: 'string' },
        beacon: { type: 'string' },
        'l2-rpc': { type: 'string' },
        confirmations: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        json: { type: 'boolean' },
        cache: { type: 'string' },
        'no-cache': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    io.err(`lanes-derive: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, arg] = positionals
  if (values.help || !command) {
    io.out(USAGE)
    return values.help ? 0 : 2
  }
  try {
    if (!['batches', 'batch', 'tx', 'withdrawal'].includes(command))
      throw new CliUsageError(`unknown command ${command}`)
    if (command === 'batch' && (arg === undefined || !/^[0-9]+$/.test(arg)))
      throw new CliUsageError('batch needs a batch index')
    if (command === 'tx' && (arg === undefined || !isHash(arg)))
      throw new CliUsageError('tx needs a 32-byte 0x-hex transaction hash')
    if (command === 'withdrawal' && (arg === undefined || !isHash(arg)))
      throw new CliUsageError('withdrawal needs a 32-byte 0x-hex L2 transaction hash')
    const from = bigintArg('from', values.from as string | undefined, 0n)
    const to = values.to === undefined ? undefined : bigintArg('to', values.to as string)
    const s = settings(values)
    const l1 = viemDeriveL1({
      rpcUrl: s.rpc,
      rollup: s.rollup,
      ...(s.beacon
        ? { blobSource: beaconBlobSource({ url: s.beacon, blockId: (b) => b.number.toString() }) }
        : {}),
    })
    const emit = (value: unknown, text: string) =>
      io.out(values.json ? JSON.stringify(value, jsonReplacer, 2) : text)
    if (command === 'withdrawal') return await withdrawal(s, arg as Hex, emit, io)

    const progress = (at: bigint, head: bigint) => {
      if (io.isTTY) io.err(`\rscanning L1 block ${at} / ${head}`)
    }
    const store = await openStore(s, l1)
    try {
      const l1Head = await scanRollup(
        l1,
        store,
        { chainId: s.chainId, startBlock: s.startBlock, confirmations: s.confirmations },
        progress,
      )
      if (io.isTTY) io.err('\n')
      return show(command, arg, store, l1Head, { from, to }, emit, io)
    } finally {
      store.close()
    }
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.err(`lanes-derive: ${e.message}`)
      return 2
    }
    io.err(`lanes-derive: ${(e as Error).message.split('\n')[0]}`)
    return 1
  }
}

function show(
  command: string,
  arg: string | undefined,
  store: ScanStore,
  l1Head: bigint,
  range: { from: bigint; to: bigint | undefined },
  emit: (value: unknown, text: string) => void,
  io: CliIo,
): number {
  if (command === 'batches') {
    const rows = store.batches(range.from, range.to)
    const invalid = store.invalid()
    emit(
      { batches: rows, invalid },
      table(rows) + (invalid.length ? `\n\ninvalid:\n${table(invalid)}` : ''),
    )
    return 0
  }
  if (command === 'batch') {
    const found = store.batch(BigInt(arg!))
    if (!found || 'invalid' in found) {
      const why = found ? `is invalid: ${found.invalid}` : 'is not committed'
      io.err(`lanes-derive: batch ${arg} ${why}`)
      return 1
    }
    const doc: BatchDocument = found.doc
    const { header: _h, blocks: _b, ...summary } = doc as BatchDocument & { header: unknown }
    emit(doc, `${table([summary])}\n\n${table(txRows(doc))}`)
    return 0
  }
  const hash = (arg as Hex).toLowerCase() as Hex
  const at = store.findTx(hash)
  if (!at) {
    io.err(`lanes-derive: ${hash} is in no committed batch (scanned to L1 block ${l1Head})`)
    return 1
  }
  const found = {
    tx: hash,
    l2Block: at.l2Block,
    batch: at.batch.index,
    da: at.batch.da,
    l1Block: at.batch.l1Block,
    l1Tx: at.batch.l1Tx,
    finalized: at.finalized,
  }
  emit(found, table([found]))
  return 0
}

async function withdrawal(
  s: Settings,
  txHash: Hex,
  emit: (value: unknown, text: string) => void,
  io: CliIo,
): Promise<number> {
  if (!s.l2Rpc)
    throw new CliUsageError('withdrawal needs --l2-rpc (or LANES_L2_RPC_URL, or --devnet)')
  try {
    new URL(s.l2Rpc)
  } catch {
    throw new CliUsageError(`invalid --l2-rpc: ${s.l2Rpc} (expected a URL)`)
  }
  try {
    const claim = await getWithdrawalProof({
      l1: createPublicClient({ transport: http(s.rpc) }),
      l2: createPublicClient({ transport: http(s.l2Rpc) }),
      rollup: s.rollup,
      rollupStartBlock: s.startBlock,
      txHash,
    })
    const row = {
      batch: claim.batchIndex,
      nonce: claim.withdrawal.nonce,
      sender: claim.withdrawal.sender,
      l1Recipient: claim.withdrawal.l1Recipient,
      value: claim.withdrawal.value,
      withdrawalHash: claim.withdrawalHash,
    }
    emit(claim, `${table([row])}\n\nproof: ${claim.proof}`)
    return 0
  } catch (e) {
    if (!(e instanceof WithdrawalNotFinalizedError)) throw e
    io.err(`lanes-derive: ${e.message}`)
    return 3
  }
}
