/**
 * The runner: a pool of training worker threads fed from a queue of stored runs. The thread that
 * owns the runner (Electron main, the CLI, the browser-mode server) only moves messages and writes
 * batched metrics; training never happens on it.
 */
import { availableParallelism } from 'node:os'
import { defaultCheckpointPolicy } from '../engine/checkpoint'
import type { Evaluation } from '../engine/train'
import type { RunActivity, RunFinished, RunProgress } from '../../src-shared/contract'
import { blasThreadsPerWorker } from '../lib/limits'
import { leaseMs, type RunStatus, type Store } from '../store/store'
import type { ModelFamily } from '../../src-shared/run-cost'
import { poolCalibration, type Calibration } from '../estimates/calibrate'
import type { Calibrations } from '../estimates/speed'
import { createProgressEstimator, type ProgressEstimate } from '../estimates/eta'
import { storedRunShape } from '../estimates/time'
import type { FromWorker, ToWorker } from './messages'
import { createRunQueue } from './run-queue'
import { spawnSlot, type Slot } from './worker-slot'

export type { RunActivity, RunFinished, RunProgress }

export interface RunnerOptions {
  store: Store
  /** Worker threads; defaults to the number of cores. */
  workers?: number
  dataDir?: string
  /** How often buffered evaluations are committed. */
  flushIntervalMs?: number
  /** Minimum time between two progress events of one run. */
  progressIntervalMs?: number
  /** Old-generation heap limit of each worker, in MiB. */
  memoryLimitMb?: number
  /** How long a cancelled run may take to stop before its worker is terminated. */
  cancelGraceMs?: number
  /** The worker script (the build passes its bundled worker). */
  workerUrl?: URL
  /**
   * OpenBLAS threads (process-wide, shared by all workers). Default: cores ÷ workers, so a pool of
   * one worker per core runs single-threaded products side by side (see README, Speed).
   */
  blasThreads?: number
  /** Checkpoint a run's full state at multiples of this many steps (default: engine/checkpoint.ts's defaultCheckpointPolicy; 0 turns checkpoints off)... */
  checkpointEverySteps?: number
  /** ...but at most once per this many milliseconds (0: at every multiple). */
  checkpointIntervalMs?: number
  /**
   * The lab's measured training speed for models of `family` on `backend` in FLOP/s, null while
   * it has measured nothing there (estimates/speed.ts): the live ETA's speed until runs of the
   * batch are measured, so that it starts at the preset card's and the form's estimate.
   */
  labSpeed?: (backend?: string, family?: ModelFamily) => number | null
}

interface Active {
  runId: number
  experimentId: number | null
  slot: Slot
  step: number
  totalSteps: number
  /** 'starting' from dispatch until the worker reports the run started (backend, data, session up), then 'training'. */
  activity: Exclude<RunActivity, 'queued'>
  buffer: Evaluation[]
  metrics?: Record<string, number>
  /** The step `metrics` were taken at. */
  metricsStep?: number
  lastEventAt: number
  cancelTimer?: NodeJS.Timeout
}

type Listener<T> = (event: T) => void

/** The error of a queued run cancelled before any worker took it (the runner's cancel, or a stop before training started). */
export const cancelledBeforeStart = 'cancelled before it started'

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism())
}

