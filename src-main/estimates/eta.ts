/**
 * The runner's progress accounting: runs done of runs handed over (since the runner was last
 * idle), and the time left, by the one scheduling model (schedule.ts) at measured speeds.
 *
 * What is measured: a run's steps over the later half of the time from its worker's first step
 * report to its latest one (at least `minMeasuredMs`). Worker, backend, data and session
 * start-up and the step-0 evaluation come before the first report and are left out; so is the
 * warm-up of the first steps (JIT, caches: the first second of a run here trains two to four
 * times slower than the rest), which the later half leaves behind. Evaluations inside the window
 * stay in, because the steps still to come have their evaluations too, in the same proportion.
 *
 * Each run's speed, best first: its own step rate once it has reported steps over
 * `minMeasuredMs`; the floating-point speed measured in this batch on runs of the same per-step
 * work (RunShape's flopsPerStep, evaluations included), model family and backend; that of every
 * run of its family measured in this batch on its backend; the lab's speed for its family on its
 * backend (speed.ts: its recent runs or its calibration), the speed the preset
 * cards and the form quote, so that at the start of an experiment the ETA is their estimate. With
 * none of these the estimate is null ("estimating…"), never a guess.
 *
 * How long each run is: its step limit, or under a convergence stop its expected length (time.ts:
 * minSteps times convergenceStepsPrior), replaced, once a run of the same cell (config up to the seed)
 * has ended in this batch, by the mean of what those runs took, as a multiple of minSteps.
 *
 * Cost: one estimate visits each unfinished run once (O(N log workers) for N runs); adding,
 * starting, reporting and finishing a run are O(1).
 */
import { layOnWorkers, type ScheduledRun } from './schedule'
import type { ModelFamily } from '../../src-shared/run-cost'
import { expectedSteps, trainingMs, type RunShape } from './time'

export interface EstimatedRun extends RunShape {
  runId: number
  experimentId: number | null
}

export interface ProgressEstimate {
  /** Milliseconds until every unfinished run is done; null while a run's speed is unknown. */
  endMs: number | null
  /** Milliseconds until each experiment's unfinished runs are done (0 for one with none); empty while estimating. */
  byExperiment: Map<number | null, number>
}

export interface ProgressEstimator {
  /** Starts a batch over: counts and this batch's measurements go to zero. */
  start(): void
  /** Counts a queued run into the batch. */
  add(run: EstimatedRun): void
  /** A worker began training the run at `step` (0, or a checkpoint's step). */
  started(runId: number, step: number): void
  /** The run reached `step`. */
  progress(runId: number, step: number): void
  /**
   * The run is done after `steps` steps (or left the queue unstarted, with 0). `ended`: it trained to
   * its end (completed: converged or at its step limit), so its steps are what its cell takes.
   */
  finished(runId: number, steps: number, ended?: boolean): void
  readonly runsDone: number
  readonly runsTotal: number
  /** When every unfinished run, and each experiment's, is done. */
  estimate(): ProgressEstimate
  /** Milliseconds until every unfinished run (of `experimentId`, when given) is done; null while estimating. */
  etaMs(experimentId?: number | null): number | null
  /** Runs and measurements visited by estimates so far: the estimator's work, which tests hold to O(N) per estimate. */
  readonly visits: number
}

export interface ProgressEstimatorOptions {
  /** The clock in milliseconds (performance.now by default; tests pass their own). */
  now?: () => number
  /**
   * The lab's measured speed for models of `family` on `backend` (undefined: the backend of runs
   * left on `auto`) in FLOP/s, or null while the lab has measured nothing there. Asked at most
   * once per backend, family and batch.
   */
  labSpeed?: (backend?: string, family?: ModelFamily) => number | null
}

/** A run's own rate counts once it has trained this long. */
export const minMeasuredMs = 1000

