import {
  type Address,
  decodeTransaction,
  InvalidSenderError,
  type RecoveredTx,
  recoverSender,
  type SenderRecoveryPool,
  type SignedTx,
} from '@lanes/core'

type Waiting = { tx: SignedTx; resolve: (tx: RecoveredTx) => void; reject: (e: unknown) => void }

/** recoverEach calls in flight at once: two keep both ends of the worker pool busy */
const MAX_IN_FLIGHT = 2

/**
 * Decodes raw txs and recovers their senders. Requests arriving while recovery calls are in
 * flight wait and go to the worker pool together as one call: each message to a worker costs
 * a wake-up (a context switch on a busy machine), so fewer, larger messages under load.
 */
export class Ingress {
  readonly #chainId: bigint
  readonly #pool: SenderRecoveryPool | null
  #batch: Waiting[] = []
  #scheduled = false
  #inFlight = 0

  constructor(chainId: bigint, recovery: SenderRecoveryPool | null) {
    this.#chainId = chainId
    this.#pool = recovery
  }

  /** Throws RpcVisibleError for bad bytes (sync part), rejects InvalidSenderError. */
  decode(raw: Uint8Array): SignedTx {
    return decodeTransaction(raw, { chainId: this.#chainId })
  }

  recover(tx: SignedTx): Promise<RecoveredTx> {
    if (!this.#pool) {
      try {
        return Promise.resolve(Object.assign(tx, { from: recoverSender(tx) }))
      } catch (error) {
        return Promise.reject(error)
      }
    }
    return new Promise((resolve, reject) => {
      this.#batch.push({ tx, resolve, reject })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= MAX_IN_FLIGHT) return
    this.#scheduled = true
    setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = false
    const batch = this.#batch
    if (batch.length === 0) return
    this.#batch = []
    this.#inFlight++
    const done = () => {
      this.#inFlight--
      // what queued up meanwhile goes out as the next call
      if (this.#batch.length > 0) this.#schedule()
    }
    this.#pool!.recoverEach(batch.map((w) => w.tx)).then(
      (senders: (Address | null)[]) => {
        done()
        for (let i = 0; i < batch.length; i++) {
          const w = batch[i]!
          const from = senders[i]
          if (from) w.resolve(Object.assign(w.tx, { from }))
          else w.reject(new InvalidSenderError())
        }
      },
      (error: unknown) => {
        done()
        for (const w of batch) w.reject(error)
      },
    )
  }
}
