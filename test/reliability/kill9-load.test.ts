import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  type Address,
  type BlockEnv,
  decodeTransaction,
  fromHex,
  genesisToDiff,
  type Hex,
  type L2Tx,
  parseGenesis,
} from '@lanes/core'
import { executeBlock } from '@lanes/executor'
import { WorldState } from '@lanes/state-tree'
import { describe, expect, it } from 'vitest'
import {
  addressOf,
  CHAIN_ID,
  CHAOS,
  figure,
  rawTx,
  type SequencerProc,
  startSequencer,
  tempDir,
  testKey,
  writeGenesis,
} from './lib.js'

/**
 * Scenario 1 (chaos only; the short kill -9 case is apps/sequencer/src/kill9.test.ts): txs
 * streamed at full speed from many senders while the sequencer is killed with SIGKILL three
 * times at random moments. After the last restart every acknowledged hash is in exactly one
 * block or in the pool, no tx is in two blocks, and replaying the stored blocks from genesis
 * through @lanes/executor + @lanes/state-tree gives each block's state root.
 */

const SENDERS = Array.from({ length: 64 }, (_, i) => testKey(1000 + i))
const ADDRS = SENDERS.map(addressOf)
const KILLS = 3

type RangeTx = { type: Hex; hash: Hex; from: Address; raw?: Hex }
type RangeBlock = {
  number: Hex
  hash: Hex
  timestamp: Hex
  stateRoot: Hex
  gasLimit: Hex
  baseFeePerGas: Hex
  coinbase: Address
  l1OriginHash: Hex
  transactions: RangeTx[]
}

async function pendingNonces(seq: SequencerProc): Promise<bigint[]> {
  const replies = await seq.batch(ADDRS.map((a) => ['eth_getTransactionCount', [a, 'pending']]))
  return replies.map((r) => BigInt(r.result as string))
}

/** Signs `count` txs round-robin over the senders ahead of time, so sending is not CPU-bound. */
function presign(nonces: bigint[], count: number): Hex[] {
  const out: Hex[] = []
  for (let k = 0; k < count; k++) {
    const i = k % SENDERS.length
    out.push(rawTx(SENDERS[i]!, { nonce: nonces[i]!++ }))
  }
  return out
}

/** Streams batches of 100 pre-signed txs on 6 connections until `stop()` or an error. */
async function stream(seq: SequencerProc, txs: Hex[], acked: Set<Hex>, stop: () => boolean) {
  let sent = 0
  let next = 0
  const lane = async () => {
    while (!stop() && next < txs.length) {
      const chunk = txs.slice(next, next + 100)
      next += chunk.length
      sent += chunk.length
      try {
        const replies = await seq.batch(chunk.map((raw) => ['eth_sendRawTransaction', [raw]]))
        for (const r of replies) if (typeof r.result === 'string') acked.add(r.result as Hex)
      } catch {
        return // the process died mid-request: nothing in that batch was acknowledged
      }
    }
  }
  await Promise.all(Array.from({ length: 6 }, lane))
  return sent
}

