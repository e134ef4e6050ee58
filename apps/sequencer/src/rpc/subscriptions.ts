import type { Hex, RecoveredTx } from '@lanes/core'
import type { Static } from '@sinclair/typebox'
import type { BlockRecord, LogFilter, LogRecord, SequencerNode } from '../node.js'
import type { RpcContext } from './context.js'
import { method } from './dispatcher.js'
import {
  invalidParams,
  noSuchSubscription,
  notificationsUnsupported,
  serverError,
} from './errors.js'
import { newId } from './filters.js'
import { formatHeader, formatLogRecord, formatTransaction } from './format.js'
import { matchesLog, toLogFilter } from './log-filter.js'
import { AnyValue, compileParams, FilterObject, SubscriptionId, validateParams } from './schemas.js'

/**
 * eth_subscribe over WebSocket: newHeads, logs, newPendingTransactions (hash, or the full tx
 * with `true`). One hub listens to the node's events and fans out to the open sessions, so
 * connections never pile listeners onto the node's emitter.
 */

type Sub =
  | { kind: 'newHeads' }
  | { kind: 'logs'; filter: LogFilter }
  | { kind: 'newPendingTransactions'; full: boolean }

/** Most subscriptions one connection may hold. */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 1000

export class SubscriptionSession {
  readonly #subs = new Map<Hex, Sub>()
  readonly #send: (message: string) => void
  readonly #hub: SubscriptionHub

  constructor(hub: SubscriptionHub, send: (message: string) => void) {
    this.#hub = hub
    this.#send = send
  }

  get size(): number {
    return this.#subs.size
  }

  subscribe(sub: Sub): Hex {
    if (this.#subs.size >= MAX_SUBSCRIPTIONS_PER_SESSION)
      throw serverError('too many subscriptions on this connection')
    const id = newId()
    this.#subs.set(id, sub)
    return id
  }

  unsubscribe(id: Hex): boolean {
    return this.#subs.delete(id.toLowerCase() as Hex)
  }

  close(): void {
    this.#subs.clear()
    this.#hub.detach(this)
  }

  /** @internal called by the hub */
  deliver(kind: Sub['kind'], payload: (sub: Sub) => unknown[]): void {
    for (const [id, sub] of this.#subs) {
      if (sub.kind !== kind) continue
      for (const result of payload(sub))
        this.#send(
          JSON.stringify({
            jsonrpc: '2.0',
            method: 'eth_subscription',
            params: { subscription: id, result },
          }),
        )
    }
  }
}

export class SubscriptionHub {
  readonly #node: SequencerNode
  readonly #sessions = new Set<SubscriptionSession>()
  readonly #onHead = (block: BlockRecord) => {
    const header = formatHeader(block.header)
    for (const s of this.#sessions) s.deliver('newHeads', () => [header])
  }
  readonly #onLogs = (logs: LogRecord[]) => {
    if (logs.length === 0) return
    for (const s of this.#sessions)
      s.deliver('logs', (sub) =>
        sub.kind === 'logs'
          ? logs.filter((l) => matchesLog(l, sub.filter)).map(formatLogRecord)
          : [],
      )
  }
  readonly #onPending = (tx: RecoveredTx) => {
    let full: unknown
    for (const s of this.#sessions)
      s.deliver('newPendingTransactions', (sub) => {
        if (sub.kind !== 'newPendingTransactions' || !sub.full) return [tx.hash]
        full ??= formatTransaction(tx, null)
        return [full]
      })
  }

  constructor(node: SequencerNode) {
    this.#node = node
    node.events.on('newHead', this.#onHead)
    node.events.on('logs', this.#onLogs)
    node.events.on('pendingTx', this.#onPending)
  }

  get sessions(): number {
    return this.#sessions.size
  }

  open(send: (message: string) => void): SubscriptionSession {
    const session = new SubscriptionSession(this, send)
    this.#sessions.add(session)
    return session
  }

  detach(session: SubscriptionSession): void {
    this.#sessions.delete(session)
  }

  close(): void {
    this.#node.events.off('newHead', this.#onHead)
    this.#node.events.off('logs', this.#onLogs)
    this.#node.events.off('pendingTx', this.#onPending)
    for (const s of [...this.#sessions]) s.close()
  }
}

const LogsParams = compileParams({ schemas: [AnyValue, FilterObject], required: 1 })

function parseSub(args: readonly unknown[]): Sub {
  const [name, ...rest] = args
  switch (name) {
    case 'newHeads':
      if (rest.some((r) => r !== undefined && r !== null))
        throw invalidParams('too many arguments, want at most 1')
      return { kind: 'newHeads' }
    case 'logs': {
      if (args[2] !== undefined) throw invalidParams('too many arguments, want at most 2')
      const [, filter] = validateParams(LogsParams, args.slice(0, 2)) as [
        unknown,
        Static<typeof FilterObject> | undefined,
      ]
      return { kind: 'logs', filter: toLogFilter(filter ?? {}) }
    }
    case 'newPendingTransactions': {
      const full = rest[0]
      if (full !== undefined && full !== null && typeof full !== 'boolean')
        throw invalidParams(
          'invalid argument 1: json: cannot unmarshal non-bool into Go value of type bool',
        )
      return { kind: 'newPendingTransactions', full: full === true }
    }
    default:
      throw noSuchSubscription(String(name))
  }
}

export const subscriptionMethods = {
  eth_subscribe: method([AnyValue, AnyValue, AnyValue], 1, (args, ctx: RpcContext) => {
    if (!ctx.session) throw notificationsUnsupported()
    return ctx.session.subscribe(parseSub(args))
  }),
  eth_unsubscribe: method([SubscriptionId], 1, ([id], ctx: RpcContext) => {
    if (!ctx.session) throw notificationsUnsupported()
    return ctx.session.unsubscribe(id as Hex)
  }),
}
