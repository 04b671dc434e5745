import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { initBackend } from '../../src-main/engine/tf'
import { trainRecorded as run } from './record'

const tiny: RunConfigInput = {
  seed: 3,
  data: { kind: 'synthetic', n: 20, inputDim: 5, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 16, activation: 'linear', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.05 },
  steps: 4000,
  evalEvery: 50,
}


beforeAll(async () => {
  await initBackend('auto')
})

describe('convergence stop', () => {
  it('a run whose loss plateaus stops at the first check where it moved less than the tolerance, and logs its measures there', async () => {
    const stopping = { minSteps: 100, checkEvery: 50, lossTolerance: 1e-3 }
    const { result, evaluations } = await run({ ...tiny, stopping })
    expect(result.status).toBe('completed')
    expect(result.stopReason).toBe('converged')
    expect(result.steps).toBeLessThan(tiny.steps)
    expect((result.steps - stopping.minSteps) % stopping.checkEvery).toBe(0)
    const last = evaluations.at(-1)!
    expect(last.step).toBe(result.steps)
    expect(result.final).toEqual(last.metrics)
    // evaluations fall on every check here (evalEvery = checkEvery), so the rule can be checked from them
    const checks = evaluations.filter((e) => e.step >= stopping.minSteps).map((e) => e.metrics.trainLoss)
    const moves = checks.slice(1).map((loss, i) => Math.abs(loss - checks[i]))
    expect(moves.at(-1)).toBeLessThan(stopping.lossTolerance)
    expect(moves.slice(0, -1).every((m) => m >= stopping.lossTolerance)).toBe(true)
  })

  it('a run whose loss keeps moving more than the tolerance runs to steps', async () => {
    const { result, evaluations } = await run({ ...tiny, steps: 300, stopping: { minSteps: 100, checkEvery: 50, lossTolerance: 1e-12 } })
    expect(result).toMatchObject({ status: 'completed', stopReason: 'step-limit', steps: 300 })
    expect(evaluations.at(-1)!.step).toBe(300)
  })

  it('refuses minSteps above steps', () => {
    expect(() => parseRunConfig({ ...tiny, steps: 10, stopping: { minSteps: 20, checkEvery: 5, lossTolerance: 1e-3 } })).toThrow(/stopping\.minSteps: must not exceed steps/)
  })
})

describe('regularisation schedules', () => {
  const short = { ...tiny, steps: 20, evalEvery: 5 }
  it('a number and a constant schedule train identically; λ_t is logged as outputL2', async () => {
    const a = await run({ ...short, regularization: { outputL2: 0.3 } })
    const b = await run({ ...short, regularization: { outputL2: { kind: 'constant', value: 0.3 } } })
    expect(b.evaluations).toEqual(a.evaluations.map((e) => ({ ...e, wallTimeMs: expect.any(Number) })))
    expect(a.evaluations.map((e) => e.metrics.outputL2)).toEqual([0.3, 0.3, 0.3, 0.3, 0.3])
  })

  it('exponential decay logs initial·e^(−rate·t) and changes the updates', async () => {
    const exp = await run({ ...short, regularization: { outputL2: { kind: 'exp', initial: 0.5, rate: 0.1 } } })
    exp.evaluations.forEach((e) => expect(e.metrics.outputL2).toBeCloseTo(0.5 * Math.exp(-0.1 * e.step), 12))
    const constant = await run({ ...short, regularization: { outputL2: 0.5 } })
    expect(exp.result.final['norm.W2']).toBeGreaterThan(constant.result.final['norm.W2'])
  })

  it('a cutoff trains as the constant λ until untilStep, then as λ = 0', async () => {
    const cutoff = await run({ ...short, regularization: { outputL2: { kind: 'cutoff', value: 0.5, untilStep: 10 } } })
    const constant = await run({ ...short, regularization: { outputL2: 0.5 } })
    const at = (r: typeof cutoff, step: number) => r.evaluations.find((e) => e.step === step)!.metrics
    // Same parameters at step 10; outputL2 and the one-step check read the λ in force from there on.
    expect({ ...at(cutoff, 10), outputL2: 0, oneStepError: 0 }).toEqual({ ...at(constant, 10), outputL2: 0, oneStepError: 0 })
    expect(at(cutoff, 10).outputL2).toBe(0)
    expect(at(cutoff, 5).outputL2).toBe(0.5)
    expect(at(cutoff, 20)['norm.W2']).not.toEqual(at(constant, 20)['norm.W2'])
  })
})
