import { type Address, EMPTY_CODE_HASH, type Hex, toHex, toQuantity } from '@lanes/core'
import { Type } from '@sinclair/typebox'
import type { RpcContext } from './context.js'
import { toCallRequest, toOverrides, toSelector, word } from './convert.js'
import { method } from './dispatcher.js'
import {
  Address as AddressSchema,
  BlockNumberOrHash,
  CallObject,
  StateOverride,
  StorageKey,
} from './schemas.js'

/** A short slot ("0x0") as the 32-byte word geth turns it into. */
export function slotWord(slot: string): Hex {
  return `0x${slot.slice(2).toLowerCase().padStart(64, '0')}` as Hex
}

const addr = (a: string | undefined) => a!.toLowerCase() as Address

export const ethStateMethods = {
  eth_getBalance: method([AddressSchema, BlockNumberOrHash], 1, ([a, b], ctx: RpcContext) =>
    toQuantity(ctx.node.stateAt(toSelector(b)).balance(addr(a))),
  ),
  eth_getTransactionCount: method(
    [AddressSchema, BlockNumberOrHash],
    1,
    ([a, b], ctx: RpcContext) => {
      const sel = toSelector(b)
      if (sel === 'pending') return toQuantity(ctx.node.pendingNonce(addr(a)))
      return toQuantity(ctx.node.stateAt(sel).nonce(addr(a)))
    },
  ),
  eth_getCode: method([AddressSchema, BlockNumberOrHash], 1, ([a, b], ctx: RpcContext) =>
    toHex(ctx.node.stateAt(toSelector(b)).code(addr(a))),
  ),
  eth_getStorageAt: method(
    [AddressSchema, StorageKey, BlockNumberOrHash],
    2,
    ([a, slot, b], ctx: RpcContext) =>
      word(ctx.node.stateAt(toSelector(b)).storageAt(addr(a), slotWord(slot!))),
  ),
  eth_call: method(
    [CallObject, BlockNumberOrHash, StateOverride],
    1,
    async ([call, b, overrides], ctx: RpcContext) => {
      const result = await ctx.node.call(
        toCallRequest(call!),
        toSelector(b),
        toOverrides(overrides),
      )
      return result.returnData
    },
  ),
  eth_estimateGas: method(
    [CallObject, BlockNumberOrHash, StateOverride],
    1,
    async ([call, b, overrides], ctx: RpcContext) =>
      toQuantity(
        await ctx.node.estimateGas(toCallRequest(call!), toSelector(b), toOverrides(overrides)),
      ),
  ),
  /**
   * geth's eth_getProof shape over the Lanes state tree (see the README): `accountProof` holds
   * one element, the encoded tree proof; `storageHash` is the state root (storage leaves live
   * in the same tree); `stateRoot`, `accountLeaf` and `blockNumber` are extra fields.
   */
  eth_getProof: method(
    [AddressSchema, Type.Array(StorageKey), BlockNumberOrHash],
    2,
    async ([a, keys, b], ctx: RpcContext) => {
      const slots = keys!.map(slotWord)
      const p = await ctx.node.proof(addr(a), slots, toSelector(b))
      return {
        address: p.address,
        balance: toQuantity(p.account?.balance ?? 0n),
        nonce: toQuantity(p.account?.nonce ?? 0n),
        codeHash: p.account?.codeHash ?? EMPTY_CODE_HASH,
        storageHash: p.stateRoot,
        accountProof: [p.accountProof],
        storageProof: p.storageProof.map((s, i) => ({
          key: keys![i] ?? s.key,
          value: toQuantity(s.value),
          proof: [s.proof],
        })),
        stateRoot: p.stateRoot,
        blockNumber: toQuantity(p.blockNumber),
        accountLeaf: p.accountLeaf,
      }
    },
  ),
}
