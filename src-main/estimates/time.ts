/**
 * How long runs and experiments take: a run's floating-point work, its steps and its evaluations
 * (src-shared/run-cost.ts's runFlops), over the lab's speed for its model family on its backend
 * (speed.ts), and the runs laid onto the workers by the one scheduling
 * model (schedule.ts). The preset cards, the form and `run`'s warning read `estimateExperiment`;
 * the live ETA (eta.ts) lays the same runs at the same speed, so at the start of an experiment the
 * two agree.
 */
import type { RunConfig } from '../../src-shared/config'
import { formatSeconds } from '../../src-shared/durations'
import { modelFamily, runFlops, type ModelFamily } from '../../src-shared/run-cost'
import type { RunRecord } from '../store/store'
import { layOnWorkers } from './schedule'
import { modelFamilies, speedNote, type TrainingSpeed } from './speed'

/** Estimated time above which starting an experiment warns. */
export const longExperimentSeconds = 3600

/**
 * How long a run under a convergence stop (`stopping`) is expected to train before the lab has seen
 * one like it end, in multiples of its minSteps: its step limit (`steps`) is only a bound, 20·minSteps
 * for song2021-width, where the runs end at 1–7.5·minSteps. Measured on song2021-width's quick cells
 * (seeds 1 and 2, all 64 runs, the authors' stop): stepsDone/minSteps averaged 1.88 (linear 4.3, its
 * λ > 0 runs 3.7–7.5; relu 1.2, sigmoid 1.1, tanh 1.0; none at the step limit), taken as 2. The live ETA replaces it
 * by what runs of the same cell (the config up to its seed) took, once one has ended (eta.ts).
 */
export const convergenceStepsPrior = 2

/** What the estimates know of a run before it starts. */
export interface RunShape {
  /** The step limit (`steps`): the run's length without a convergence stop. */
  totalSteps: number
  /** The steps it is expected to train: totalSteps, or under a convergence stop minSteps · convergenceStepsPrior within [minSteps, totalSteps]. */
  expectedSteps?: number
  /** The convergence stop's bounds; absent or null without one. */
  stop?: { minSteps: number; checkEvery: number } | null
  /** The run's cell: its config up to the seed (a hash), so runs that differ only in seed share what one of them took. */
  cell?: string
  /**
   * Floating-point operations of one step with its share of the run's evaluations: runFlops over
   * the expected steps, divided by them. A run's measured step rate (eta.ts) takes in its
   * evaluations the same way.
   */
  flopsPerStep: number
  /** The backend the run is forced onto, when it is (its speed is that backend's). */
  backend?: string
  /** The model family (dense when absent): its speed is that family's. */
  family?: ModelFamily
}

/** The shape of a validated run config. */
export function runShape(config: RunConfig): RunShape {
  const stop = config.stopping ? { minSteps: config.stopping.minSteps, checkEvery: config.stopping.checkEvery } : null
  const shape = { totalSteps: config.steps, stop }
  const expected = expectedSteps(shape)
  return { ...shape, expectedSteps: expected, cell: cellOf(config), flopsPerStep: runFlops(config, expected) / expected, backend: config.backend === 'auto' ? undefined : config.backend, family: modelFamily(config) }
}

/** Steps a run is expected to train: under a convergence stop `multiple`·minSteps (the prior unless runs of its cell taught another), within [minSteps, totalSteps]. */
export function expectedSteps(run: Pick<RunShape, 'totalSteps' | 'stop'>, multiple = convergenceStepsPrior): number {
  // without a minSteps the prior has nothing to multiply: the limit, as before
  if (!run.stop || run.stop.minSteps <= 0) return run.totalSteps
  return Math.min(run.totalSteps, Math.max(run.stop.minSteps, Math.round(run.stop.minSteps * multiple)))
}

/**
 * Steps a run has left from `step`: to its expected length; one that trains past it ends at a
 * check, so at most checkEvery more are counted (it never reads as done while it trains).
 */
export function remainingSteps(run: Pick<RunShape, 'totalSteps' | 'stop' | 'expectedSteps'>, step = 0, expected = run.expectedSteps ?? run.totalSteps): number {
  const limit = Math.max(0, run.totalSteps - step)
  if (!run.stop || step < expected) return Math.min(limit, Math.max(0, expected - step))
  return Math.min(limit, run.stop.checkEvery)
}

