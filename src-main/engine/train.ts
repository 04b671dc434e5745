/**
 * Training: one run of a learning rule on a dataset, with the measures logged as it goes. The
 * loop lives here (evaluation cadence, divergence, cancellation, progress); the session
 * (engine/session.ts) holds the model, the optimiser (engine/optimizer.ts) and the evaluator
 * (engine/evaluation.ts). No storage here; callers receive evaluations through hooks.
 */
import type { RunConfig, StopReason } from '../../src-shared/config'
import type { Dataset } from '../data/dataset'
import { checkpointKey, encodeCheckpoint, type Checkpoint } from './checkpoint'
import type { Metrics } from './evaluation'
import { createRunSession } from './run-session'
import type { Artifact } from './session'
import type { TrainingPath } from '../../src-shared/training-paths'
import { initBackend, type BackendName } from './tf'

export interface Evaluation {
  /** Parameter updates done so far. */
  step: number
  metrics: Metrics
  /** Milliseconds since training started (after set-up). */
  wallTimeMs: number
}

export type TrainStatus = 'completed' | 'diverged' | 'cancelled'

export interface TrainResult {
  status: TrainStatus
  /** Parameter updates done. */
  steps: number
  /** The metrics of the last evaluation. */
  final: Metrics
  backend: BackendName
  /** How the steps computed the first layer's products (engine/step-paths.ts): dense, kernel or sparse. */
  trainingPath: TrainingPath
  durationMs: number
  /** Why the run ended early, for diverged and cancelled runs. */
  message?: string
  /** For completed runs: the loss settled (`stopping`) or the run reached `steps`. */
  stopReason?: StopReason
  /** Final weights, biases and feedback matrices when `keepArtifacts` was asked for. */
  artifacts?: Artifact[]
  /** Milliseconds of durationMs spent on the theory measures, for runs that have them on. */
  theoryMs?: number
  /** Checkpoints taken, and the milliseconds spent taking them (copying state out and encoding it). */
  checkpoints: { count: number; ms: number }
}

/** When to checkpoint: at steps that are multiples of `everySteps`, but at most once per `minIntervalMs`. */
export interface CheckpointPolicy {
  everySteps: number
  minIntervalMs: number
  save(bytes: Uint8Array, step: number): void
}


export interface TrainHooks {
  /** Called once the backend is up and the session built, before the first evaluation. */
  onStart?(info: { backend: BackendName; trainingPath: TrainingPath }): void
  onEvaluation?(evaluation: Evaluation): void | Promise<void>
  /** Polled between steps; true cancels the run. */
  shouldStop?(): boolean
  /** Called with the step count at most every `progressIntervalMs` (default 200 ms). */
  onProgress?(step: number, totalSteps: number): void
  progressIntervalMs?: number
  keepArtifacts?: boolean
  checkpoint?: CheckpointPolicy
}

/**
 * Trains one run. Evaluations happen at step 0, every `evalEvery` steps and at the end. A
 * non-finite loss ends the run as `diverged` at the step whose parameters produced it.
 */
