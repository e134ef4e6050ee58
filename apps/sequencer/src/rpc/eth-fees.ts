import { toQuantity } from '@lanes/core'
import { Type } from '@sinclair/typebox'
import type { RpcContext } from './context.js'
import { toSelector } from './convert.js'
import { method } from './dispatcher.js'
import { serverError } from './errors.js'
import { BlockNumber } from './schemas.js'

/** geth's math.HexOrDecimal64: a JSON number, a decimal string or a 0x-hex string. */
const BlockCount = Type.Union(
  [
    Type.Integer({ minimum: 0 }),
    Type.String({ pattern: '^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})$' }),
  ],
  { gethKind: 'uint64' },
)
const Percentiles = Type.Array(Type.Number(), { gethKind: 'percentiles' })

export const ethFeeMethods = {
  eth_gasPrice: method([], 0, (_, ctx: RpcContext) => toQuantity(ctx.node.feeData().gasPrice)),
  eth_maxPriorityFeePerGas: method([], 0, (_, ctx: RpcContext) =>
    toQuantity(ctx.node.feeData().suggestedTip),
  ),
  /** blockCount above the node's maximum (1024) is clamped, like geth */
  eth_feeHistory: method(
    [BlockCount, BlockNumber, Percentiles],
    2,
    ([count, newest, percentiles], ctx: RpcContext) => {
      const blocks = Number(BigInt(count!))
      let prev = -1
      for (const p of percentiles ?? []) {
        if (p < 0 || p > 100) throw serverError(`invalid reward percentile: ${p}`)
        if (p < prev) throw serverError(`invalid reward percentiles: ${prev} > ${p}`)
        prev = p
      }
      if (blocks === 0) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [] }
      const clamped = Math.min(blocks, ctx.node.limits.maxFeeHistory)
      const h = ctx.node.feeHistory(clamped, toSelector(newest), percentiles)
      const out: Record<string, unknown> = {
        oldestBlock: toQuantity(h.oldestBlock),
        baseFeePerGas: h.baseFeePerGas.map(toQuantity),
        gasUsedRatio: h.gasUsedRatio,
      }
      if (h.reward) out.reward = h.reward.map((r) => r.map(toQuantity))
      return out
    },
  ),
}
