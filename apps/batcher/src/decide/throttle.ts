export type ThrottleParams = {
  /** turn throttling on above this many unposted compressed-estimate bytes */
  onAboveBytes: number
  /** and off again below this (hysteresis so it does not flap) */
  offBelowBytes: number
}

export type Backlog = { blocks: number; bytes: number }

/**
 * Whether the sequencer should shrink blocks, as OP's batcher throttles when
 * the unposted backlog grows: on above the high mark, off below the low mark,
 * unchanged between.
 */
export function shouldThrottle(current: boolean, backlog: Backlog, p: ThrottleParams): boolean {
  if (backlog.bytes >= p.onAboveBytes) return true
  if (backlog.bytes < p.offBelowBytes) return false
  return current
}
