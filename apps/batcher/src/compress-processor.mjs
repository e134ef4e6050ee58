// BullMQ sandboxed processor entry: child processes cannot load .ts on Node 20
// by themselves, so register tsx first, then import the real job.
import { register } from 'tsx/esm/api'

register()
const { runCompressJob, warmCompress } = await import('./compress-job.ts')

export default async function compress(job) {
  // sent once at start so tsx, the codec and KZG are loaded before the first batch needs them
  if (job.name === 'warm') return warmCompress(job.data)
  return runCompressJob(job.data)
}
