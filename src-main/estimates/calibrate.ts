/**
 * A lab's first speed measurement, before it has finished any run: steps of the song2021-mnist
 * network (784-1000-10, FA; a batch of 300 rather than 600, so that even a slow machine fits a few
 * steps in the budget) on synthetic data of that shape, timed for a fixed budget in
 * a training worker. It gives the floating-point speed the preset cards and the form estimate
 * with until real runs replace it; evaluations are not in it.
 */
import { parseRunConfig } from '../../src-shared/config'
import { estimateResources } from '../../src-shared/run-cost'
import { loadDataset } from '../data/load'
import { createSession } from '../engine/session'
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

/** The pool's calibration from its workers' (run side by side): the median worker's speed, the longest timing; null when every one failed. */
export function poolCalibration(results: (Calibration | null)[], workers: number): Calibration | null {
  const measured = results.filter((c): c is Calibration => c !== null).sort((a, b) => a.flopsPerSecond - b.flopsPerSecond)
  if (measured.length === 0) return null
  return { ...measured[Math.floor((measured.length - 1) / 2)], seconds: Math.max(...measured.map((c) => c.seconds)), workers }
}

/** Trains `calibrationConfig` for about `budgetMs` on this thread and returns its speed. */
export async function calibrate(budgetMs = calibrationBudgetMs): Promise<Calibration> {
  const backend = await initBackend(calibrationConfig.backend)
  const data = await loadDataset(calibrationConfig)
  const session = createSession(calibrationConfig, data)
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
    return { flopsPerSecond: (estimateResources(calibrationConfig).flopsPerStep * steps) / seconds, seconds, steps, backend, measuredAt: new Date().toISOString() }
  } finally {
    session.dispose()
  }
}
