import { LanesError } from '@lanes/core'

export class ExecutorError extends LanesError {
  override name = 'ExecutorError'
}
