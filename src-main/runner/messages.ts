/** Messages between the runner (parent) and a training worker. */
import type { RunConfig, StopReason } from '../../src-shared/config'
import type { ModelFamily } from '../../src-shared/run-cost'
import type { Artifact } from '../engine/session'
import type { Calibration } from '../estimates/calibrate'
import type { Evaluation, TrainStatus } from '../engine/train'

export type ToWorker =
  | {
      type: 'start'
      runId: number
      config: RunConfig
      dataDir?: string
      blasThreads?: number
      /** When to send checkpoints (none when absent). */
      checkpoint?: { everySteps: number; minIntervalMs: number }
      /** A checkpoint's bytes to continue from. */
      resume?: Uint8Array
    }
  | { type: 'cancel'; runId: number }
  /** Measure this machine's training speed on a model family (estimates/calibrate.ts); answered with `calibrated`. */
  | { type: 'calibrate'; family: ModelFamily; blasThreads?: number }

export type FromWorker =
  | { type: 'ready' }
  | { type: 'started'; runId: number; backend: string; trainingPath: string; dataset: { fingerprint: string } & Record<string, unknown> }
  | { type: 'evaluation'; runId: number; evaluation: Evaluation }
  | { type: 'progress'; runId: number; step: number; totalSteps: number }
  | { type: 'finished'; runId: number; status: TrainStatus; steps: number; durationMs: number; message?: string; stopReason?: StopReason; final: Record<string, number>; artifacts: Artifact[] }
  | { type: 'checkpoint'; runId: number; step: number; state: Uint8Array }
  | { type: 'failed'; runId: number; message: string }
  | { type: 'calibrated'; family: ModelFamily; calibration: Calibration | null; message?: string }
