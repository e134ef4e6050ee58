import os from 'node:os'

export type BenchFigure = {
  name: string
  unit: string
  value: number
  baseline?: { name: string; value: number }
  /** value / baseline.value (or the inverse when lower is better), for the README table */
  ratio?: number
  target?: string
  notes?: string
}

const machine = {
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
}

/** Print one figure as one JSON line (the stable output `npm run bench` promises). */
export function report(figure: BenchFigure): void {
  process.stdout.write(`${JSON.stringify({ ...figure, machine })}\n`)
}

/** Run fn repeatedly for about `ms` and return operations per second. */
export function opsPerSecond(fn: () => void, ms = 500, batch = 1): number {
  const end = performance.now() + ms
  let n = 0
  const start = performance.now()
  while (performance.now() < end) {
    fn()
    n += batch
  }
  return n / ((performance.now() - start) / 1000)
}
