// A lean JSON-RPC POST for load generators: node:http over keep-alive sockets, the body sent
// as a ready string. fetch (undici) cost the sequencer bench's client ~40 us of CPU per tx on
// the same 2 cores as the node under test; this costs about half.
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })

/** Rejected when no answer came within the timeout (name 'TimeoutError', as AbortSignal's). */
export class PostTimeoutError extends Error {
  override name = 'TimeoutError'
}

/** POSTs `body` (JSON text) to `url`; resolves with the parsed JSON answer. */
export function postJson(url: string, body: string, timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          clearTimeout(timer)
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            resolve(JSON.parse(text))
          } catch {
            reject(new Error(`${url}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`))
          }
        })
      },
    )
    const timer = setTimeout(() => {
      req.destroy(new PostTimeoutError(`${url}: no answer after ${timeoutMs} ms`))
    }, timeoutMs)
    req.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    req.end(body)
  })
}
