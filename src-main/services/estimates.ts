/**
 * How long experiments will take, from this lab's own history: the floating-point work of its
 * completed runs over the time they took gives the machine's measured training speed, and a new
 * experiment's work over that speed its estimated time.
 */
import type { RunConfig } from '../../src-shared/config'
import { estimatedSeconds, estimateResources, formatSeconds } from '../../src-shared/resources'

export { formatSeconds }
import type { RunRecord } from '../store/store'

/**
 * Training speed to assume before a lab has finished a run: the paper's MNIST step on the BLAS
 * backend measured 15,500 samples/s here (README, Speed), about 70 GFLOP/s; a third of that
 * allows for the wasm backends and small, overhead-bound steps.
 */
export const fallbackFlopsPerSecond = 25e9

/** Estimated time above which starting an experiment warns. */
export const longExperimentSeconds = 3600

export interface TrainingSpeed {
  flopsPerSecond: number
  /** False while the lab has no finished run to measure (the fallback is used). */
  measured: boolean
}

/** Floating-point operations per second over `runs` (completed ones), or the fallback. */
export function measuredSpeed(runs: RunRecord[]): TrainingSpeed {
  let flops = 0
  let seconds = 0
  for (const run of runs) {
    if (run.status !== 'completed' || !run.durationMs || run.durationMs < 1000) continue
    // a config an older lab accepted and this one does not: no measurement from it
    if (run.configError) continue
    flops += estimateResources(run.config).flopsPerStep * run.stepsDone
    seconds += run.durationMs / 1000
  }
  return flops > 0 && seconds > 0 ? { flopsPerSecond: flops / seconds, measured: true } : { flopsPerSecond: fallbackFlopsPerSecond, measured: false }
}

/** Estimated wall-clock seconds for `configs` on `workers` workers at `speed`, and the longest run's. */
export function estimateExperimentSeconds(configs: RunConfig[], workers: number, speed: TrainingSpeed): { total: number; longest: number } {
  const each = configs.map((c) => estimatedSeconds(c, estimateResources(c), speed.flopsPerSecond))
  return { total: each.reduce((a, b) => a + b, 0) / Math.max(1, Math.min(workers, configs.length)), longest: Math.max(0, ...each) }
}

/** A warning when `configs` would take longer than an hour on `workers` workers, else null. */
export function timeWarning(configs: RunConfig[], workers: number, speed: TrainingSpeed): string | null {
  const { flopsPerSecond } = speed
  const { total, longest } = estimateExperimentSeconds(configs, workers, speed)
  if (total <= longExperimentSeconds) return null
  return `estimated time about ${formatSeconds(total)} on ${workers} worker${workers === 1 ? '' : 's'} (longest run ${formatSeconds(longest)}, at ${(flopsPerSecond / 1e9).toPrecision(3)} GFLOP/s, ${speed.measured ? "this lab's measured speed" : 'assumed until this lab has finished a run'})`
}

/** FA_LAB_MAX_RUNS, the lab-wide setting for the most runs one experiment may expand to. */
export function envMaxRuns(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = Number(env.FA_LAB_MAX_RUNS)
  return env.FA_LAB_MAX_RUNS !== undefined && Number.isSafeInteger(value) && value > 0 ? value : undefined
}
