import { describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { createDatasetCache } from '../../src-main/data/load'

const base: RunConfigInput = {
  seed: 1,
  data: { kind: 'synthetic', n: 20, inputDim: 5 },
  model: { kind: 'two-layer', hidden: 4 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  steps: 1,
}
const config = (change: Partial<RunConfigInput>) => parseRunConfig({ ...base, ...change })

describe('the dataset cache of a worker', () => {
  it('hands the same dataset to runs that differ only in what does not change the data', async () => {
    const load = createDatasetCache()
    const first = await load(config({}))
    expect(await load(config({ rule: 'bp', optimizer: { learningRate: 0.5 }, regularization: { outputL2: 0.3 } }))).toBe(first)
    expect(await load(config({}), { dataDir: undefined })).toBe(first)
  })

  it('loads again when the data, the seed, the outputs or the data folder differ', async () => {
    const load = createDatasetCache()
    const first = await load(config({}))
    const otherSeed = await load(config({ seed: 2 }))
    expect(otherSeed).not.toBe(first)
    expect(Array.from(otherSeed.train.x.slice(0, 5))).not.toEqual(Array.from(first.train.x.slice(0, 5)))
    expect(await load(config({ seed: 2, data: { kind: 'synthetic', n: 21, inputDim: 5 } }))).not.toBe(otherSeed)
    const wide = await load(config({ model: { kind: 'two-layer', hidden: 4, outputs: 2 } }))
    expect(wide.outputDim).toBe(2)
    expect(await load(config({ model: { kind: 'two-layer', hidden: 4, outputs: 2 } }), { dataDir: '/elsewhere' })).not.toBe(wide)
  })

  it('does not keep a failed load', async () => {
    const load = createDatasetCache()
    const missing = config({ data: { kind: 'mnist', source: { dir: '/nonexistent-fa-lab-data' } }, model: { kind: 'two-layer', hidden: 4, outputs: 10 }, loss: 'cross-entropy' })
    await expect(load(missing)).rejects.toThrow()
    await expect(load(missing)).rejects.toThrow()
    const synthetic = await load(config({}))
    expect(synthetic.train.n).toBe(20)
  })
})
