import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { initBackend } from '../../src-main/engine/tf'
import { train } from '../../src-main/engine/train'
import { createRng } from '../../src-main/lib/random'
import { weightImages } from '../../src-main/services/summaries'

describe('weight change since initialisation (run detail’s W − W₀)', () => {
  beforeAll(() => initBackend('auto'))

  it('an MNIST run keeps W1 at step 0, and the change shown is W1 minus the weights its seed draws', async () => {
    const hidden = 6
    const config = parseRunConfig({ seed: 11, data: { kind: 'mnist', trainSize: 200, testSize: 50 }, model: { kind: 'two-layer', hidden, outputs: 10 }, rule: 'fa', loss: 'cross-entropy', optimizer: { learningRate: 0.5, batchSize: 50 }, steps: 8, evalEvery: 4 })
    const result = await train(config, await loadDataset(config), { keepArtifacts: true })
    const W1 = result.artifacts!.find((a) => a.name === 'W1')!
    const W1init = result.artifacts!.find((a) => a.name === 'W1.init')!
    expect(W1init.shape).toEqual([784, hidden])
    // independently: the two-layer net's first layer is N(0, 1) from the seed's stream `weights.1`, [784, hidden] row-major
    const drawn = createRng(config.seed, 'weights.1').normalArray(784 * hidden, 1)
    expect(Array.from(W1init.values)).toEqual(Array.from(Float32Array.from(drawn)))
    const images = weightImages(1, W1, 4, W1init)!
    expect(images.change).toHaveLength(4)
    let moved = 0
    for (let u = 0; u < 4; u++) {
      for (let i = 0; i < 784; i++) {
        const expected = W1.values[i * hidden + u] - Math.fround(drawn[i * hidden + u])
        expect(images.change![u][i]).toBe(expected)
        if (expected !== 0) moved++
      }
    }
    // the run learned: the first layer moved
    expect(moved).toBeGreaterThan(4 * 784 * 0.2)
    // a run from before the lab kept W1.init has no change to show
    expect(weightImages(1, W1, 4)!.change).toBeNull()
    expect(() => weightImages(1, W1, 4, { ...W1init, shape: [784, hidden + 1] })).toThrow(/initial first-layer weights are damaged/)
  })

  it('synthetic runs keep no initial weights (they have no images)', async () => {
    const config = parseRunConfig({ seed: 1, data: { kind: 'synthetic', n: 20, inputDim: 5 }, model: { kind: 'two-layer', hidden: 4 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 2, evalEvery: 1 })
    const result = await train(config, await loadDataset(config), { keepArtifacts: true })
    expect(result.artifacts!.map((a) => a.name)).not.toContain('W1.init')
  })
})
