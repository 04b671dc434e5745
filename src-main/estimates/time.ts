/**
 * How long runs and experiments take: a run's floating-point work (src-shared/run-cost.ts) over the
 * lab's speed on its backend (speed.ts), and the runs laid onto the workers by the one scheduling
 * model (schedule.ts). The preset cards, the form and `run`'s warning read `estimateExperiment`;
 * the live ETA (eta.ts) lays the same runs at the same speed, so at the start of an experiment the
 * two agree.
 */
import type { RunConfig } from '../../src-shared/config'
import { formatSeconds } from '../../src-shared/durations'
import { estimateResources } from '../../src-shared/run-cost'
import type { RunRecord } from '../store/store'
import { layOnWorkers } from './schedule'
import { speedNote, type TrainingSpeed } from './speed'

/** Estimated time above which starting an experiment warns. */
export const longExperimentSeconds = 3600

/** What the estimates know of a run before it starts. */
export interface RunShape {
  totalSteps: number
  /** Floating-point operations of one step (estimateResources). */
  flopsPerStep: number
  /** The backend the run is forced onto, when it is (its speed is that backend's). */
  backend?: string
}

/** The shape of a validated run config. */
export function runShape(config: RunConfig): RunShape {
  return { totalSteps: config.steps, flopsPerStep: estimateResources(config).flopsPerStep, backend: config.backend === 'auto' ? undefined : config.backend }
}

/** The shape of a stored run; one whose config today's schema refuses never trains (it fails at once), so it costs nothing. */
export function storedRunShape(run: Pick<RunRecord, 'config' | 'configError' | 'totalSteps'>): RunShape {
  return run.configError ? { totalSteps: run.totalSteps, flopsPerStep: 0 } : runShape(run.config)
}

/** A run's training time in milliseconds from `step` on, at `flopsPerMs`. */
export function trainingMs(run: RunShape, flopsPerMs: number, step = 0): number {
  return (Math.max(0, run.totalSteps - step) * run.flopsPerStep) / flopsPerMs
}

/** The lab's speed on a backend (undefined: the backend runs left on `auto` get). */
export type SpeedOn = (backend?: string) => TrainingSpeed

export interface ExperimentEstimate {
  /** Wall-clock seconds until the last run ends, the runs laid onto the workers in order. */
  total: number
  /** The longest run's seconds. */
  longest: number
}

/** Estimated wall-clock seconds for `configs` (in queue order) on `workers` idle workers at the lab's speed. */
export function estimateExperiment(configs: RunConfig[], workers: number, speed: SpeedOn | TrainingSpeed): ExperimentEstimate {
  // asked once per backend, not once per run
  const speeds = new Map<string | undefined, number>()
  const flopsPerMs = (backend?: string) => {
    if (!speeds.has(backend)) speeds.set(backend, (typeof speed === 'function' ? speed(backend) : speed).flopsPerSecond / 1000)
    return speeds.get(backend)!
  }
  let longest = 0
  const runs = configs.map((config) => {
    const shape = runShape(config)
    const ms = trainingMs(shape, flopsPerMs(shape.backend))
    longest = Math.max(longest, ms)
    return { ms, experimentId: null }
  })
  return { total: layOnWorkers(runs, workers).endMs / 1000, longest: longest / 1000 }
}

/** The backend every run of `configs` is forced onto, if they share one: the speed an estimate of them is quoted at. */
export function sharedBackend(configs: RunConfig[]): string | undefined {
  const first = configs[0]?.backend
  return first && first !== 'auto' && configs.every((c) => c.backend === first) ? first : undefined
}

/** A warning when `configs` would take longer than an hour on `workers` workers, else null. */
export function timeWarning(configs: RunConfig[], workers: number, speed: SpeedOn | TrainingSpeed): string | null {
  const { total, longest } = estimateExperiment(configs, workers, speed)
  if (total <= longExperimentSeconds) return null
  const lab = typeof speed === 'function' ? speed(sharedBackend(configs)) : speed
  return `estimated time about ${formatSeconds(total)} on ${workers} worker${workers === 1 ? '' : 's'} (longest run ${formatSeconds(longest)}, at ${(lab.flopsPerSecond / 1e9).toPrecision(3)} GFLOP/s, ${lab.source === 'assumed' ? 'assumed until this lab has measured its speed' : speedNote(lab)})`
}
