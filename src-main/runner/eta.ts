/**
 * The runner's progress accounting: runs done of runs handed over (since the runner was last
 * idle), and the time left, from measured training speed only.
 *
 * What is measured: a run's steps over the later half of the time from its worker's first step
 * report to its latest one (at least `minMeasuredMs`). Worker, backend, data and session
 * start-up and the step-0 evaluation come before the first report and are left out; so is the
 * warm-up of the first steps (JIT, caches: the first second of a run here trains two to four
 * times slower than the rest), which the later half leaves behind. Evaluations inside the window
 * stay in, because the steps still to come have their evaluations too, in the same proportion.
 * A run's own step rate is used once it has reported steps over `minMeasuredMs`; before that, and for queued runs, the measured floating-point
 * speed of finished and running runs of the same per-step work (estimateResources' flopsPerStep)
 * is used, else that of every measured run. With nothing measured yet the estimate is null
 * ("estimating…"), never a guess. The runs left are laid onto the workers in queue order (each
 * takes the first worker free), so the time left is when the last of them finishes.
 */

export interface EstimatedRun {
  runId: number
  experimentId: number | null
  totalSteps: number
  /** Floating-point operations of one step (estimateResources). */
  flopsPerStep: number
}

export interface ProgressEstimator {
  /** Starts over: counts go to zero, measurements of finished runs are kept. */
  start(): void
  /** Counts a queued run into the batch. */
  add(run: EstimatedRun): void
  /** A worker began training the run at `step` (0, or a checkpoint's step). */
  started(runId: number, step: number): void
  /** The run reached `step`. */
  progress(runId: number, step: number): void
  /** The run is done after `steps` steps. */
  finished(runId: number, steps: number): void
  readonly runsDone: number
  readonly runsTotal: number
  /** Milliseconds until every unfinished run (of `experimentId`, when given) is done; null while nothing is measured. */
  etaMs(experimentId?: number | null): number | null
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

/**
 * `workers` is the runner's pool size; `now` the clock in milliseconds (performance.now by
 * default; tests pass their own).
 */
export function createProgressEstimator(workers: number, now: () => number = () => performance.now()): ProgressEstimator {
  let runsDone = 0
  let runsTotal = 0
  /** Unfinished runs in queue order (started ones first, as the runner dispatches in order). */
  const runs = new Map<number, Tracked>()
  /** Finished runs' measured work and time, by flopsPerStep. */
  const finishedSpeed = new Map<number, { flops: number; ms: number }>()

  /** The run's work and time over the later half of its reports (at least minMeasuredMs), or null. */
  const measured = (run: Tracked): { flops: number; ms: number } | null => {
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

  /** Measured FLOP per millisecond for runs doing `flopsPerStep` per step: same shape first, else all. */
  function speedFor(flopsPerStep: number): number | null {
    let same = { flops: 0, ms: 0 }
    let all = { flops: 0, ms: 0 }
    const add = (key: number, m: { flops: number; ms: number }) => {
      if (key === flopsPerStep) same = { flops: same.flops + m.flops, ms: same.ms + m.ms }
      all = { flops: all.flops + m.flops, ms: all.ms + m.ms }
    }
    for (const [key, m] of finishedSpeed) add(key, m)
    for (const run of runs.values()) {
      const m = measured(run)
      if (m) add(run.flopsPerStep, m)
    }
    if (same.ms > 0) return same.flops / same.ms
    return all.ms > 0 ? all.flops / all.ms : null
  }

  return {
    start() {
      runsDone = 0
      runsTotal = 0
    },
    add(run) {
      runsTotal++
      runs.set(run.runId, { ...run, startStep: 0, reports: [], step: 0, reportedAt: now() })
    },
    started(runId, step) {
      const run = runs.get(runId)
      if (!run) return
      run.startedAt = now()
      run.reportedAt = run.startedAt
      run.startStep = step
      run.step = step
    },
    progress(runId, step) {
      const run = runs.get(runId)
      if (!run || run.startedAt === undefined || step <= run.step) return
      run.step = step
      run.reportedAt = now()
      run.reports.push({ at: run.reportedAt, step })
    },
    finished(runId, steps) {
      runsDone++
      const run = runs.get(runId)
      if (!run) return
      runs.delete(runId)
      if (run.startedAt === undefined) return
      if (steps > run.step) {
        run.step = steps
        run.reportedAt = now()
        run.reports.push({ at: run.reportedAt, step: steps })
      }
      // the later half of its reports; a run too short for that, from its start report to its end
      const ms = run.reportedAt - run.startedAt
      const m = measured(run) ?? (steps > run.startStep && ms > 0 ? { flops: (steps - run.startStep) * run.flopsPerStep, ms } : null)
      if (m) {
        const sum = finishedSpeed.get(run.flopsPerStep) ?? { flops: 0, ms: 0 }
        finishedSpeed.set(run.flopsPerStep, { flops: sum.flops + m.flops, ms: sum.ms + m.ms })
      }
    },
    get runsDone() {
      return runsDone
    },
    get runsTotal() {
      return runsTotal
    },
    etaMs(experimentId) {
      const t = now()
      // when each worker is next free, in ms from now
      const free: number[] = []
      const queued: Tracked[] = []
      let last = 0
      for (const run of runs.values()) {
        if (run.startedAt === undefined) {
          queued.push(run)
          continue
        }
        const own = measured(run)
        const perMs = own ? own.flops / own.ms : speedFor(run.flopsPerStep)
        if (perMs === null) return null
        const left = Math.max(0, ((run.totalSteps - run.step) * run.flopsPerStep) / perMs - (t - run.reportedAt))
        free.push(left)
        if (experimentId == null || run.experimentId === experimentId) last = Math.max(last, left)
      }
      while (free.length < workers) free.push(0)
      free.sort((a, b) => a - b)
      for (const run of queued) {
        const perMs = speedFor(run.flopsPerStep)
        if (perMs === null) return null
        // the first worker free takes the next run
        const end = free.shift()! + (run.totalSteps * run.flopsPerStep) / perMs
        free.splice(sortedIndex(free, end), 0, end)
        if (experimentId == null || run.experimentId === experimentId) last = Math.max(last, end)
      }
      return last
    },
  }
}

function sortedIndex(sorted: number[], value: number): number {
  let i = 0
  while (i < sorted.length && sorted[i] <= value) i++
  return i
}
