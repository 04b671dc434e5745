import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { initBackend, tf } from '../../src-main/engine/tf'
import { createSession } from '../../src-main/engine/session'
import { train } from '../../src-main/engine/train'
import { trainRecorded as run } from './record'

/** The synthetic example config (Song et al.'s Gaussian setting), as shipped in resources/examples, with overrides. */
const syntheticExample = JSON.parse(readFileSync(new URL('../../resources/examples/song2021-synthetic.json', import.meta.url), 'utf8')) as RunConfigInput
function songConfig(overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return { ...syntheticExample, ...overrides }
}


beforeAll(async () => {
  await initBackend('auto')
})

describe('training', () => {
  it('evaluates at step 0, every evalEvery steps and at the last step', async () => {
    const { result, evaluations } = await run(songConfig({ steps: 25, evalEvery: 10 }))
    expect(evaluations.map((e) => e.step)).toEqual([0, 10, 20, 25])
    expect(result.status).toBe('completed')
    expect(result.steps).toBe(25)
    expect(result.final).toEqual(evaluations[3].metrics)
    expect(['tensorflow', 'blas', 'wasm', 'cpu']).toContain(result.backend)
    for (const name of ['trainLoss', 'weightAlignment', 'signalAlignment', 'gradientAlignment.1', 'gradientAlignment.2', 'norm.W1', 'norm.W2', 'norm.B1', 'disentangledAlignment'])
      expect(result.final[name], name).toBeTypeOf('number')
  })

  it('names measures per layer on deeper nets and reports test metrics when there is a test set', async () => {
    const { result } = await run({
      seed: 2,
      data: { kind: 'synthetic', n: 40, inputDim: 10, teacher: 'linear', testN: 20 },
      model: { kind: 'mlp', hidden: [8, 6], outputs: 2, activation: 'tanh' },
      rule: 'dfa',
      optimizer: { learningRate: 0.05, batchSize: 10, momentum: 0.9 },
      regularization: { weightDecay: 1e-4, dropout: 0.1 },
      steps: 20,
      evalEvery: 10,
    })
    for (const name of ['weightAlignment.1', 'weightAlignment.2', 'signalAlignment.1', 'signalAlignment.2', 'gradientAlignment.3', 'testLoss', 'norm.B2'])
      expect(result.final[name], name).toBeTypeOf('number')
    expect(result.final.weightAlignment).toBeUndefined()
  })

  it('same seed gives identical curves; another seed differs', async () => {
    const config = songConfig({ steps: 60, evalEvery: 20, optimizer: { learningRate: 0.01, batchSize: 10, momentum: 0.5 }, regularization: { outputL2: 0.1, dropout: 0.2 } })
    const a = await run(config)
    const b = await run(config)
    const c = await run({ ...config, seed: 2 })
    expect(b.evaluations.map((e) => e.metrics)).toEqual(a.evaluations.map((e) => e.metrics))
    expect(c.evaluations[3].metrics.trainLoss).not.toEqual(a.evaluations[3].metrics.trainLoss)
  })

  it('a NaN loss ends the run as diverged at that step with a clear message', async () => {
    const { result, evaluations } = await run(songConfig({ rule: 'bp', optimizer: { learningRate: 50 }, steps: 1000, evalEvery: 1000 }))
    expect(result.status).toBe('diverged')
    expect(result.steps).toBeLessThan(1000)
    expect(result.message).toMatch(new RegExp(`training loss became (NaN|Infinity) at step ${result.steps} \\(learning rate 50\\)`))
    expect(evaluations).toHaveLength(1)
  })

  it('cancels between steps when asked', async () => {
    const config = parseRunConfig(songConfig({ steps: 1000 }))
    let polls = 0
    const result = await train(config, await loadDataset(config), { shouldStop: () => ++polls > 5 })
    expect(result.status).toBe('cancelled')
    expect(result.steps).toBe(5)
  })

  it('frees its tensors: numTensors is flat across 100 steps and evaluations', async () => {
    const config = parseRunConfig(
      songConfig({ optimizer: { learningRate: 0.01, batchSize: 10, momentum: 0.9 }, regularization: { outputL2: 0.1, weightDecay: 1e-3, dropout: 0.1 }, rule: 'sign', feedbackMagnitude: 'random' }),
    )
    const before = tf.memory().numTensors
    const session = createSession(config, await loadDataset(config))
    session.step()
    session.evaluate()
    const afterFirst = tf.memory().numTensors
    for (let i = 0; i < 100; i++) session.step()
    session.evaluate()
    expect(tf.memory().numTensors).toBe(afterFirst)
    session.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('science smoke test (Song, Xu & Lafferty 2021)', () => {
  it('regularising β (λ = 0.2) ends with clearly higher cos(β, b) than λ = 0, over three seeds', async () => {
    const finals = async (outputL2: number) =>
      Promise.all([1, 2, 3].map(async (seed) => (await run(songConfig({ seed, steps: 1500, evalEvery: 1500, regularization: { outputL2 } }))).result.final))
    const regularised = await finals(0.2)
    const plain = await finals(0)
    for (let i = 0; i < 3; i++) {
      expect(regularised[i].weightAlignment).toBeGreaterThan(plain[i].weightAlignment + 0.2)
      expect(regularised[i].weightAlignment).toBeGreaterThan(0.4)
    }
  })

  it('BP on the same data drives the training loss down by orders of magnitude', async () => {
    const { evaluations } = await run(songConfig({ rule: 'bp', regularization: { outputL2: 0 }, steps: 1500, evalEvery: 1500 }))
    const first = evaluations[0].metrics.trainLoss
    const last = evaluations.at(-1)!.metrics.trainLoss
    expect(last).toBeLessThan(first * 1e-3)
  })
})
