import type { Address, Hex, Log } from '@lanes/core'
import type { LogFilter } from '../node.js'
import { lower, toSelector } from './convert.js'
import { invalidParams, serverError } from './errors.js'
import type { FilterObject } from './schemas.js'

/** geth caps topic positions at 4 ("exceed max topics"). */
export const MAX_TOPICS = 4

/**
 * geth's FilterCriteria → the node's LogFilter: lowercase addresses, and topic positions where
 * an OR-array containing null (or empty) matches anything, as in geth.
 */
export function toLogFilter(filter: FilterObject): LogFilter {
  if (
    filter.blockHash !== undefined &&
    (filter.fromBlock !== undefined || filter.toBlock !== undefined)
  )
    throw invalidParams(
      'invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other',
    )
  const out: LogFilter = {}
  if (filter.blockHash !== undefined) out.blockHash = lower(filter.blockHash as Hex)
  if (filter.fromBlock !== undefined) out.fromBlock = toSelector(filter.fromBlock)
  if (filter.toBlock !== undefined) out.toBlock = toSelector(filter.toBlock)
  const address = filter.address
  if (typeof address === 'string') out.addresses = [lower(address as Address)]
  else if (Array.isArray(address)) out.addresses = address.map((a) => lower(a as Address))
  const positions = filter.topics ?? []
  if (positions.length > MAX_TOPICS) throw serverError('exceed max topics')
  if (positions.length > 0)
    out.topics = positions.map((p) => {
      if (p === null) return null
      if (typeof p === 'string') return lower(p as Hex)
      if (p.length === 0 || p.includes(null)) return null
      return p.map((t) => lower(t as Hex))
    })
  return out
}

export function matchesLog(log: Log, filter: LogFilter): boolean {
  if (filter.addresses?.length && !filter.addresses.includes(lower(log.address))) return false
  const topics = filter.topics ?? []
  if (topics.length > log.topics.length) return false
  for (let i = 0; i < topics.length; i++) {
    const want = topics[i]
    if (want === null || want === undefined) continue
    const have = lower(log.topics[i]!)
    if (typeof want === 'string' ? want !== have : !want.includes(have)) return false
  }
  return true
}
