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

/**
 * Decodes raw txs and recovers their senders. Requests arriving in the same event-loop turn
 * go to the recovery worker pool as one batch (one message per worker instead of one per tx).
 */
export class Ingress {
  readonly #chainId: bigint
  readonly #pool: SenderRecoveryPool | null
  #batch: Waiting[] = []
  #scheduled = false

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
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#scheduled = false
    const batch = this.#batch
    this.#batch = []
    this.#pool!.recoverEach(batch.map((w) => w.tx)).then(
      (senders: (Address | null)[]) => {
        for (let i = 0; i < batch.length; i++) {
          const w = batch[i]!
          const from = senders[i]
          if (from) w.resolve(Object.assign(w.tx, { from }))
          else w.reject(new InvalidSenderError())
        }
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error)
      },
    )
  }
}
