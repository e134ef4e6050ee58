import { randomBytes } from 'node:crypto'
import type { Hex, RecoveredTx } from '@lanes/core'
import type { LogFilter, SequencerNode } from '../node.js'
import { filterNotFound, serverError } from './errors.js'
import { formatLogRecord, type RpcLog } from './format.js'

/**
 * Polling filters (eth_newFilter & co). Block and log filters keep a cursor (the last block
 * they reported) and read from the node on each poll, so a filter costs nothing between polls;
 * pending-tx filters collect hashes from the node's events. Filters not polled for `timeoutMs`
 * (geth: 5 minutes) are dropped.
 */

type Base = { touched: number }
type BlockFilter = Base & { kind: 'blocks'; cursor: bigint }
type LogsFilter = Base & { kind: 'logs'; cursor: bigint; filter: LogFilter }
type PendingFilter = Base & { kind: 'pending'; hashes: Hex[] }
type Filter = BlockFilter | LogsFilter | PendingFilter

export type FilterOptions = {
  /** idle time after which a filter is removed (geth: 5 min) */
  timeoutMs?: number
  /** most unread hashes a pending-tx filter keeps (oldest dropped) */
  maxPendingHashes?: number
  /** most live filters at once (all clients); past it new ones are refused */
  maxFilters?: number
  now?: () => number
}

export function newId(): Hex {
  return `0x${randomBytes(16).toString('hex')}` as Hex
}

export class FilterManager {
  readonly #node: SequencerNode
  readonly #filters = new Map<Hex, Filter>()
  readonly #timeoutMs: number
  readonly #maxPending: number
  readonly #maxFilters: number
  readonly #now: () => number
  readonly #timer: NodeJS.Timeout
  readonly #onPending = (tx: RecoveredTx) => {
    for (const f of this.#filters.values()) {
      if (f.kind !== 'pending') continue
      f.hashes.push(tx.hash)
      if (f.hashes.length > this.#maxPending) f.hashes.shift()
    }
  }

  constructor(node: SequencerNode, options: FilterOptions = {}) {
    this.#node = node
    this.#timeoutMs = options.timeoutMs ?? 5 * 60_000
    this.#maxPending = options.maxPendingHashes ?? 10_000
    this.#maxFilters = options.maxFilters ?? 10_000
    this.#now = options.now ?? Date.now
    this.#timer = setInterval(() => this.sweep(), Math.min(this.#timeoutMs, 30_000))
    this.#timer.unref()
    node.events.on('pendingTx', this.#onPending)
  }

  get size(): number {
    return this.#filters.size
  }

  newBlockFilter(): Hex {
    return this.#add({ kind: 'blocks', cursor: this.#node.headNumber(), touched: this.#now() })
  }

  newPendingTransactionFilter(): Hex {
    return this.#add({ kind: 'pending', hashes: [], touched: this.#now() })
  }

  newLogFilter(filter: LogFilter): Hex {
    return this.#add({
      kind: 'logs',
      cursor: this.#node.headNumber(),
      filter,
      touched: this.#now(),
    })
  }

  uninstall(id: Hex): boolean {
    return this.#filters.delete(id.toLowerCase() as Hex)
  }

  /** eth_getFilterChanges: what happened since the last poll. */
  changes(id: Hex): Hex[] | RpcLog[] {
    const f = this.#get(id)
    const head = this.#node.headNumber()
    switch (f.kind) {
      case 'pending':
        return f.hashes.splice(0)
      case 'blocks': {
        const hashes: Hex[] = []
        for (let n = f.cursor + 1n; n <= head; n++) {
          const block = this.#node.getBlock(n, false)
          if (block) hashes.push(block.header.hash)
        }
        f.cursor = head
        return hashes
      }
      case 'logs': {
        if (f.filter.blockHash !== undefined) {
          // a blockHash filter reports its block's logs once
          if (f.cursor < 0n) return []
          f.cursor = -1n
          return this.#node.getLogs(f.filter).map(formatLogRecord)
        }
        const from = this.#bound(f.filter.fromBlock, f.cursor + 1n, 'max')
        const to = this.#bound(f.filter.toBlock, head, 'min')
        f.cursor = head
        if (from > to) return []
        return this.#node
          .getLogs({ ...f.filter, fromBlock: from, toBlock: to })
          .map(formatLogRecord)
      }
    }
  }

  /** eth_getFilterLogs: every log the filter's criteria match (log filters only, like geth). */
  logs(id: Hex): RpcLog[] {
    const f = this.#get(id)
    if (f.kind !== 'logs') throw filterNotFound()
    return this.#node.getLogs(f.filter).map(formatLogRecord)
  }

  sweep(): void {
    const cutoff = this.#now() - this.#timeoutMs
    for (const [id, f] of this.#filters) if (f.touched < cutoff) this.#filters.delete(id)
  }

  close(): void {
    clearInterval(this.#timer)
    this.#node.events.off('pendingTx', this.#onPending)
    this.#filters.clear()
  }

  #add(filter: Filter): Hex {
    if (this.#filters.size >= this.#maxFilters) {
      this.sweep()
      if (this.#filters.size >= this.#maxFilters) throw serverError('too many filters')
    }
    const id = newId()
    this.#filters.set(id, filter)
    return id
  }

  #get(id: Hex): Filter {
    const key = id.toLowerCase() as Hex
    const f = this.#filters.get(key)
    if (!f || f.touched < this.#now() - this.#timeoutMs) {
      this.#filters.delete(key)
      throw filterNotFound()
    }
    f.touched = this.#now()
    return f
  }

  /** A filter's own from/to bound combined with the poll window. */
  #bound(sel: LogFilter['fromBlock'], window: bigint, pick: 'min' | 'max'): bigint {
    if (sel === undefined || sel === 'latest' || sel === 'pending') return window
    const n = this.#node.resolveBlock(sel)
    if (n === undefined) return window
    return pick === 'max' ? (n > window ? n : window) : n < window ? n : window
  }
}
