/**
 * What a training worker may use on this machine: the wasm address space or its share of the
 * physical memory, whichever is smaller; and how many workers a pool may have.
 */
import { availableParallelism, totalmem } from 'node:os'
import { defaultResourceLimits, type ResourceLimits } from '../../src-shared/run-cost'

/** Resource limits of one of `workers` training workers sharing this machine. */
export function workerResourceLimits(workers = 1): ResourceLimits {
  return { ...defaultResourceLimits, memoryBytes: Math.min(defaultResourceLimits.memoryBytes, Math.floor(totalmem() / Math.max(1, workers))) }
}

/**
 * Most training workers a pool may have: one per core, twice over (each worker's tfjs instance and
 * data cost hundreds of MB; more workers than cores only share the cores' time).
 */
export function maxWorkers(): number {
  return 2 * Math.max(1, availableParallelism())
}

/** Checks a requested worker count, returning a message for one out of range. */
export function workerCountFault(workers: number): string | null {
  const max = maxWorkers()
  if (!Number.isInteger(workers) || workers < 1) return `must be a positive integer`
  if (workers > max) return `${workers} is more than this machine can use: at most ${max} (two per core; ${availableParallelism()} core${availableParallelism() === 1 ? '' : 's'} here)`
  return null
}

// The bounds on what users hand the lab (names, files, requests, imports) are pure and shared with
// the renderer; they are defined in src-shared/limits.ts and read here with the machine's own.
export * from '../../src-shared/limits'

/** FA_LAB_MAX_RUNS, the lab-wide setting for the most runs one experiment may expand to. */
export function envMaxRuns(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = Number(env.FA_LAB_MAX_RUNS)
  return env.FA_LAB_MAX_RUNS !== undefined && Number.isSafeInteger(value) && value > 0 ? value : undefined
}
