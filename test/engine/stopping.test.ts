import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { initBackend } from '../../src-main/engine/tf'
import { trainRecorded as run } from './record'

/** A small synthetic FA run with λ, so that cos(β, b) settles; checks coincide with evaluations. */
const small: RunConfigInput = {
  seed: 2,
  data: { kind: 'synthetic', n: 20, inputDim: 8, teacher: 'two-layer' },
  model: { kind: 'two-layer', hidden: 32, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.02 },
  regularization: { outputL2: 0.2 },
  steps: 20000,
  evalEvery: 100,
}


beforeAll(async () => {
  await initBackend('auto')
})

describe('stopping on the weight alignment', () => {
  it('stops at the first check where cos(β, b) moved less than alignmentTolerance', async () => {
    const stopping = { on: 'weightAlignment', minSteps: 200, checkEvery: 100, alignmentTolerance: 1e-3 } as const
    const { result, evaluations } = await run({ ...small, stopping })
    expect(result.stopReason).toBe('converged')
    expect(result.steps).toBeLessThan(small.steps)
    const checks = evaluations.filter((e) => e.step >= stopping.minSteps).map((e) => e.metrics.weightAlignment)
    const moves = checks.slice(1).map((a, i) => Math.abs(a - checks[i]))
    expect(moves.at(-1)).toBeLessThan(stopping.alignmentTolerance)
    expect(moves.slice(0, -1).every((m) => m >= stopping.alignmentTolerance)).toBe(true)
    // Watching the loss with the same numbers stops elsewhere: what is watched matters.
    const byLoss = await run({ ...small, stopping: { minSteps: 200, checkEvery: 100, lossTolerance: 1e-3 } })
    expect(byLoss.result.steps).not.toBe(result.steps)
  })

  it('needs the tolerance of the quantity it watches', () => {
    expect(() => parseRunConfig({ ...small, stopping: { on: 'weightAlignment', minSteps: 0, checkEvery: 100, lossTolerance: 1e-3 } })).toThrow(
      /stopping\.alignmentTolerance: needed to stop on weightAlignment/,
    )
    expect(() => parseRunConfig({ ...small, stopping: { minSteps: 0, checkEvery: 100 } })).toThrow(/stopping\.lossTolerance: needed to stop on loss/)
    expect(parseRunConfig({ ...small, stopping: { minSteps: 0, checkEvery: 100, lossTolerance: 1e-3 } }).stopping!.on).toBe('loss')
  })
})

describe('the song2021-dropout preset', () => {
  it('runs song2021-width’s protocol with relu, no L2, dropout × width, stopping on the alignment', async () => {
    const { readFileSync } = await import('node:fs')
    const { expandExperiment } = await import('../../src-shared/experiment')
    const read = (name: string) => JSON.parse(readFileSync(new URL(`../../resources/presets/${name}.json`, import.meta.url), 'utf8'))
    const dropout = read('song2021-dropout')
    const width = read('song2021-width')
    for (const version of ['quick', 'full'] as const) {
      const { runs } = expandExperiment(dropout[version])
      // the width preset's relu cells: its data and optimizer, with the teacher as wide as the network
      const protocol = expandExperiment(width[version], { maxRuns: 100_000 }).runs.find((r) => r.config.model.activation === 'relu')!.config
      expect(runs.length).toBe(version === 'quick' ? 12 : 60)
      const points = new Set(runs.map((r) => `${r.config.regularization.dropout}/${(r.config.model as { hidden: number }).hidden}`))
      expect(points.size).toBe(12)
      for (const { config } of runs) {
        expect(config.model).toMatchObject({ kind: 'two-layer', activation: 'relu' })
        expect([0, 0.1, 0.3, 0.5]).toContain(config.regularization.dropout)
        expect([200, 800, 3200]).toContain((config.model as { hidden: number }).hidden)
        expect(config.regularization.outputL2).toBe(0)
        expect(config.stopping?.on).toBe('weightAlignment')
        expect(config.data).toEqual({ ...protocol.data, teacherWidth: (config.model as { hidden: number }).hidden })
        expect(config.optimizer).toEqual(protocol.optimizer)
      }
    }
    expect(dropout.full.base.stopping).toMatchObject({ checkEvery: 1000, alignmentTolerance: 1e-4 })
  })
})
