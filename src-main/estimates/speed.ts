/**
 * This lab's training speed, from its own measurements: the floating-point work of each completed
 * run over its training time gives its speed; the median of the recent runs on the backend the
 * experiment will use is the lab's speed. Before the lab has finished a run, a short calibration
 * measured in a worker (calibrate.ts, cached in the lab file) stands in; before that, an assumed
 * speed. Every estimate of time (experiment.ts, eta.ts) starts from it.
 */
import { estimateResources } from '../../src-shared/run-cost'
import type { RunRecord } from '../store/store'
import type { Calibration } from './calibrate'

/**
 * Training speed to assume before a lab has finished a run: the paper's MNIST step on the BLAS
 * backend measured 15,500 samples/s here (README, Speed), about 70 GFLOP/s; a third of that
 * allows for the wasm backends and small, overhead-bound steps.
 */
export const fallbackFlopsPerSecond = 25e9

export interface TrainingSpeed {
  flopsPerSecond: number
  /** False while the lab has measured nothing (the assumed fallback is used). */
  measured: boolean
  /** Where the speed comes from: this lab's recent runs, its calibration, or the assumption. */
  source: 'runs' | 'calibration' | 'assumed'
  /** Runs the median was taken over (source `runs`). */
  runs?: number
  /** Timed seconds of the calibration (source `calibration`). */
  calibrationSeconds?: number
  backend?: string
}

/** The store's key of the lab's speed calibration. */
export const calibrationKey = 'speedCalibration'

/** The median is taken over at most this many of the newest completed runs of a backend. */
export const recentRuns = 20

/** A completed run's training speed in FLOP/s, or null when it ran too briefly to time. */
export function runFlopsPerSecond(run: RunRecord): number | null {
  if (run.status !== 'completed' || !run.durationMs || run.durationMs < 1000 || run.stepsDone <= 0) return null
  // a config an older lab accepted and this one does not: no measurement from it
  if (run.configError) return null
  return (estimateResources(run.config).flopsPerStep * run.stepsDone) / (run.durationMs / 1000)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * The lab's training speed: the median FLOP/s of the newest `recentRuns` completed runs (oldest
 * first in `runs`) on `backend` (default: the backend of the newest timed run), else the
 * calibration, else the fallback.
 */
export function measuredSpeed(runs: RunRecord[], calibration: Calibration | null = null, backend?: string): TrainingSpeed {
  const byBackend = new Map<string, number[]>()
  let newest: string | undefined
  for (const run of runs) {
    const speed = runFlopsPerSecond(run)
    if (speed === null) continue
    const key = run.backend ?? ''
    const speeds = byBackend.get(key)
    if (speeds) speeds.push(speed)
    else byBackend.set(key, [speed])
    newest = key
  }
  const chosen = backend ?? newest
  const speeds = chosen === undefined ? [] : (byBackend.get(chosen) ?? []).slice(-recentRuns)
  if (speeds.length) return { flopsPerSecond: median(speeds), measured: true, source: 'runs', runs: speeds.length, backend: chosen || undefined }
  if (calibration && calibration.flopsPerSecond > 0) return { flopsPerSecond: calibration.flopsPerSecond, measured: true, source: 'calibration', calibrationSeconds: calibration.seconds, backend: calibration.backend }
  return { flopsPerSecond: fallbackFlopsPerSecond, measured: false, source: 'assumed' }
}

/** The speed in FLOP/s the live ETA may start from: a measured one, never the assumed fallback (null). */
export function measuredFlopsPerSecond(speed: TrainingSpeed): number | null {
  return speed.measured ? speed.flopsPerSecond : null
}

/** Where an estimate's speed comes from, in words: "from 12 runs on this machine", "from a 0.4 s calibration". */
export function speedNote(speed: TrainingSpeed): string {
  if (speed.source === 'runs') return `from ${speed.runs} run${speed.runs === 1 ? '' : 's'} on this machine`
  if (speed.source === 'calibration') return `from a ${(speed.calibrationSeconds ?? 0).toFixed(1)} s calibration`
  return `assuming ${(speed.flopsPerSecond / 1e9).toPrecision(3)} GFLOP/s until this lab has measured its speed`
}
