/**
 * One training worker thread and the run it holds. `ready` resolves when the worker has loaded
 * (its first message); every later message, an error and the exit go to the runner's handlers.
 */
import { Worker } from 'node:worker_threads'
import type { FromWorker } from './messages'

export interface Slot {
  worker: Worker
  /** The run training on this worker, null when it is free. */
  runId: number | null
  ready: Promise<void>
}

export interface SlotHandlers {
  message(message: Exclude<FromWorker, { type: 'ready' }>): void
  /** The worker failed (out of memory, an uncaught error); `message` says why, for the run's record. */
  error(message: string): void
  exit(code: number): void
}

/** Starts a worker from `workerUrl`, its old-generation heap limited to `memoryLimitMb` when given. */
export function spawnSlot(workerUrl: URL, memoryLimitMb: number | undefined, handlers: SlotHandlers): Slot {
  const worker = new Worker(workerUrl, {
    resourceLimits: memoryLimitMb ? { maxOldGenerationSizeMb: memoryLimitMb } : undefined,
  })
  let resolveReady!: () => void
  const slot: Slot = { worker, runId: null, ready: new Promise((r) => (resolveReady = r)) }
  worker.on('message', (message: FromWorker) => {
    if (message.type === 'ready') resolveReady()
    else handlers.message(message)
  })
  worker.on('error', (error) => handlers.error(describeWorkerError(error, memoryLimitMb)))
  worker.on('exit', (code) => handlers.exit(code))
  return slot
}

/** A worker's error as a run's error message; running out of heap names the limit. */
export function describeWorkerError(error: Error, memoryLimitMb?: number): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return `ran out of memory (worker heap limit ${memoryLimitMb ?? 'default'} MiB)`
  return error.message
}
