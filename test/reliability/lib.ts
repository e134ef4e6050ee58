import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type Address,
  addressOf,
  type Hex,
  signTransaction,
  toHex,
  type UnsignedTxFields,
} from '@lanes/core'
import { spawnOwned, stopProcess } from '../harness/processes.js'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const CHAIN_ID = 42069n
export const FEE_VAULT = '0x4200000000000000000000000000000000000019'
/** long variants run only under `npm run test:chaos` */
export const CHAOS = process.env.LANES_CHAOS === '1'

/** A deterministic private key for test sender `i`. */
export function testKey(i: number): Hex {
  return `0x${(BigInt(i) + 0x7000n).toString(16).padStart(64, '0')}` as Hex
}

export { addressOf }

export type TxParams = {
  chainId?: bigint
  nonce: bigint
  to?: Address | null
  value?: bigint
  gasLimit?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

/** Raw bytes of a signed EIP-1559 transfer (native secp256k1: fast enough for 100k txs). */
export function signTx(privateKey: Hex, p: TxParams): Uint8Array {
  const fields: UnsignedTxFields = {
    type: 2,
    chainId: p.chainId ?? CHAIN_ID,
    nonce: p.nonce,
    gasLimit: p.gasLimit ?? 21_000n,
    to: p.to === undefined ? (FEE_VAULT as Address) : p.to,
    value: p.value ?? 1n,
    data: new Uint8Array(0),
    maxFeePerGas: p.maxFeePerGas ?? 10n ** 11n,
    maxPriorityFeePerGas: p.maxPriorityFeePerGas ?? 10n ** 9n,
    accessList: [],
  }
  return signTransaction(privateKey, fields)
}

export const rawTx = (privateKey: Hex, p: TxParams): Hex => toHex(signTx(privateKey, p))

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Writes a genesis funding each key with 1000 ETH; returns its path. */
export function writeGenesis(dir: string, keys: readonly Hex[], gasLimit = 200_000_000n): string {
  const alloc: Record<string, { balance: string }> = {}
  for (const k of keys) alloc[addressOf(k)] = { balance: (10n ** 21n).toString() }
  const file = path.join(dir, 'genesis.json')
  writeFileSync(
    file,
    JSON.stringify({
      chainId: Number(CHAIN_ID),
      timestamp: Math.floor(Date.now() / 1000) - 10,
      gasLimit: gasLimit.toString(),
      blockTimeMs: 100,
      minBaseFee: '1000000',
      feeVaults: { baseFee: FEE_VAULT, priorityFee: FEE_VAULT, l1Fee: FEE_VAULT },
      alloc,
    }),
  )
  return file
}

export type RpcReply = {
  jsonrpc?: unknown
  id?: unknown
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

export type SequencerProc = {
  child: ChildProcess
  url: string
  output: () => string
  /** one call; throws on a JSON-RPC error */
  rpc: (method: string, params?: unknown[]) => Promise<unknown>
  /** a batch; replies sorted by id (= index) */
  batch: (calls: [string, unknown[]][]) => Promise<RpcReply[]>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stop: () => Promise<void>
}

/**
 * Starts apps/sequencer/src/main.ts as a process on a free port and resolves on its
 * "listening" log line; rejects with the process output if it exits first.
 */
export function startSequencer(opts: {
  genesis: string
  dataDir: string
  args?: string[]
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** RLIMIT_FSIZE of the process in KiB (SIGXFSZ ignored, so writes past it fail EFBIG) */
  fileSizeLimitKb?: number
}): Promise<SequencerProc> {
  const [cmd, pre] =
    opts.fileSizeLimitKb === undefined
      ? [process.execPath, []]
      : [
          'bash',
          [
            '-c',
            `trap '' XFSZ; ulimit -f ${opts.fileSizeLimitKb}; exec "$0" "$@"`,
            process.execPath,
          ],
        ]
  const child = spawnOwned(
    cmd,
    [
      ...pre,
      '--import',
      'tsx',
      path.join(REPO, 'apps/sequencer/src/main.ts'),
      '--genesis',
      opts.genesis,
      '--data-dir',
      opts.dataDir,
      '--port',
      '0',
      '--block-time-ms',
      '50',
      '--log-level',
      'info',
      ...(opts.args ?? []),
    ],
    { cwd: REPO, env: { ...process.env, ...opts.env } },
  )
  let out = ''
  const keep = (d: Buffer) => {
    out += d.toString()
    if (out.length > 200_000) out = out.slice(-100_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`sequencer did not start:\n${out}`))
    }, opts.timeoutMs ?? 120_000)
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`sequencer exited (${code ?? signal}) before listening:\n${out}`))
    })
    const onData = () => {
      const m = /"url":"([^"]+)"[^\n]*"msg":"listening"/.exec(out)
      if (!m) return
      child.stdout?.off('data', onData)
      clearTimeout(timer)
      const url = m[1]!
      const batch = async (calls: [string, unknown[]][]) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(
            calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params })),
          ),
        })
        const body = (await res.json()) as RpcReply[]
        return body.sort((a, b) => Number(a.id) - Number(b.id))
      }
      const rpc = async (method: string, params: unknown[] = []) => {
        const [r] = await batch([[method, params]])
        if (r?.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`)
        return r?.result
      }
      resolve({
        child,
        url,
        output: () => out,
        rpc,
        batch,
        exited,
        stop: () => stopProcess(child, 5000),
      })
    }
    child.stdout?.on('data', onData)
  })
}

export type RunResult = {
  code: number | null
  stdout: string
  stderr: string
  ms: number
  /** stdout matched `startedPattern`: the process came up and was killed */
  started: boolean
}

/** Runs `node --import tsx <script> ...args` to completion (killed after timeoutMs). */
export function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  startedPattern?: RegExp,
): Promise<RunResult> {
  const t0 = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, script), ...args], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let started = false
  child.stdout.on('data', (d) => {
    stdout += d
    if (!started && startedPattern?.test(stdout)) {
      started = true
      child.kill('SIGKILL')
    }
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - t0, started })
    }),
  )
}

/** Environment without any LANES_* variable (so a developer's shell cannot leak in). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LANES_')) env[k] = v
  return { ...env, ...extra }
}

/** Prints one figure line the report can quote. */
export function figure(scenario: string, numbers: Record<string, number | string>): void {
  process.stdout.write(`[reliability] ${scenario} ${JSON.stringify(numbers)}\n`)
}

/** One JSON-RPC call over HTTP; a JSON-RPC error becomes a thrown Error naming the method. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = (await res.json()) as { result?: unknown; error?: unknown }
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`)
  return body.result
}

/**
 * Background L2 traffic: one signed transfer from `privateKey` every 100 ms until `stop()`.
 * `acked` holds every hash the node acknowledged; a refused send is retried with the same nonce.
 */
export function steadyTraffic(url: string, privateKey: Hex, chainId: bigint) {
  const acked: Hex[] = []
  let sent = 0
  let sending = true
  let nonce = 0n
  const done = (async () => {
    while (sending) {
      sent++
      try {
        acked.push(
          (await rpc(url, 'eth_sendRawTransaction', [
            rawTx(privateKey, { chainId, nonce }),
          ])) as Hex,
        )
        nonce++
      } catch {
        // not acknowledged
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  return {
    acked,
    sent: () => sent,
    stop: async () => {
      sending = false
      await done
    },
  }
}
