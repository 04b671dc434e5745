/**
 * Runs under a convergence stop are estimated at a realistic length, not at their step limit:
 * song2021-width's quick preset has a limit of 20·minSteps, which its runs never reach.
 */
import { describe, expect, it } from 'vitest'
import { createProgressEstimator } from '../../src-main/estimates/eta'
import { convergenceStepsPrior, estimateExperiment, expectedSteps, remainingSteps, runShape } from '../../src-main/estimates/time'
import { findPreset } from '../../src-main/services/presets'
import { parseRunConfig } from '../../src-shared/config'
import { expandExperiment } from '../../src-shared/experiment'
import { estimateResources } from '../../src-shared/run-cost'

const speed = { flopsPerSecond: 1e9, source: 'calibration' as const }

describe('estimates under a convergence stop', () => {
  it('song2021-width quick: each run at minSteps · the prior, not at its 20·minSteps limit', async () => {
    const preset = await findPreset('song2021-width')
    const configs = expandExperiment(preset.experiment).runs.map((r) => r.config)
    expect(configs).toHaveLength(256)
    // by hand: on one worker the runs' times add up
    let seconds = 0
    let atLimit = 0
    for (const c of configs) {
      const { flopsPerStep, flopsPerEvaluation } = estimateResources(c)
      expect(c.steps).toBe(20 * c.stopping!.minSteps)
      const steps = Math.round(c.stopping!.minSteps * convergenceStepsPrior)
      // its steps and its evaluations: at step 0, every evalEvery steps, and at the last
      seconds += (steps * flopsPerStep + (1 + Math.ceil(steps / c.evalEvery)) * flopsPerEvaluation) / 1e9
      atLimit += (c.steps * flopsPerStep + (1 + Math.ceil(c.steps / c.evalEvery)) * flopsPerEvaluation) / 1e9
    }
    const estimate = estimateExperiment(configs, 1, speed as never)
    expect(estimate.total).toBeCloseTo(seconds, 6)
    // a tenth of what the step limit gave (the quick preset's ~18 h on the cards)
    expect(estimate.total / atLimit).toBeCloseTo(convergenceStepsPrior / 20, 2)
  })

  it('a run without a stop is estimated at its steps; a prior never goes below minSteps or above the limit', () => {
    const base = { data: { kind: 'synthetic', n: 20, inputDim: 5 }, model: { kind: 'two-layer', hidden: 8 }, rule: 'fa', optimizer: { learningRate: 0.01, batchSize: 10 }, steps: 5000 }
    expect(runShape(parseRunConfig(base)).expectedSteps).toBe(5000)
    const stopped = runShape(parseRunConfig({ ...base, stopping: { minSteps: 1000, checkEvery: 100, lossTolerance: 1e-3 } }))
    expect(stopped.expectedSteps).toBe(1000 * convergenceStepsPrior)
    expect(expectedSteps(stopped, 0.5)).toBe(1000)
    expect(expectedSteps(stopped, 50)).toBe(5000)
    // past its expected length a run still training has at most a check's worth left, never none
    expect(remainingSteps(stopped, 1500)).toBe(500)
    expect(remainingSteps(stopped, 2500)).toBe(100)
    expect(remainingSteps(stopped, 4950)).toBe(50)
  })

  it('the live ETA learns each cell’s length from its runs that ended, and not from a cancelled one', () => {
    let clock = 0
    const eta = createProgressEstimator(1, { now: () => clock })
    const stop = { minSteps: 1000, checkEvery: 100 }
    // two cells (a, b) of 20,000-step limits; 1e6 FLOP a step at the lab's 1e9 FLOP/s: 1 ms a step
    const run = (runId: number, cell: string) => ({ runId, experimentId: 1, totalSteps: 20_000, expectedSteps: 1000 * convergenceStepsPrior, stop, cell, flopsPerStep: 1e6 })
    const withLab = createProgressEstimator(1, { now: () => clock, labSpeed: () => 1e9 })
    for (const e of [eta, withLab]) e.start()
    withLab.add(run(1, 'a'))
    withLab.add(run(2, 'a'))
    withLab.add(run(3, 'b'))
    withLab.add(run(4, 'b'))
    // before any run ends: four runs at the prior, 2,000 steps each
    expect(withLab.etaMs(1)).toBeCloseTo(4 * 2000, 6)
    withLab.started(1, 0)
    withLab.finished(1, 6000, true)
    // run 2 is of run 1's cell: 6,000 steps; runs 3 and 4 keep the prior
    expect(withLab.etaMs(1)).toBeCloseTo(6000 + 2 * 2000, 6)
    withLab.started(3, 0)
    withLab.finished(3, 500, false) // cancelled early: teaches nothing
    expect(withLab.etaMs(1)).toBeCloseTo(6000 + 2000, 6)
    withLab.started(2, 0)
    clock = 10
    withLab.progress(2, 10)
    clock = 1010
    withLab.progress(2, 1010)
    // run 2 at its own measured 1 step/ms with 4,990 of its cell's 6,000 steps left, then run 4's 2,000
    expect(withLab.etaMs(1)).toBeCloseTo(4990 + 2000, 6)
  })
})