/** FNV-1a of the config without its seed and name: runs that differ only in seed share it. */
function cellOf(config: RunConfig): string {
  const text = JSON.stringify({ ...config, seed: 0, name: '' })
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return `${(h >>> 0).toString(36)}:${text.length}`
}

/** The shape of a stored run; one whose config today's schema refuses never trains (it fails at once), so it costs nothing. */
export function storedRunShape(run: Pick<RunRecord, 'config' | 'configError' | 'totalSteps'>): RunShape {
  return run.configError ? { totalSteps: run.totalSteps, flopsPerStep: 0 } : runShape(run.config)
}

/** A run's training time in milliseconds from `step` on, at `flopsPerMs`, to its expected length (`expected`: expectedSteps unless learned). */
export function trainingMs(run: RunShape, flopsPerMs: number, step = 0, expected = run.expectedSteps ?? run.totalSteps): number {
  return (remainingSteps(run, step, expected) * run.flopsPerStep) / flopsPerMs
}

/** The lab's speed for a model family (dense when undefined) on a backend (undefined: the backend runs left on `auto` get). */
export type SpeedOn = (backend?: string, family?: ModelFamily) => TrainingSpeed

export interface ExperimentEstimate {
  /** Wall-clock seconds until the last run ends, the runs laid onto the workers in order. */
  total: number
  /** The longest run's seconds. */
  longest: number
}

/** Estimated wall-clock seconds for `configs` (in queue order) on `workers` idle workers at the lab's speed. */
export function estimateExperiment(configs: RunConfig[], workers: number, speed: SpeedOn | TrainingSpeed): ExperimentEstimate {
  // asked once per backend and family, not once per run
  const speeds = new Map<string, number>()
  const flopsPerMs = (backend?: string, family?: ModelFamily) => {
    const key = `${backend ?? ''}/${family ?? 'dense'}`
    if (!speeds.has(key)) speeds.set(key, (typeof speed === 'function' ? speed(backend, family) : speed).flopsPerSecond / 1000)
    return speeds.get(key)!
  }
  let longest = 0
  const runs = configs.map((config) => {
    const shape = runShape(config)
    const ms = trainingMs(shape, flopsPerMs(shape.backend, shape.family))
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

/** The speeds an estimate of `configs` is quoted at: one per model family among them (dense first), each at the backend the family's runs share. */
export function quotedSpeeds(configs: RunConfig[], speed: SpeedOn | TrainingSpeed): TrainingSpeed[] {
  const present = modelFamilies.filter((family) => configs.some((c) => modelFamily(c) === family))
  const families: ModelFamily[] = present.length ? present : ['dense']
  return families.map((family) => (typeof speed === 'function' ? speed(sharedBackend(configs.filter((c) => modelFamily(c) === family)), family) : speed))
}

/** Where an estimate of `configs` takes its speeds from, in words (speedNote; a dense and a conv speed both named, "dense … ; conv …"). */
export function estimateBasis(configs: RunConfig[], speed: SpeedOn | TrainingSpeed): string {
  const speeds = quotedSpeeds(configs, speed)
  return speeds.length === 1 ? speedNote(speeds[0]) : speeds.map((s) => `${s.family ?? 'dense'} ${speedNote(s)}`).join('; ')
}

/** A warning when `configs` would take longer than an hour on `workers` workers, else null. */
export function timeWarning(configs: RunConfig[], workers: number, speed: SpeedOn | TrainingSpeed): string | null {
  const { total, longest } = estimateExperiment(configs, workers, speed)
  if (total <= longExperimentSeconds) return null
  const speeds = quotedSpeeds(configs, speed)
  const quoted = speeds.map((lab) => `${speeds.length > 1 ? `${lab.family ?? 'dense'} ` : ''}at ${(lab.flopsPerSecond / 1e9).toPrecision(3)} GFLOP/s, ${lab.source === 'assumed' ? 'assumed until this lab has measured its speed' : speedNote(lab)}`)
  return `estimated time about ${formatSeconds(total)} on ${workers} worker${workers === 1 ? '' : 's'} (longest run ${formatSeconds(longest)}, ${quoted.join('; ')})`
}