interface Tracked extends EstimatedRun {
  /** Clock at the worker's start report, and the step it started from. */
  startedAt?: number
  startStep: number
  /** Clock and step of every step report since the first (the measurement's window is taken from them). */
  reports: { at: number; step: number }[]
  step: number
  /** Clock at the latest step report. */
  reportedAt: number
}

interface Work {
  flops: number
  ms: number
}

/** Runs whose speeds are read together: one family on one backend (a conv run's speed never stands in for a dense run's). */
const speedKey = (run: RunShape) => `${run.backend ?? ''}/${run.family ?? 'dense'}`
const shapeKey = (run: RunShape) => `${run.flopsPerStep}/${speedKey(run)}`

function addWork(sums: Map<string, Work>, key: string, work: Work): void {
  const sum = sums.get(key)
  sums.set(key, sum ? { flops: sum.flops + work.flops, ms: sum.ms + work.ms } : work)
}

/** `workers` is the runner's pool size. */
export function createProgressEstimator(workers: number, options: ProgressEstimatorOptions = {}): ProgressEstimator {
  const now = options.now ?? (() => performance.now())
  let runsDone = 0
  let runsTotal = 0
  let visits = 0
  /** Runs a worker trains (at most `workers`, plus any the runner is stopping). */
  const training = new Map<number, Tracked>()
  /** Runs waiting for a worker, in queue order. */
  const queued = new Map<number, Tracked>()
  /** This batch's finished runs' measured work and time, by shape, and over all shapes. */
  const finishedByShape = new Map<string, Work>()
  const finishedBySpeedKey = new Map<string, Work>()
  /** Steps/minSteps of the runs of each cell that ended under a convergence stop, this batch: [sum, count]. */
  const cellMultiples = new Map<string, [number, number]>()
  /** Steps a run is expected to train: as its cell's ended runs did, else its own expectation. */
  const expectedOf = (run: Tracked): number => {
    const learned = run.stop && run.cell ? cellMultiples.get(run.cell) : undefined
    return learned ? expectedSteps(run, learned[0] / learned[1]) : (run.expectedSteps ?? run.totalSteps)
  }
  /** The lab's speed by backend and family, in FLOP per millisecond, asked once a batch. */
  const labSpeeds = new Map<string, number | null>()

  /** The run's work and time over the later half of its reports (at least minMeasuredMs), or null. */
  const measured = (run: Tracked): Work | null => {
    const { reports } = run
    if (reports.length < 2) return null
    const last = reports[reports.length - 1]
    const span = last.at - reports[0].at
    if (span < minMeasuredMs) return null
    const from = last.at - Math.max(span / 2, minMeasuredMs)
    let i = reports.length - 2
    while (i > 0 && reports[i].at > from) i--
    const ms = last.at - reports[i].at
    const steps = last.step - reports[i].step
    return steps > 0 ? { flops: steps * run.flopsPerStep, ms } : null
  }

  const labSpeed = (shape: RunShape): number | null => {
    const key = speedKey(shape)
    if (!labSpeeds.has(key)) {
      const flopsPerSecond = options.labSpeed?.(shape.backend, shape.family ?? 'dense') ?? null
      labSpeeds.set(key, flopsPerSecond && flopsPerSecond > 0 ? flopsPerSecond / 1000 : null)
    }
    return labSpeeds.get(key)!
  }

  /** FLOP per millisecond for a run of `shape` that has no rate of its own, by the order above; one table per estimate. */
  function speedTable(): (shape: RunShape) => number | null {
    const byShape = new Map(finishedByShape)
    const bySpeedKey = new Map(finishedBySpeedKey)
    for (const run of training.values()) {
      visits++
      const m = measured(run)
      if (!m) continue
      addWork(byShape, shapeKey(run), m)
      addWork(bySpeedKey, speedKey(run), m)
    }
    const rate = (work: Work | undefined) => (work && work.ms > 0 ? work.flops / work.ms : null)
    const cache = new Map<string, number | null>()
    return (shape) => {
      visits++
      const key = shapeKey(shape)
      let perMs = cache.get(key)
      if (perMs === undefined) {
        perMs = rate(byShape.get(key)) ?? rate(bySpeedKey.get(speedKey(shape))) ?? labSpeed(shape)
        cache.set(key, perMs)
      }
      return perMs
    }
  }

  function estimate(): ProgressEstimate {
    const t = now()
    const speedOf = speedTable()
    const busy: number[] = []
    const ends = new Map<number | null, number>()
    for (const run of training.values()) {
      visits++
      const own = measured(run)
      const perMs = own ? own.flops / own.ms : speedOf(run)
      if (perMs === null) return { endMs: null, byExperiment: new Map() }
      const left = Math.max(0, trainingMs(run, perMs, run.step, expectedOf(run)) - (t - run.reportedAt))
      busy.push(left)
      ends.set(run.experimentId, Math.max(ends.get(run.experimentId) ?? 0, left))
    }
    let unknown = false
    function* waiting(): Generator<ScheduledRun> {
      for (const run of queued.values()) {
        const perMs = speedOf(run)
        if (perMs === null) {
          unknown = true
          return
        }
        yield { ms: trainingMs(run, perMs, 0, expectedOf(run)), experimentId: run.experimentId }
      }
    }
    // the runs being stopped may outnumber the workers for a moment: the schedule counts the soonest free
    busy.sort((a, b) => a - b)
    const schedule = layOnWorkers(waiting(), workers, busy.slice(0, Math.max(1, workers)), ends)
    visits += schedule.laid
    return unknown ? { endMs: null, byExperiment: new Map() } : { endMs: schedule.endMs, byExperiment: schedule.byExperiment }
  }

  return {
    start() {
      runsDone = 0
      runsTotal = 0
      finishedByShape.clear()
      finishedBySpeedKey.clear()
      labSpeeds.clear()
      cellMultiples.clear()
    },
    add(run) {
      runsTotal++
      queued.set(run.runId, { ...run, startStep: 0, reports: [], step: 0, reportedAt: now() })
    },
    started(runId, step) {
      const run = queued.get(runId) ?? training.get(runId)
      if (!run) return
      queued.delete(runId)
      training.set(runId, run)
      run.startedAt = now()
      run.reportedAt = run.startedAt
      run.startStep = step
      run.step = step
    },
    progress(runId, step) {
      const run = training.get(runId)
      if (!run || step <= run.step) return
      run.step = step
      run.reportedAt = now()
      run.reports.push({ at: run.reportedAt, step })
    },
    finished(runId, steps, ended) {
      runsDone++
      const run = training.get(runId)
      queued.delete(runId)
      if (!run) return
      training.delete(runId)
      if (steps > run.step) {
        run.step = steps
        run.reportedAt = now()
        run.reports.push({ at: run.reportedAt, step: steps })
      }
      // the later half of its reports; a run too short for that, from its start report to its end
      const ms = run.reportedAt - run.startedAt!
      const m = measured(run) ?? (steps > run.startStep && ms > 0 ? { flops: (steps - run.startStep) * run.flopsPerStep, ms } : null)
      if (m) {
        addWork(finishedByShape, shapeKey(run), m)
        addWork(finishedBySpeedKey, speedKey(run), m)
      }
      if (ended && run.stop && run.cell && run.stop.minSteps > 0) {
        const [sum, count] = cellMultiples.get(run.cell) ?? [0, 0]
        cellMultiples.set(run.cell, [sum + steps / run.stop.minSteps, count + 1])
      }
    },
    get runsDone() {
      return runsDone
    },
    get runsTotal() {
      return runsTotal
    },
    get visits() {
      return visits
    },
    estimate,
    etaMs(experimentId) {
      const { endMs, byExperiment } = estimate()
      if (endMs === null) return null
      return experimentId == null ? endMs : (byExperiment.get(experimentId) ?? 0)
    },
  }
}
