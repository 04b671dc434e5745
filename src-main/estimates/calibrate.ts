/**
 * A lab's first speed measurements, before it has finished any run of a model family: steps of
 * one network of each family, timed for a fixed budget in a training worker.
 * - dense: the song2021-mnist network (784-1000-10, FA; a batch of 300 rather than 600, so that
 *   even a slow machine fits a few steps in the budget) on synthetic data of that shape;
 * - conv: BioTorch's LeNet-5 of the biotorch-lenet preset (FA, batch 64) on the first bundled
 *   MNIST digits, stepped on the path its runs take (im2col on blas).
 * Each gives the floating-point speed its family's estimates start from until real runs of that
 * family replace it. Evaluations are not timed: a run's evaluations are counted at the same speed
 * (for LeNet their forward passes on tf ops did about 1.5 times the step's FLOP/s here, so the conv
 * calibration errs long by about a fifth on the biotorch-lenet quick preset).
 */
import { parseRunConfig, type RunConfig } from '../../src-shared/config'
import { estimateResources, type ModelFamily } from '../../src-shared/run-cost'
import { loadDataset } from '../data/load'
import { createRunSession } from '../engine/run-session'
import { initBackend } from '../engine/tf'

export interface Calibration {
  flopsPerSecond: number
  /** Seconds of timed steps. */
  seconds: number
  steps: number
  backend: string
  measuredAt: string
  /** Workers that calibrated side by side (the pool's size), when measured by the runner. */
  workers?: number
}

/** Timed steps stop before the next one would pass this budget (after one warm-up step; at least two are timed). */
export const calibrationBudgetMs = 300

/** The dense calibration's run. */
export const calibrationConfig = parseRunConfig({
  seed: 1,
  data: { kind: 'synthetic', n: 300, inputDim: 784, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 1000, activation: 'relu', outputs: 10 },
  rule: 'fa',
  optimizer: { learningRate: 0.01, batchSize: 0 },
  steps: 1000,
  evalEvery: 1000,
  theory: { enabled: false },
})

/** The conv calibration's run: LeNet-5 as in resources/presets/biotorch-lenet.json. */
export const convCalibrationConfig = parseRunConfig({
  seed: 1,
  data: { kind: 'mnist', source: 'bundled', normalize: 'standard', trainSize: 640, testSize: 100 },
  model: {
    kind: 'conv',
    features: [
      { kind: 'conv', channels: 6, kernel: 5, stride: 1, padding: 2 },
      { kind: 'maxPool', size: 2 },
      { kind: 'conv', channels: 16, kernel: 5, stride: 1, padding: 0 },
      { kind: 'maxPool', size: 2 },
      { kind: 'conv', channels: 120, kernel: 5, stride: 1, padding: 0 },
    ],
    hidden: [84],
    outputs: 10,
    bias: true,
    init: 'glorot',
    activation: 'tanh',
  },
  rule: 'fa',
  loss: 'cross-entropy',
  optimizer: { learningRate: 0.01, batchSize: 64, momentum: 0.9 },
  steps: 1000,
  evalEvery: 1000,
  evalSamples: 64,
})

/** Each family's calibration run. */
export const calibrationConfigs: Record<ModelFamily, RunConfig> = { dense: calibrationConfig, conv: convCalibrationConfig }

/** The pool's calibration from its workers' (run side by side): the median worker's speed, the longest timing; null when every one failed. */
export function poolCalibration(results: (Calibration | null)[], workers: number): Calibration | null {
  const measured = results.filter((c): c is Calibration => c !== null).sort((a, b) => a.flopsPerSecond - b.flopsPerSecond)
  if (measured.length === 0) return null
  return { ...measured[Math.floor((measured.length - 1) / 2)], seconds: Math.max(...measured.map((c) => c.seconds)), workers }
}

/** Trains `family`'s calibration run for about `budgetMs` on this thread and returns its speed. */
export async function calibrate(family: ModelFamily = 'dense', budgetMs = calibrationBudgetMs): Promise<Calibration> {
  const config = calibrationConfigs[family]
  const backend = await initBackend(config.backend)
  const data = await loadDataset(config)
  const session = createRunSession(config, data)
  try {
    session.step() // warm-up: first products, allocations
    const start = performance.now()
    let steps = 0
    for (;;) {
      session.step()
      steps++
      const elapsed = performance.now() - start
      if (steps >= 2 && elapsed + elapsed / steps > budgetMs) break
    }
    const seconds = (performance.now() - start) / 1000
    return { flopsPerSecond: (estimateResources(config).flopsPerStep * steps) / seconds, seconds, steps, backend, measuredAt: new Date().toISOString() }
  } finally {
    session.dispose()
  }
}