export async function train(config: RunConfig, data: Dataset, hooks: TrainHooks = {}, resume?: Checkpoint): Promise<TrainResult> {
  const backend = await initBackend(config.backend)
  if (resume && resume.configKey !== checkpointKey(config)) throw new Error('the checkpoint was taken from a run with another config')
  const session = createRunSession(config, data, { resume: resume?.session })
  hooks.onStart?.({ backend, trainingPath: session.trainingPath })
  // wall times and the duration continue from the checkpoint
  const started = performance.now() - (resume?.loop.wallTimeMs ?? 0)
  let lastYield = started
  let lastProgress = started
  const progressInterval = hooks.progressIntervalMs ?? 200
  let final: Metrics = {}
  let status: TrainStatus = 'completed'
  let message: string | undefined
  let stopReason: StopReason | undefined
  let step = resume?.session.step ?? 0
  let lastReported = resume?.loop.lastReported ?? -1
  /** The watched quantity (training loss or weight alignment, `stopping.on`) at the previous convergence check. */
  let previousCheckLoss: number | null = resume?.loop.previousCheckLoss ?? null
  if (resume) final = resume.loop.final
  const checkpoints = { count: 0, ms: 0 }
  let lastCheckpoint = performance.now()
  const checkpoint = hooks.checkpoint
  const takeCheckpoint = () => {
    if (!checkpoint || step % checkpoint.everySteps !== 0 || performance.now() - lastCheckpoint < checkpoint.minIntervalMs) return
    const t0 = performance.now()
    const bytes = encodeCheckpoint({ configKey: checkpointKey(config), session: session.saveState(), loop: { final, lastReported, previousCheckLoss, settledAt, wallTimeMs: t0 - started } })
    checkpoint.save(bytes, step)
    lastCheckpoint = performance.now()
    checkpoints.count++
    checkpoints.ms += lastCheckpoint - t0
  }

  const report = async () => {
    final = session.evaluate()
    lastReported = step
    await hooks.onEvaluation?.({ step, metrics: final, wallTimeMs: performance.now() - started })
  }
  const stopping = config.stopping
  const fromStart = stopping?.checksFrom === 'start'
  /** Under `checksFrom: 'start'`, the step of the first settled check: it latches. */
  let settledAt: number | null = resume?.loop.settledAt ?? null
  if (fromStart && previousCheckLoss === null) previousCheckLoss = stopping.on === 'loss' ? 0 : 1
  /** Compares the watched quantity with the previous check's and keeps it for the next. */
  const check = (): boolean => {
    const onLoss = stopping!.on === 'loss'
    const value = onLoss ? session.trainLoss() : session.weightAlignment()
    // The schema requires the tolerance of the quantity watched.
    const tolerance = (onLoss ? stopping!.lossTolerance : stopping!.alignmentTolerance)!
    const settled = value !== null && previousCheckLoss !== null && Math.abs(value - previousCheckLoss) < tolerance
    previousCheckLoss = value
    return settled
  }
  /**
   * Before the update that makes `step + 1` steps: under `checksFrom: 'start'`, a check when
   * step + 1 is a multiple of checkEvery, on the parameters before that update, as the authors'
   * loop checks at t % checkEvery == checkEvery − 1 before stepping.
   */
  const checkBeforeStep = (): void => {
    if (!fromStart || settledAt !== null || (step + 1) % stopping.checkEvery !== 0) return
    if (check()) settledAt = step + 1
  }
  /** After an update: whether the run stops here as converged. */
  const converged = (): boolean => {
    if (!stopping || step < stopping.minSteps) return false
    if (fromStart) return settledAt !== null
    if ((step - stopping.minSteps) % stopping.checkEvery !== 0) return false
    return check()
  }

  try {
    if (!resume) await report()
    while (step < config.steps) {
      if (hooks.shouldStop?.()) {
        status = 'cancelled'
        message = `cancelled at step ${step}`
        break
      }
      checkBeforeStep()
      const loss = session.step()
      if (!Number.isFinite(loss)) {
        status = 'diverged'
        message = `training loss became ${loss} at step ${step} (learning rate ${config.optimizer.learningRate}); the run stopped there`
        break
      }
      step++
      if (converged()) {
        stopReason = 'converged'
        if (lastReported !== step) await report()
        break
      }
      if (step % config.evalEvery === 0 || step === config.steps) await report()
      if (step < config.steps) takeCheckpoint()
      if (hooks.onProgress && performance.now() - lastProgress >= progressInterval) {
        hooks.onProgress(step, config.steps)
        lastProgress = performance.now()
      }
      if (performance.now() - lastYield > 50) {
        // Let cancellation and progress messages through when training runs in a worker.
        await new Promise((resolve) => setImmediate(resolve))
        lastYield = performance.now()
      }
    }
    if (status === 'completed' && !stopReason) stopReason = 'step-limit'
    const artifacts = hooks.keepArtifacts ? session.snapshot() : undefined
    const theoryMs = session.theoryMs() ?? undefined
    return { status, steps: step, final, backend, trainingPath: session.trainingPath, durationMs: performance.now() - started, message, stopReason, artifacts, theoryMs, checkpoints }
  } finally {
    session.dispose()
  }
}
