/**
 * The runner's progress accounting for one batch (everything enqueued while the runner was busy):
 * runs done of runs queued, and the time left, extrapolated from the steps trained so far at the
 * batch's average rate. A new batch starts when runs are enqueued on an idle runner.
 */
export interface BatchProgress {
  /** Starts a new batch: counts go to zero and the clock restarts. */
  start(): void
  /** Counts a queued run of `totalSteps` steps into the batch. */
  add(totalSteps: number): void
  /** Counts a run as done, after training `steps` of its steps (0 for runs that never started). */
  finished(steps: number): void
  readonly runsDone: number
  readonly runsTotal: number
  /**
   * Milliseconds left for the whole batch, given the steps of the runs training now; null
   * before any step is done.
   */
  etaMs(stepsInFlight: number): number | null
}

/** `now` is the clock in milliseconds (performance.now by default; tests pass their own). */
export function createBatchProgress(now: () => number = () => performance.now()): BatchProgress {
  let runsDone = 0
  let runsTotal = 0
  let started = 0
  let stepsDone = 0
  let stepsTotal = 0
  return {
    start() {
      runsDone = 0
      runsTotal = 0
      stepsDone = 0
      stepsTotal = 0
      started = now()
    },
    add(totalSteps) {
      runsTotal++
      stepsTotal += totalSteps
    },
    finished(steps) {
      runsDone++
      stepsDone += steps
    },
    get runsDone() {
      return runsDone
    },
    get runsTotal() {
      return runsTotal
    },
    etaMs(stepsInFlight) {
      const current = stepsDone + stepsInFlight
      if (current === 0) return null
      return ((now() - started) * (stepsTotal - current)) / current
    },
  }
}
