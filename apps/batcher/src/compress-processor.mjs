// BullMQ sandboxed processor entry: child processes cannot load .ts on Node 20
// by themselves, so register tsx first, then import the real job.
import { register } from 'tsx/esm/api'

register()
const { runCompressJob } = await import('./compress-job.ts')

export default async function compress(job) {
  return runCompressJob(job.data)
}
