import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads'
import type { Account, Address, Hex } from '@lanes/core'
import { LanesError } from '@lanes/core'

/**
 * Worker → main requests that the worker blocks on (the EVM is async, but the state it
 * needs lives in the main thread's StateReader). The worker posts on its port, wakes the
 * main thread's doorbell, and sleeps on its own flag until the answer is queued.
 */
export type ReadRequest =
  | { kind: 'account'; address: Address }
  | { kind: 'storage'; address: Address; slot: Hex }
  | { kind: 'code'; hash: Hex }
  | { kind: 'blockHash'; n: bigint }
  /** a read of a hot key by tx `tx`: answered once the lower txs in flight have finished */
  | { kind: 'wait'; tx: number; address: Address; slot: Hex | null }

export type ReadReply = { value: Account | bigint | Uint8Array | Hex | undefined }

/** Int32 cells in the shared buffer: [0] main doorbell, [1] worker flag. */
export const DOORBELL = 0
export const WORKER_FLAG = 1

export class ChannelTimeoutError extends LanesError {
  override name = 'ChannelTimeoutError'
}

export class WorkerSide {
  constructor(
    private readonly port: MessagePort,
    private readonly cells: Int32Array,
  ) {}

  request(req: ReadRequest): ReadReply['value'] {
    Atomics.store(this.cells, WORKER_FLAG, 0)
    this.port.postMessage(req)
    Atomics.add(this.cells, DOORBELL, 1)
    Atomics.notify(this.cells, DOORBELL)
    for (;;) {
      const r = Atomics.wait(this.cells, WORKER_FLAG, 0, 120_000)
      const m = receiveMessageOnPort(this.port)
      if (m !== undefined) return (m.message as ReadReply).value
      if (r === 'timed-out')
        throw new ChannelTimeoutError('main thread did not answer a state read')
    }
  }

  /** A message the main thread reads while blocked (the sync executeBlock's result). */
  send(message: unknown): void {
    this.port.postMessage(message)
    Atomics.add(this.cells, DOORBELL, 1)
    Atomics.notify(this.cells, DOORBELL)
  }
}

export function answer(port: MessagePort, cells: Int32Array, value: ReadReply['value']): void {
  port.postMessage({ value } satisfies ReadReply)
  Atomics.store(cells, WORKER_FLAG, 1)
  Atomics.notify(cells, WORKER_FLAG)
}
