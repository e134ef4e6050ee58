// Test-only fault injection, like etcd's gofail: LANES_TEST_CRASH_AT=<point> makes the process
// SIGKILL itself the first time it reaches that step, so a reliability test can stop it at an
// exact point of a batch's life instead of at a random moment.
import { ConfigError } from './errors.js'

export const CRASH_POINTS = ['planned', 'signed', 'sent'] as const
export type CrashPoint = (typeof CRASH_POINTS)[number]

let armed: CrashPoint | undefined

/** Reads LANES_TEST_CRASH_AT (unset: no crash point); an unknown value is a config error. */
export function armCrashPoint(env: NodeJS.ProcessEnv): void {
  const v = env.LANES_TEST_CRASH_AT
  if (v === undefined || v === '') return
  if (!(CRASH_POINTS as readonly string[]).includes(v))
    throw new ConfigError([
      `LANES_TEST_CRASH_AT: expected one of ${CRASH_POINTS.join(', ')} (got ${JSON.stringify(v)})`,
    ])
  armed = v as CrashPoint
}

/** planned: the batch is in SQLite, nothing signed; signed: the attempt is on disk, not sent. */
export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL')
}
