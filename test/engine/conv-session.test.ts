import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { createConvSession } from '../../src-main/engine/conv-session'
import { initBackend, tf } from '../../src-main/engine/tf'
import { train } from '../../src-main/engine/train'

beforeAll(async () => {
  await initBackend('auto')
})

/** A small LeNet-shaped net on a slice of the bundled digits: seconds, not minutes. */
const small: RunConfigInput = {
  seed: 3,
  data: { kind: 'mnist', trainSize: 400, testSize: 200 },
  model: {
    kind: 'conv',
    features: [
      { kind: 'conv', channels: 4, kernel: 5, padding: 2 },
      { kind: 'maxPool', size: 2 },
      { kind: 'conv', channels: 6, kernel: 5 },
      { kind: 'maxPool', size: 2 },
    ],
    hidden: [16],
    outputs: 10,
    activation: 'tanh',
    init: 'glorot',
  },
  rule: 'fa',
  loss: 'cross-entropy',
  optimizer: { learningRate: 0.01, batchSize: 32, momentum: 0.9 },
  steps: 40,
  evalEvery: 20,
  evalSamples: 64,
}

describe('conv training session', () => {
  it('trains FA through the ordinary loop and logs every alignment per layer, conv layers included', async () => {
    const config = parseRunConfig(small)
    const losses: number[] = []
    const result = await train(config, await loadDataset(config), { keepArtifacts: true, onEvaluation: (e) => void losses.push(e.metrics.trainLoss) })
    expect(result.status).toBe('completed')
    const names = Object.keys(result.final)
    // weight layers: conv, conv, dense 96→16, dense 16→10; hidden layers 1..3
    for (const name of ['weightAlignment.1', 'weightAlignment.2', 'weightAlignment.3', 'signalAlignment.1', 'signalAlignment.2', 'signalAlignment.3', 'gradientAlignment.1', 'gradientAlignment.4', 'norm.W1', 'norm.B1', 'testAccuracy'])
      expect(names, name).toContain(name)
    expect(losses.at(-1)).toBeLessThan(losses[0])
    // the first layer's kernels and their start are kept for the run page: [5, 5, 1, 4]
    const W1 = result.artifacts!.find((a) => a.name === 'W1')!
    expect(W1.shape).toEqual([5, 5, 1, 4])
    expect(result.artifacts!.find((a) => a.name === 'W1.init')!.shape).toEqual([5, 5, 1, 4])
    expect(result.artifacts!.find((a) => a.name === 'B1')!.shape).toEqual([5, 5, 4, 6])
  })

  it('BP’s signal and gradient alignments are 1 on every layer', async () => {
    const config = parseRunConfig({ ...small, rule: 'bp', steps: 2 })
    const { final } = await train(config, await loadDataset(config))
    for (const l of [1, 2, 3]) expect(final[`signalAlignment.${l}`]).toBeCloseTo(1, 5)
    for (const l of [1, 2, 3, 4]) expect(final[`gradientAlignment.${l}`]).toBeCloseTo(1, 5)
  })

  it('DFA logs no weight alignment where a convolution lies above the layer (no forward matrix there), and W₃W₄ against B where only dense layers do', async () => {
    const config = parseRunConfig({ ...small, rule: 'dfa', steps: 2 })
    const { final } = await train(config, await loadDataset(config))
    expect(final['weightAlignment.1']).toBeUndefined()
    expect(final['weightAlignment.2']).toBeTypeOf('number')
    expect(final['signalAlignment.1']).toBeTypeOf('number')
  })

  it('keeps the tensor count flat across steps and evaluations', async () => {
    const config = parseRunConfig({ ...small, rule: 'kp' })
    const session = createConvSession(config, await loadDataset(config))
    session.step()
    session.evaluate()
    const before = tf.memory().numTensors
    for (let i = 0; i < 3; i++) session.step()
    session.evaluate()
    expect(tf.memory().numTensors).toBe(before)
    session.dispose()
  })

  it('resumes from saved state to the same weights as an uninterrupted run', async () => {
    const config = parseRunConfig({ ...small, rule: 'sign', feedbackMagnitude: 'batchwise' })
    const data = await loadDataset(config)
    const straight = createConvSession(config, data)
    for (let i = 0; i < 8; i++) straight.step()
    const first = createConvSession(config, data)
    for (let i = 0; i < 4; i++) first.step()
    const state = first.saveState()
    first.dispose()
    const resumed = createConvSession(config, data, { resume: state })
    for (let i = 0; i < 4; i++) resumed.step()
    const weights = (s: typeof straight) => s.snapshot().filter((a) => /^[Wb]\d+$/.test(a.name)).map((a) => Array.from(a.values))
    expect(weights(resumed)).toEqual(weights(straight))
    straight.dispose()
    resumed.dispose()
  })
})
