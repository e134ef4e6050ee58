import { type Address, fromHex, type RecoveredTx, StateRootMismatchError } from '@lanes/core'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { GenesisMismatchError } from './builder/genesis.js'
import { PoolRejectedError } from './mempool/errors.js'
import { Sequencer } from './sequencer.js'
import { encodeSigned } from './store/codec.js'
import { tempDir, testConfig, testGenesis } from './testing/fixtures.js'
import { addressOf, signTx, testKey } from './testing/sign.js'

const KEYS = [testKey(1), testKey(2), testKey(3)]
const CHAIN = 42069n
const TO = '0x00000000000000000000000000000000000000aa' as Address

const open: Sequencer[] = []
const dirs: (() => void)[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
  for (const c of dirs.splice(0)) c()
})

// one genesis for the file: its timestamp comes from the clock, and a restart must see the same
const GENESIS = testGenesis(KEYS)

function start(dir: string, genesis = GENESIS) {
  const s = Sequencer.open({ config: testConfig(dir), genesis, autoSeal: false })
  open.push(s)
  return s
}

function dir() {
  const t = tempDir()
  dirs.push(t.cleanup)
  return t.dir
}

describe('Sequencer', () => {
  it('seals an empty heartbeat block only after the configured quiet interval', async () => {
    const d = dir()
    const s = Sequencer.open({
      config: testConfig(d, { '--empty-block-interval-ms': '200' }),
      genesis: testGenesis(KEYS),
      autoSeal: false,
    })
    open.push(s)
    const first = await s.sealNext() // nothing sealed yet since start: a heartbeat is due
    expect(first?.txs).toEqual([])
    expect(first?.header.number).toBe(1n)
    expect(await s.sealNext()).toBeUndefined() // within the interval: no empty block
    await new Promise((r) => setTimeout(r, 250))
    expect((await s.sealNext())?.header.number).toBe(2n)
    const quiet = start(dir()) // --empty-block-interval-ms 0: only blocks with work
    expect(await quiet.sealNext()).toBeUndefined()
  })

  it('seals submitted transfers into a block with receipts and new balances', async () => {
    const s = start(dir())
    const genesis = s.getBlock('latest', false)!
    expect(genesis.header.number).toBe(0n)
    const hashes = await Promise.all(
      KEYS.map((k, i) =>
        s.submitRawTransaction(
          signTx(k, { chainId: CHAIN, nonce: 0n, to: TO, value: BigInt(i + 1) }),
        ),
      ),
    )
    expect(s.poolStatus()).toEqual({ pending: 3, queued: 0 })
    expect(s.getTransaction(hashes[0]!)?.location).toBeNull()
    expect(s.pendingNonce(addressOf(KEYS[0]!))).toBe(1n)

    const block = await s.sealNext()
    expect(block?.header.number).toBe(1n)
    expect(block?.txs).toHaveLength(3)
    expect(s.poolStatus()).toEqual({ pending: 0, queued: 0 })
    expect(s.headNumber()).toBe(1n)
    expect(s.stateAt('latest').balance(TO)).toBe(6n)
    expect(s.stateAt(0n).balance(TO)).toBe(0n)
    expect(s.stateAt('latest').nonce(addressOf(KEYS[1]!))).toBe(1n)

    const r = s.getReceipt(hashes[1]!)!
    expect(r.receipt.status).toBe(1)
    expect(r.receipt.gasUsed).toBe(21_000n)
    expect(r.location.blockNumber).toBe(1n)
    expect(s.getTransaction(hashes[1]!)?.location?.blockHash).toBe(block!.header.hash)
    expect(s.getBlock(block!.header.hash as never, true)).toBeUndefined()
    expect(s.getBlock({ hash: block!.header.hash }, true)?.txs).toHaveLength(3)
    expect(s.blockRange(0n, 5n).map((b) => b.header.number)).toEqual([0n, 1n])
    expect(await s.sealNext()).toBeUndefined()
  })

  it('timestamps strictly increase and the base fee follows EIP-1559 with a floor', async () => {
    const s = start(dir())
    const key = KEYS[0]!
    let prev = s.getBlock('latest', false)!.header
    for (let n = 0n; n < 3n; n++) {
      await s.submitRawTransaction(signTx(key, { chainId: CHAIN, nonce: n, to: TO }))
      const b = (await s.sealNext())!
      expect(b.header.timestamp).toBeGreaterThan(prev.timestamp)
      expect(b.header.parentHash).toBe(prev.hash)
      expect(b.header.baseFeePerGas).toBe(1_000_000n) // nearly empty blocks: stays at the floor
      prev = b.header
    }
  })

  it('rejects with geth errors and journals only accepted txs', async () => {
    const s = start(dir())
    const raw = signTx(KEYS[0]!, { chainId: CHAIN, nonce: 0n, to: TO })
    await s.submitRawTransaction(raw)
    await expect(s.submitRawTransaction(raw)).rejects.toThrow('already known')
    await expect(
      s.submitRawTransaction(signTx(testKey(99), { chainId: CHAIN, nonce: 0n, to: TO })),
    ).rejects.toBeInstanceOf(PoolRejectedError)
    await expect(
      s.submitRawTransaction(signTx(KEYS[0]!, { chainId: 1n, nonce: 0n, to: TO })),
    ).rejects.toThrow(/invalid chain id/)
    await s.sealNext()
    await expect(s.submitRawTransaction(raw)).rejects.toThrow(/nonce too low|already known/)
    await s.journal.sync() // sealed txs leave the journal with its next group commit
    expect(s.store.journalAll()).toHaveLength(0)
  })

  it('answers a batch of sends tx by tx, as separate sends would (with and without workers)', async () => {
    for (const workers of ['0', '2']) {
      const s = Sequencer.open({
        config: testConfig(dir(), { '--recovery-workers': workers }),
        genesis: GENESIS,
        autoSeal: false,
      })
      open.push(s)
      const a0 = signTx(KEYS[0]!, { chainId: CHAIN, nonce: 0n, to: TO, value: 1n })
      const a1 = signTx(KEYS[0]!, { chainId: CHAIN, nonce: 1n, to: TO, value: 1n })
      const b0 = signTx(KEYS[1]!, { chainId: CHAIN, nonce: 0n, to: TO, value: 1n })
      const wrongChain = signTx(KEYS[2]!, { chainId: 1n, nonce: 0n, to: TO })
      const tooRich = signTx(KEYS[2]!, { chainId: CHAIN, nonce: 0n, to: TO, value: 10n ** 30n })
      const badSig = Uint8Array.from(b0)
      badSig[badSig.length - 40]! ^= 1 // inside r: a different (or no) sender
      const outcomes = await s.submitRawTransactions([
        a0,
        Uint8Array.of(2, 0xc0),
        a0, // the same tx again in the batch: the second is already known
        wrongChain,
        a1,
        tooRich,
        b0,
      ])
      const text = (o: (typeof outcomes)[number] | undefined) =>
        o && 'error' in o ? (o.error as Error).message : o?.hash
      expect(outcomes.map(text)).toEqual([
        s.pool.all()[0]!.hash,
        'rlp: too few elements for types.DynamicFeeTx',
        'already known',
        'invalid chain id for signer: have 1 want 42069',
        s.pool.all()[1]!.hash,
        expect.stringMatching(/^insufficient funds for gas \* price \+ value/),
        s.pool.all()[2]!.hash,
      ])
      // what was acknowledged is journaled; the refused are not
      expect(s.store.journalAll().map((t) => t.hash)).toEqual(s.pool.all().map((t) => t.hash))
      // a single send of a known tx still answers like geth
      await expect(s.submitRawTransaction(b0)).rejects.toThrow('already known')
      const [bad] = await s.submitRawTransactions([badSig])
      // a flipped bit in r recovers some other (unfunded) sender, or none
      expect(text(bad)).toMatch(/insufficient funds|invalid sender/)
    }
  })

  it('reopens with the same head and root, re-admitting journaled txs', async () => {
    const d = dir()
    const s1 = start(d)
    await s1.submitRawTransaction(signTx(KEYS[0]!, { chainId: CHAIN, nonce: 0n, to: TO }))
    await s1.sealNext()
    const pendingHash = await s1.submitRawTransaction(
      signTx(KEYS[0]!, { chainId: CHAIN, nonce: 1n, to: TO }),
    )
    const head = s1.getBlock('latest', false)!.header
    await s1.close()
    open.splice(open.indexOf(s1), 1)

    const s2 = start(d)
    expect(s2.getBlock('latest', false)!.header).toEqual(head)
    expect(s2.getTransaction(pendingHash)?.location).toBeNull()
    expect(s2.pendingNonce(addressOf(KEYS[0]!))).toBe(2n)
    const b = await s2.sealNext()
    expect(b?.txs.map((t) => t.hash)).toEqual([pendingHash])
  })

  it('drops a journal row left behind for a sealed tx on restart (crash before its delete)', async () => {
    const d = dir()
    const s1 = start(d)
    const raw = signTx(KEYS[0]!, { chainId: CHAIN, nonce: 0n, to: TO })
    const hash = await s1.submitRawTransaction(raw)
    const sealed = await s1.sealNext()
    expect(sealed?.txs.map((t) => t.hash)).toEqual([hash])
    const pooled = s1.getTransaction(hash)!.tx
    await s1.close()
    open.splice(open.indexOf(s1), 1)
    // what a kill -9 between the block commit and the journal's delete leaves on disk
    const db = new Database(`${d}/sequencer.db`)
    db.prepare('INSERT INTO journal (hash, seq, tx) VALUES (?, 0, ?)').run(
      Buffer.from(fromHex(hash)),
      Buffer.from(encodeSigned(pooled as RecoveredTx)),
    )
    db.close()

    const s2 = start(d)
    expect(s2.poolStatus()).toEqual({ pending: 0, queued: 0 })
    expect(s2.store.journalAll()).toHaveLength(0)
    expect(await s2.sealNext()).toBeUndefined()
  })

  it('refuses a different genesis and halts on a tampered state root', async () => {
    const d = dir()
    const s1 = start(d)
    await s1.submitRawTransaction(signTx(KEYS[0]!, { chainId: CHAIN, nonce: 0n, to: TO }))
    await s1.sealNext()
    await s1.close()
    open.splice(0)
    expect(() => start(d, testGenesis(KEYS.slice(1)))).toThrow(GenesisMismatchError)

    const db = new Database(`${d}/sequencer.db`)
    const row = db.prepare('SELECT header FROM blocks WHERE number = 1').get() as { header: string }
    const h = JSON.parse(row.header)
    h.stateRoot = `0x${'11'.repeat(32)}`
    db.prepare('UPDATE blocks SET header = ? WHERE number = 1').run(JSON.stringify(h))
    db.close()
    expect(() => start(d)).toThrow(StateRootMismatchError)
  })

  it('serves proofs, logs filters and fee history', async () => {
    const s = start(dir())
    await s.submitRawTransaction(signTx(KEYS[0]!, { chainId: CHAIN, nonce: 0n, to: TO, value: 5n }))
    await s.sealNext()
    const p = await s.proof(TO, ['0x0'], 'latest')
    expect(p.account?.balance).toBe(5n)
    expect(fromHex(p.accountProof)[0]).toBe(0) // inclusion
    expect(p.storageProof[0]?.value).toBe(0n)
    expect(s.getLogs({ fromBlock: 0n, toBlock: 'latest' })).toEqual([])
    expect(() => s.getLogs({ fromBlock: 1n, toBlock: 0n })).toThrow('invalid block range params')
    const fh = s.feeHistory(2, 'latest', [50])
    expect(fh.oldestBlock).toBe(0n)
    expect(fh.baseFeePerGas).toHaveLength(3)
    expect(fh.reward?.[1]).toEqual([10n ** 9n])
    expect(s.syncStatus().sealed.number).toBe(1n)
    expect(s.resolveBlock('safe')).toBe(0n)
  })
})
