import {
  type Address,
  decodeTransaction,
  InvalidSenderError,
  recoverSender,
  type SenderRecoveryPool,
  type SignedTx,
} from '@lanes/core'

/** Txs of one caller (one tx, or a JSON-RPC batch) waiting for the next recovery call. */
type Waiting = {
  txs: readonly SignedTx[]
  resolve: (senders: (Address | null)[]) => void
  reject: (e: unknown) => void
}

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

  /** Senders in input order, null where the signature is invalid. */
  recoverMany(txs: readonly SignedTx[]): Promise<(Address | null)[]> {
    if (!this.#pool) {
      const out: (Address | null)[] = new Array(txs.length)
      for (let i = 0; i < txs.length; i++) {
        try {
          out[i] = recoverSender(txs[i]!)
        } catch (error) {
          if (!(error instanceof InvalidSenderError)) return Promise.reject(error)
          out[i] = null
        }
      }
      return Promise.resolve(out)
    }
    return new Promise((resolve, reject) => {
      this.#batch.push({ txs, resolve, reject })
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
    const all: SignedTx[] = []
    for (const w of batch) for (const tx of w.txs) all.push(tx)
    this.#pool!.recoverEach(all).then(
      (senders: (Address | null)[]) => {
        done()
        let at = 0
        for (const w of batch) {
          w.resolve(senders.slice(at, at + w.txs.length))
          at += w.txs.length
        }
      },
      (error: unknown) => {
        done()
        for (const w of batch) w.reject(error)
      },
    )
  }
}
