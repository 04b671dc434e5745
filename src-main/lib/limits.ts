/**
 * What a training worker may use on this machine: the wasm address space or its share of the
 * physical memory, whichever is smaller; and how many workers a pool may have.
 */
import { availableParallelism, loadavg, totalmem } from 'node:os'
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

/**
 * Cores other processes keep busy: the one-minute load average, rounded (0 on a quiet machine, and
 * where the system has no load average).
 */
export function busyCores(): number {
  const load = loadavg()[0]
  return Number.isFinite(load) ? Math.max(0, Math.round(load)) : 0
}

/**
 * The BLAS threads each of `workers` training workers gets: the cores left free by `busy` cores of
 * other work, shared evenly, at least one. Threads beyond the free cores only wait for one another:
 * with one core busy elsewhere, two OpenBLAS threads on two cores made small products 20-30 times
 * slower than one (see the runner's kill -9 test note).
 */
export function blasThreadsPerWorker(workers: number, busy = 0, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(Math.max(1, cores - busy) / Math.max(1, workers)))
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