export function createRunner(options: RunnerOptions) {
  const { store } = options
  const workerCount = Math.max(1, options.workers ?? defaultWorkerCount())
  const flushInterval = options.flushIntervalMs ?? 500
  const progressInterval = options.progressIntervalMs ?? 200
  const cancelGrace = options.cancelGraceMs ?? 1000
  const workerUrl = options.workerUrl ?? new URL('./worker-entry.mjs', import.meta.url)
  const blasThreads = options.blasThreads ?? blasThreadsPerWorker(workerCount)
  const checkpointEvery = options.checkpointEverySteps ?? defaultCheckpointPolicy.everySteps
  const checkpointPolicy = checkpointEvery > 0 ? { everySteps: checkpointEvery, minIntervalMs: options.checkpointIntervalMs ?? defaultCheckpointPolicy.minIntervalMs } : undefined

  const slots: Slot[] = []
  /** Runs waiting for a worker: taking the next, cancelling one and finding an experiment's are O(1) a run. */
  const queue = createRunQueue()
  const active = new Map<number, Active>()
  const progressListeners = new Set<Listener<RunProgress>>()
  const finishedListeners = new Set<Listener<RunFinished>>()
  const batch = createProgressEstimator(workerCount, { labSpeed: options.labSpeed })
  /**
   * The latest estimate and when it was made. An estimate visits every unfinished run, so progress
   * events share one per progress interval (the time since is taken off): the cost of ETAs per
   * second stays the same however many runs finish in it.
   */
  let estimate: { at: number; value: ProgressEstimate } | null = null
  /** Workers measuring the speed (calibrate), stopped on close. */
  const calibrating = new Set<Slot>()
  let idleWaiters: (() => void)[] = []
  let closed = false

  const flushTimer = setInterval(flushAll, flushInterval)
  flushTimer.unref()
  // The store counts this process as the owner of its runs while the lease holds (see store/runs.ts).
  const leaseTimer = setInterval(() => {
    const mine = [...active.keys(), ...queue.ids()]
    if (mine.length) store.renewLeases(mine)
  }, leaseMs / 6)
  leaseTimer.unref()

  function spawn(): Slot {
    const slot: Slot = spawnSlot(workerUrl, options.memoryLimitMb, {
      message: handle,
      error: (message) => workerDied(slot, message),
      exit: (code) => {
        if (!closed && slots.includes(slot)) workerDied(slot, `the training worker exited with code ${code}`)
      },
    })
    return slot
  }

  function workerDied(slot: Slot, message: string): void {
    const index = slots.indexOf(slot)
    if (index < 0) return
    slots.splice(index, 1)
    void slot.worker.terminate()
    const runId = slot.runId
    if (runId !== null) {
      const run = active.get(runId)
      const cancelling = run?.cancelTimer !== undefined
      finish(runId, cancelling ? 'cancelled' : 'failed', cancelling ? null : message, null)
    }
    dispatch()
  }

  /** Milliseconds until `experimentId`'s runs are done, from the estimate of this progress interval. */
  function etaMs(experimentId: number | null, now: number): number | null {
    if (!estimate || now - estimate.at >= progressInterval) estimate = { at: now, value: batch.estimate() }
    const { endMs, byExperiment } = estimate.value
    if (endMs === null) return null
    return Math.max(0, (experimentId === null ? endMs : (byExperiment.get(experimentId) ?? 0)) - (now - estimate.at))
  }

  function emitProgress(run: Active, status: RunStatus = 'running', force = false): void {
    if (status === 'running') batch.progress(run.runId, run.step)
    const now = performance.now()
    if (!force && now - run.lastEventAt < progressInterval) return
    run.lastEventAt = now
    const event: RunProgress = {
      runId: run.runId,
      experimentId: run.experimentId,
      status,
      activity: status === 'running' || status === 'queued' ? run.activity : null,
      step: run.step,
      totalSteps: run.totalSteps,
      metrics: run.metrics,
      metricsStep: run.metricsStep,
      runsDone: batch.runsDone,
      runsTotal: batch.runsTotal,
      etaMs: etaMs(run.experimentId, now),
    }
    progressListeners.forEach((l) => l(event))
  }

  function flush(run: Active): void {
    if (run.buffer.length === 0) return
    store.appendMetrics(run.runId, run.buffer)
    run.buffer = []
  }

  function flushAll(): void {
    for (const run of active.values()) {
      try {
        flush(run)
      } catch (error) {
        storeFailed(run, error)
      }
    }
  }

  /**
   * A write of the run's measures, checkpoint or ending failed (the disk is full, the file damaged:
   * store/faults.ts words it): the run stops where it is and is marked interrupted with that message,
   * so it can be resumed from its last stored checkpoint once the disk has room. Everything stored
   * before stays; the measures not yet written are dropped (the resumed run logs them again).
   */
  function storeFailed(run: Active, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    active.delete(run.runId)
    clearTimeout(run.cancelTimer)
    const index = slots.indexOf(run.slot)
    if (index >= 0) slots.splice(index, 1)
    void run.slot.worker.terminate()
    try {
      store.finishRun(run.runId, { status: 'interrupted', stepsDone: store.getRun(run.runId)?.stepsDone ?? 0, error: message })
    } catch {
      // The lab file cannot take even this: the run stays owned by this process, and the next open
      // (once the process has ended) marks it interrupted.
    }
    batch.finished(run.runId, run.step)
    emitProgress(run, 'interrupted', true)
    const event: RunFinished = { runId: run.runId, experimentId: run.experimentId, status: 'interrupted', error: message, finalMetrics: null }
    finishedListeners.forEach((l) => l(event))
    dispatch()
  }

  function handle(message: FromWorker): void {
    if (message.type === 'ready' || message.type === 'calibrated') return
    const run = active.get(message.runId)
    if (!run) return
    try {
      record(run, message)
    } catch (error) {
      storeFailed(run, error)
    }
  }

  /** Stores what a worker reports about its run. */
  function record(run: Active, message: Exclude<FromWorker, { type: 'ready' | 'calibrated' }>): void {
    switch (message.type) {
      case 'started':
        store.markRunning(run.runId, message.backend, message.dataset, message.trainingPath)
        run.activity = 'training'
        batch.started(run.runId, run.step)
        emitProgress(run, 'running', true)
        break
      case 'evaluation':
        run.buffer.push(message.evaluation)
        run.step = message.evaluation.step
        run.metrics = message.evaluation.metrics
        run.metricsStep = message.evaluation.step
        emitProgress(run)
        break
      case 'progress':
        run.step = message.step
        emitProgress(run)
        break
      case 'checkpoint':
        // the measures up to the checkpoint go first, so a resumed run's series has no gap
        flush(run)
        store.saveCheckpoint(run.runId, message.step, message.state)
        break
      case 'finished':
        flush(run)
        if (message.artifacts.length) store.saveArtifacts(run.runId, message.artifacts)
        run.step = message.steps
        finish(run.runId, message.status, message.message ?? null, message.final, message.durationMs, message.stopReason)
        break
      case 'failed':
        finish(run.runId, 'failed', message.message, null)
        break
    }
  }

  function finish(runId: number, status: RunStatus, error: string | null, finalMetrics: Record<string, number> | null, durationMs?: number, stopReason?: string): void {
    const run = active.get(runId)
    if (run) {
      flush(run)
      clearTimeout(run.cancelTimer)
      active.delete(runId)
      if (run.slot.runId === runId) run.slot.runId = null
    }
    const record = store.getRun(runId)
    // a run that ended for good needs no checkpoint; a cancelled or failed one keeps it for resuming
    if (status === 'completed' || status === 'diverged') store.deleteCheckpoint(runId)
    store.finishRun(runId, {
      status,
      durationMs: durationMs ?? (record?.startedAt ? Date.now() - Date.parse(record.startedAt) : undefined),
      stepsDone: run?.step ?? record?.stepsDone ?? 0,
      error,
      finalMetrics,
      stopReason,
    })
    // a completed run trained to its end (converged or at its limit): its length teaches its cell's
    batch.finished(runId, run?.step ?? 0, status === 'completed')
    if (run) emitProgress(run, status, true)
    const event: RunFinished = { runId, experimentId: record?.experimentId ?? null, status, error, finalMetrics }
    finishedListeners.forEach((l) => l(event))
    dispatch()
  }

  /** Takes queued runs out of the queue and marks them cancelled, all in one store statement. */
  function cancelQueued(runIds: number[]): void {
    const ids = runIds.filter((id) => queue.remove(id))
    if (ids.length === 0) return
    store.cancelQueuedRuns(ids, cancelledBeforeStart)
    for (const id of ids) batch.finished(id, 0)
    estimate = null
    dispatch()
  }

  function dispatch(): void {
    if (closed) return
    while (queue.size > 0) {
      let slot = slots.find((s) => s.runId === null)
      if (!slot && slots.length < workerCount) {
        slot = spawn()
        slots.push(slot)
      }
      if (!slot) break
      const runId = queue.shift()!
      const record = store.getRun(runId)
      if (!record || record.status !== 'queued') continue
      if (record.configError) {
        store.finishRun(runId, { status: 'failed', stepsDone: 0, error: record.configError })
        batch.finished(runId, 0)
        continue
      }
      const config = record.config
      slot.runId = runId
      const saved = store.checkpoint(runId)
      const run: Active = { runId, experimentId: record.experimentId, slot, step: saved?.step ?? 0, totalSteps: config.steps, activity: 'starting', buffer: [], lastEventAt: 0 }
      active.set(runId, run)
      // the store still says queued until the worker has loaded it; the event says a worker has it
      emitProgress(run, 'queued', true)
      const message: ToWorker = { type: 'start', runId, config, dataDir: options.dataDir, blasThreads, checkpoint: checkpointPolicy, resume: saved?.state }
      const target = slot
      void target.ready.then(() => {
        if (target.runId === runId) target.worker.postMessage(message)
      })
    }
    if (queue.size === 0 && active.size === 0) {
      const waiters = idleWaiters
      idleWaiters = []
      waiters.forEach((w) => w())
    }
  }

  return {
    workerCount,

    /** Queues stored runs (status `queued`) for training, in order. */
    enqueue(runIds: number[]): void {
      if (closed) throw new Error('the runner is closed')
      if (queue.size === 0 && active.size === 0) {
        batch.start()
        estimate = null
      }
      // one query for all of them (a 10,000-run experiment read run by run took a second), configs shared, not copied
      const records = new Map(store.listRuns({ ids: runIds, includeDeleted: true, readOnlyConfigs: true }).map((r) => [r.id, r]))
      for (const id of runIds) {
        const record = records.get(id)
        if (!record) throw new Error(`no run with id ${id}`)
        if (queue.has(id) || active.has(id)) continue
        queue.push(id, record.experimentId)
        batch.add({ runId: id, experimentId: record.experimentId, ...storedRunShape(record) })
      }
      estimate = null
      dispatch()
    },

    /** Cancels a queued or running run; a running one stops within `cancelGraceMs`. */
    cancelRun(runId: number): void {
      if (queue.has(runId)) {
        cancelQueued([runId])
        return
      }
      const run = active.get(runId)
      if (!run) {
        // Queued or running in the store, but owned by a process that is gone: nothing trains it.
        if (store.isOrphaned(runId)) store.finishRun(runId, { status: 'cancelled', stepsDone: store.getRun(runId)?.stepsDone ?? 0, error: 'cancelled after the process that owned it stopped' })
        else if (store.getRun(runId)?.status === 'running' || store.getRun(runId)?.status === 'queued') {
          const owner = store.getRun(runId)!.owner
          throw new Error(`run ${runId} belongs to another live process${owner ? ` (pid ${owner.pid} on ${owner.host})` : ''}: cancel it there`)
        }
        return
      }
      if (run.cancelTimer) return
      const message: ToWorker = { type: 'cancel', runId }
      run.slot.worker.postMessage(message)
      run.cancelTimer = setTimeout(() => workerDied(run.slot, 'cancelled'), cancelGrace)
    },

    cancelExperiment(experimentId: number): void {
      cancelQueued(queue.ids().filter((id) => queue.experimentOf(id) === experimentId))
      for (const run of [...active.values()]) if (run.experimentId === experimentId) this.cancelRun(run.runId)
      // and its runs a stopped process left queued or running
      for (const run of store.listRuns({ experimentId, status: ['queued', 'running'] })) if (store.isOrphaned(run.id)) this.cancelRun(run.id)
    },

    /** Cancels every queued run at once (one store statement), then stops the running ones. */
    cancelAll(): void {
      cancelQueued(queue.ids())
      for (const runId of [...active.keys()]) this.cancelRun(runId)
    },

    onProgress(listener: Listener<RunProgress>): () => void {
      progressListeners.add(listener)
      return () => progressListeners.delete(listener)
    },

    onRunFinished(listener: Listener<RunFinished>): () => void {
      finishedListeners.add(listener)
      return () => finishedListeners.delete(listener)
    },

    /** Resolves when nothing is queued or running. */
    whenIdle(): Promise<void> {
      if (queue.size === 0 && active.size === 0) return Promise.resolve()
      return new Promise((resolve) => idleWaiters.push(resolve))
    },

    /**
     * Measures this machine's training speed per worker as this pool would train, for each model
     * family of `families` in turn: one calibration per family (estimates/calibrate.ts, about 0.3 s
     * of steps each) in each of `workerCount` fresh workers at once, with the pool's BLAS threads,
     * never on this thread. Each family's median worker's speed, or null when every one failed.
     */
    async calibrate(families: readonly ModelFamily[] = ['dense']): Promise<Calibrations> {
      if (closed || families.length === 0) return {}
      const one = () =>
        new Promise<(Calibration | null)[]>((resolve) => {
          const results: (Calibration | null)[] = []
          const next = () => slot.worker.postMessage({ type: 'calibrate', family: families[results.length], blasThreads } satisfies ToWorker)
          const done = () => {
            while (results.length < families.length) results.push(null)
            resolve(results)
          }
          const slot = spawnSlot(workerUrl, options.memoryLimitMb, {
            message: (message) => {
              if (message.type !== 'calibrated') return
              results.push(message.calibration)
              if (results.length < families.length) return next()
              calibrating.delete(slot)
              void slot.worker.terminate()
              done()
            },
            error: done,
            exit: done,
          })
          calibrating.add(slot)
          void slot.ready.then(next)
        })
      const results = await Promise.all(Array.from({ length: workerCount }, one))
      if (closed) return {}
      return Object.fromEntries(families.map((family, i) => [family, poolCalibration(results.map((r) => r[i]), workerCount)]))
    },

    /** What this runner's workers are doing with each run it holds: waiting for a worker, loading on one, or training. */
    activities(): Map<number, RunActivity> {
      const out = new Map<number, RunActivity>()
      for (const run of active.values()) out.set(run.runId, run.activity)
      for (const id of queue.ids()) out.set(id, 'queued')
      return out
    },

    /** Ids of runs queued or training now. */
    pending(): number[] {
      return [...active.keys(), ...queue.ids()]
    },

    /** Whether the run is queued or training here. */
    holds(runId: number): boolean {
      return queue.has(runId) || active.has(runId)
    },

    /** Stops the workers; runs still training are left `running` for the store to mark interrupted. */
    async close(): Promise<void> {
      closed = true
      clearInterval(flushTimer)
      clearInterval(leaseTimer)
      flushAll()
      // Runs left unfinished lose their owner, so the next open of the lab marks them interrupted.
      store.releaseRuns([...active.keys(), ...queue.ids()])
      await Promise.all([...slots, ...calibrating].map((s) => s.worker.terminate()))
      calibrating.clear()
      slots.length = 0
    },
  }
}

export type Runner = ReturnType<typeof createRunner>