describe.runIf(CHAOS)('scenario 1: sequencer kill -9 under load, three times', () => {
  it('keeps every acknowledged tx exactly once and a replayable state', {
    timeout: 900_000,
  }, async () => {
    const tmp = tempDir('lanes-kill9load-')
    try {
      const genesisFile = writeGenesis(tmp.dir, SENDERS)
      const dataDir = path.join(tmp.dir, 'data')
      const acked = new Set<Hex>()
      let sent = 0
      let streamMs = 0
      let seq = await startSequencer({ genesis: genesisFile, dataDir })
      for (let kill = 0; kill < KILLS; kill++) {
        const txs = presign(await pendingNonces(seq), 30_000)
        const runFor = 2000 + Math.floor(Math.random() * 4000)
        const t0 = Date.now()
        const killer = new Promise<void>((r) =>
          setTimeout(() => {
            seq.child.kill('SIGKILL')
            r()
          }, runFor),
        )
        sent += await stream(seq, txs, acked, () => seq.child.signalCode !== null)
        await killer
        await seq.exited
        streamMs += Date.now() - t0
        seq = await startSequencer({ genesis: genesisFile, dataDir })
      }

      // let the pool drain into blocks for a moment, then check every acknowledged hash
      await new Promise((r) => setTimeout(r, 3000))
      const head = BigInt((await seq.rpc('eth_blockNumber')) as string)
      const blocks: RangeBlock[] = []
      for (let from = 1n; from <= head; from += 500n) {
        const to = from + 499n < head ? from + 499n : head
        blocks.push(
          ...((await seq.rpc('lanes_getBlockRange', [
            `0x${from.toString(16)}`,
            `0x${to.toString(16)}`,
          ])) as RangeBlock[]),
        )
      }
      const inBlocks = new Map<Hex, number>()
      for (const b of blocks)
        for (const t of b.transactions) inBlocks.set(t.hash, (inBlocks.get(t.hash) ?? 0) + 1)
      const duplicates = [...inBlocks.values()].filter((n) => n > 1).length
      const notMined = [...acked].filter((h) => !inBlocks.has(h))
      let pooled = 0
      let lost = 0
      for (let i = 0; i < notMined.length; i += 200) {
        const replies = await seq.batch(
          notMined.slice(i, i + 200).map((h) => ['eth_getTransactionByHash', [h]]),
        )
        for (const r of replies) {
          const tx = r.result as { blockNumber: Hex | null } | null
          if (tx && tx.blockNumber === null) pooled++
          else lost++
        }
      }
      await seq.stop()

      // fresh replay of the stored blocks from genesis
      const genesis = parseGenesis(JSON.parse(readFileSync(genesisFile, 'utf8')))
      const state = WorldState.inMemory()
      state.applyDiff(0n, genesisToDiff(genesis))
      const hashes = new Map<bigint, Hex>()
      let mismatches = 0
      let firstMismatch = ''
      let replayedTxs = 0
      for (const b of blocks) {
        const number = BigInt(b.number)
        const txs: L2Tx[] = b.transactions.map((t) => {
          if (!t.raw) throw new Error(`block ${number} holds a deposit; this run has no L1`)
          return { ...decodeTransaction(fromHex(t.raw), { chainId: CHAIN_ID }), from: t.from }
        })
        const env: BlockEnv = {
          number,
          timestamp: BigInt(b.timestamp),
          gasLimit: BigInt(b.gasLimit),
          baseFeePerGas: BigInt(b.baseFeePerGas),
          coinbase: b.coinbase,
          chainId: CHAIN_ID,
          prevRandao: b.l1OriginHash,
          l1BaseFee: 0n,
          l1BlobBaseFee: 1n,
          blockHash: (n) => (n < number ? hashes.get(n) : undefined),
        }
        const result = executeBlock(env, txs, state, {
          baseFeeVault: genesis.feeVaults.baseFee,
          priorityFeeVault: genesis.feeVaults.priorityFee,
          l1FeeVault: genesis.feeVaults.l1Fee,
          l1BaseFeeScalar: 1368n,
          l1BlobBaseFeeScalar: 810949n,
        })
        const root = state.applyDiff(number, result.diff)
        replayedTxs += txs.length
        hashes.set(number, b.hash)
        if (root !== b.stateRoot || result.invalid.length > 0) {
          mismatches++
          firstMismatch ||= `block ${number}: replay ${root}, stored ${b.stateRoot}, invalid ${result.invalid.length}`
        }
      }

      figure('kill9-load', {
        kills: KILLS,
        sent,
        acknowledged: acked.size,
        streamedTxPerSecond: Math.round(sent / (streamMs / 1000)),
        blocks: blocks.length,
        mined: acked.size - notMined.length,
        pooled,
        lost,
        duplicates,
        replayedTxs,
        rootMismatches: mismatches,
      })
      expect(acked.size).toBeGreaterThan(1000)
      expect(lost).toBe(0)
      expect(duplicates).toBe(0)
      expect(firstMismatch).toBe('')
      expect(mismatches).toBe(0)
    } finally {
      tmp.cleanup()
    }
  })
})
