/**
 * The bench's stop-length sample (scripts/bench/stop-lengths.ts): runs of the song2021-width preset
 * trained to the authors' stop, each cell's steps ÷ minSteps carried to its wider runs.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { cellKey, observedSteps, sampleStopLengths } from '../../scripts/bench/stop-lengths'
import { expandExperiment, type ExpandedRun } from '../../src-shared/experiment'
import { createSyntheticDataset } from '../../src-main/data/synthetic'
import { initBackend } from '../../src-main/engine/tf'
import { train } from '../../src-main/engine/train'
import { findPreset } from '../../src-main/services/presets'

let runs: ExpandedRun[]
beforeAll(async () => {
  await initBackend('blas')
  runs = expandExperiment((await findPreset('song2021-width', true)).experiment).runs
})

const cell = (activation: string, lambda: number) => runs.filter((r) => r.config.model.activation === activation && r.config.regularization.outputL2 === lambda)

describe('stop lengths', () => {
  it('keys a cell apart from its seed, name and width', () => {
    const linear = cell('linear', 0.2)
    expect(new Set(linear.map((r) => cellKey(r.config))).size).toBe(1)
    expect(cellKey(linear[0].config)).not.toBe(cellKey(cell('linear', 0.3)[0].config))
    expect(cellKey(linear[0].config)).not.toBe(cellKey(cell('relu', 0.2)[0].config))
  })

  it("carries a sampled cell's steps ÷ minSteps to its wider runs, and leaves unsampled cells at their limit", async () => {
    // linear λ = 0.2 settles well after minSteps (about 5× at p = 200); relu λ = 0 stops at minSteps
    const sampled = [...cell('linear', 0.2), ...cell('relu', 0)]
    const lengths = await sampleStopLengths(sampled, 1, 1, () => {})
    expect(lengths.widths).toEqual([200])
    expect(lengths.seeds).toEqual([1])
    expect(lengths.runs).toBe(2)

    // the ratio is the real loop's: the same run trained again stops at ratio × minSteps
    const narrow = cell('linear', 0.2).find((r) => r.config.model.hidden === 200 && r.config.seed === 1)!.config
    if (narrow.data.kind !== 'synthetic') throw new Error('synthetic preset')
    const again = await train(narrow, createSyntheticDataset(narrow.data, narrow.model.outputs, narrow.seed))
    const ratio = lengths.ratios.get(cellKey(narrow))!
    expect(again.stopReason).toBe('converged')
    expect(ratio * narrow.stopping!.minSteps).toBeCloseTo(again.steps, 6)
    expect(ratio).toBeGreaterThan(2)

    const wide = cell('linear', 0.2).find((r) => r.config.model.hidden === 12800)!.config
    expect(observedSteps(wide, lengths)).toBe(Math.min(wide.steps, Math.round(ratio * wide.stopping!.minSteps)))
    const relu = cell('relu', 0).find((r) => r.config.model.hidden === 12800)!.config
    expect(observedSteps(relu, lengths)).toBe(relu.stopping!.minSteps)
    const unsampled = cell('tanh', 0)[0].config
    expect(observedSteps(unsampled, lengths)).toBe(unsampled.steps)
  })
})
