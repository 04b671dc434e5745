/**
 * This lab's training speed, from its own measurements: the floating-point work of each completed
 * run (its steps and evaluations, run-cost.ts's runFlops) over its training time gives its speed;
 * the median of the recent runs of the model family (dense or conv) on the backend the experiment
 * will use is the lab's speed there. The families are kept apart: a conv step on the blas im2col
 * path does far less per second than a dense product (LeNet about 3 GFLOP/s here against tens for
 * the 784-1000-10 net), so a speed measured on one never stands in for the other. Before the lab
 * has finished a run of a family, that family's short calibration measured in a worker
 * (calibrate.ts, cached in the lab file) stands in; before that, an assumed speed. Every estimate
 * of time (time.ts, eta.ts) starts from it.
 */
import { modelFamily, runFlops, type ModelFamily } from '../../src-shared/run-cost'
import type { RunRecord } from '../store/store'
import type { Calibration } from './calibrate'

/**
 * Training speed to assume before a lab has measured a family: for dense nets, the paper's MNIST
 * step on the BLAS backend measured 15,500 samples/s here (README, Speed), about 70 GFLOP/s, and a
 * third of that allows for the wasm backends and small, overhead-bound steps; for conv nets, the
 * biotorch-lenet quick preset's 16 runs took 5 min 54 s on 2 blas workers here (README), about
 * 3.3 GFLOP/s a worker with its evaluations, and 2 allows for a slower machine.
 */
export const fallbackFlopsPerSecond: Record<ModelFamily, number> = { dense: 25e9, conv: 2e9 }

/** The lab's calibrations by family, as kept in its file (calibrationKeys). */
export type Calibrations = Partial<Record<ModelFamily, Calibration | null>>

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
  /** The model family the speed is of (dense when absent). */
  family?: ModelFamily
}

/**
 * The store's keys of the lab's speed calibrations by family. The dense one keeps the key labs
 * stored their one (dense) calibration under before conv models had their own, so an older lab's
 * calibration still reads as its dense speed.
 */
export const calibrationKeys: Record<ModelFamily, string> = { dense: 'speedCalibration', conv: 'speedCalibration.conv' }
/** The dense calibration's key (calibrationKeys.dense). */
export const calibrationKey = calibrationKeys.dense
export const modelFamilies = Object.keys(calibrationKeys) as ModelFamily[]

/** The median is taken over at most this many of the newest completed runs of a backend. */
export const recentRuns = 20

/** A completed run's training speed in FLOP/s (its steps and evaluations over its time), or null when it ran too briefly to time. */
export function runFlopsPerSecond(run: RunRecord): number | null {
  if (run.status !== 'completed' || !run.durationMs || run.durationMs < 1000 || run.stepsDone <= 0) return null
  // a config an older lab accepted and this one does not: no measurement from it
  if (run.configError) return null
  return runFlops(run.config, run.stepsDone) / (run.durationMs / 1000)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * The lab's training speed on models of `family`: the median FLOP/s of the newest `recentRuns`
 * completed runs of that family (oldest first in `runs`) on `backend` (default: the backend of the
 * family's newest timed run), else the family's calibration, else its fallback. Runs of the other
 * family are never read.
 */
export function measuredSpeed(runs: RunRecord[], calibrations: Calibrations = {}, family: ModelFamily = 'dense', backend?: string): TrainingSpeed {
  const byBackend = new Map<string, number[]>()
  let newest: string | undefined
  for (const run of runs) {
    if (run.configError || modelFamily(run.config) !== family) continue
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
  if (speeds.length) return { flopsPerSecond: median(speeds), measured: true, source: 'runs', runs: speeds.length, backend: chosen || undefined, family }
  const calibration = calibrations[family]
  if (calibration && calibration.flopsPerSecond > 0) return { flopsPerSecond: calibration.flopsPerSecond, measured: true, source: 'calibration', calibrationSeconds: calibration.seconds, backend: calibration.backend, family }
  return { flopsPerSecond: fallbackFlopsPerSecond[family], measured: false, source: 'assumed', family }
}

/** The speed in FLOP/s the live ETA may start from: a measured one, never the assumed fallback (null). */
export function measuredFlopsPerSecond(speed: TrainingSpeed): number | null {
  return speed.measured ? speed.flopsPerSecond : null
}

/**
 * Where an estimate's speed comes from, in words: "from 12 runs on this machine", "from a 0.4 s
 * calibration"; a conv speed says so ("from 3 conv runs on this machine", "from a 0.4 s conv
 * calibration").
 */
export function speedNote(speed: TrainingSpeed): string {
  const conv = speed.family === 'conv' ? 'conv ' : ''
  if (speed.source === 'runs') return `from ${speed.runs} ${conv}run${speed.runs === 1 ? '' : 's'} on this machine`
  if (speed.source === 'calibration') return `from a ${(speed.calibrationSeconds ?? 0).toFixed(1)} s ${conv}calibration`
  return `assuming ${(speed.flopsPerSecond / 1e9).toPrecision(3)} GFLOP/s${conv ? ' for conv models' : ''} until this lab has measured its speed`
}

/** The lab's stored calibrations (calibrationKeys), those it has. */
export function storedCalibrations(setting: (key: string) => unknown): Calibrations {
  return Object.fromEntries(modelFamilies.map((family) => [family, (setting(calibrationKeys[family]) as Calibration | null) ?? null]))
}
