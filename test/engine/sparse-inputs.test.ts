/**
 * Sparse inputs (engine/sparse-inputs.ts): the background-plus-sparse form of a split, and the fused
 * evaluator that uses it for the first layer's products, against the dense reference evaluator on
 * the real bundled MNIST digits (whose normalised zero pixels are the background).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import type { Dataset } from '../../src-main/data/dataset'
import { loadDataset } from '../../src-main/data/load'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import type { Metrics } from '../../src-main/engine/evaluation'
import { createSession } from '../../src-main/engine/session'
import { sparseRowSlice, sparseRowsOf, transposeSparse, type SparseRows } from '../../src-main/engine/sparse-inputs'
import { createSparseBatcher } from '../../src-main/engine/step-paths'
import { initBackend, tf } from '../../src-main/engine/tf'
import { createRng } from '../../src-main/lib/random'

/** The dense matrix a sparse form stands for. */
function densify(s: SparseRows): Float64Array {
  const out = new Float64Array(s.rows * s.cols).fill(s.background)
  for (let i = 0; i < s.rows; i++) for (let p = s.offsets[i]; p < s.offsets[i + 1]; p++) out[i * s.cols + s.indices[p]] = s.background + s.values[p]
  return out
}

describe('sparseRowsOf', () => {
  it('finds the background by hand: x = c·1 + S, S holding x − c where x ≠ c', () => {
    const c = -0.5
    const x = Float32Array.from([c, 2, c, c, /**/ c, c, c, c, /**/ 1, c, c, 3, /**/ c, c, Number.NaN, c])
    const s = sparseRowsOf(x, 4, 4, 0.5)!
    expect(s.background).toBe(c)
    expect(Array.from(s.offsets)).toEqual([0, 1, 1, 3, 4])
    expect(Array.from(s.indices)).toEqual([1, 0, 3, 2])
    expect(Array.from(s.values)).toEqual([2.5, 1.5, 3.5, Number.NaN])
    expect(Array.from(densify(s))).toEqual(Array.from(x))
    // rows 1..2 alone, offsets kept absolute into the shared arrays
    const slice = sparseRowSlice(s, 1, 2)
    expect([slice.rows, slice.indices, slice.values]).toEqual([2, s.indices, s.values])
    expect(Array.from(slice.offsets)).toEqual([1, 1, 3])
  })

  it('its transpose holds the same entries, column by column', () => {
    const rng = createRng(2, 'sparse transpose')
    const rows = 9
    const cols = 7
    const x = Float32Array.from({ length: rows * cols }, () => (rng.uniform() < 0.3 ? rng.normal() : 0.25))
    const s = sparseRowsOf(x, rows, cols, 0.5)!
    const t = transposeSparse(s)
    expect([t.rows, t.cols, t.background]).toEqual([cols, rows, 0.25])
    const dense = densify(s)
    const transposed = densify(t)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expect(transposed[j * rows + i]).toBe(dense[i * cols + j])
  })

  it('transposes a row slice as the rows it holds', () => {
    const x = Float32Array.from([0, 2, 0, /**/ 3, 0, 0, /**/ 0, 4, 5, /**/ 0, 0, 6])
    const s = sparseRowsOf(x, 4, 3, 0.6)!
    const t = transposeSparse(sparseRowSlice(s, 1, 2))
    expect([t.rows, t.cols]).toEqual([3, 2])
    expect(Array.from(densify(t))).toEqual([3, 0, /**/ 0, 4, /**/ 0, 5])
  })

  it('samples every column for the background, also when the sampling step is a multiple of the row length', () => {
    // 4,096 rows of 4: a step of len / 4096 = 4 would read column 0 only, which is all 5s
    const x = new Float32Array(4096 * 4)
    for (let i = 0; i < 4096; i++) x[i * 4] = 5
    const s = sparseRowsOf(x, 4096, 4)!
    expect(s.background).toBe(0)
    expect(s.values.length).toBe(4096)
  })

  it('declines inputs without a dominant value, or with too many entries off it', () => {
    const rng = createRng(3, 'dense inputs')
    expect(sparseRowsOf(Float32Array.from({ length: 4000 }, () => rng.normal()), 40, 100)).toBeNull()
    const x = Float32Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 0 : i))
    expect(sparseRowsOf(x, 10, 10, 0.35)).toBeNull()
    expect(sparseRowsOf(x, 10, 10, 0.5)).not.toBeNull()
    expect(sparseRowsOf(new Float32Array(0), 0, 10)).toBeNull()
    expect(sparseRowsOf(Float32Array.from({ length: 20 }, () => Number.NaN), 2, 10)).toBeNull()
  })
})

let mnist: Dataset
let mnistRaw: Dataset

const base = {
  seed: 4,
  model: { kind: 'two-layer', hidden: 50, activation: 'relu', outputs: 10 },
  rule: 'fa',
  loss: 'cross-entropy',
  optimizer: { learningRate: 0.05, batchSize: 100 },
  steps: 5,
  evalSamples: 300,
} satisfies Omit<RunConfigInput, 'data'>

/** The first `train` training and `test` test digits of a dataset. */
function subset(data: Dataset, train: number, test: number): Dataset {
  const d = data.inputDim
  const take = (s: Dataset['train'], n: number) => ({ n, x: s.x.subarray(0, n * d), labels: s.labels!.subarray(0, n) })
  return { ...data, train: take(data.train, train), test: take(data.test!, test) }
}

function compareMetrics(fast: Metrics, reference: Metrics, label: string, tolerance: number): void {
  expect(Object.keys(fast).sort(), label).toEqual(Object.keys(reference).sort())
  for (const [name, b] of Object.entries(reference))
    expect(Math.abs(fast[name] - b), `${label}: ${name}: ${fast[name]} vs ${b}`).toBeLessThan(tolerance * Math.max(1, Math.abs(b)))
}

beforeAll(async () => {
  expect(loadBlas(), `the BLAS addon must be built here: ${blasUnavailableReason()}`).not.toBeNull()
  await initBackend('blas')
  const config = (normalize: string) => parseRunConfig({ ...base, data: { kind: 'mnist', source: 'bundled', normalize } })
  mnist = await loadDataset(config('standard'))
  mnistRaw = await loadDataset(config('none'))
}, 60_000)
afterAll(async () => {
  await initBackend('auto')
})

describe('normalised MNIST digits', () => {
  it('are four fifths background: the normalised zero pixel', () => {
    const s = sparseRowsOf(mnist.test!.x, mnist.test!.n, 784)!
    expect(s.background).toBe(Math.fround((0 - 0.1307) / 0.3081))
    const density = s.values.length / (mnist.test!.n * 784)
    expect(density).toBeGreaterThan(0.15)
    expect(density).toBeLessThan(0.25)
    // each stored entry is the pixel less the background, to float32 rounding
    const dense = densify(s)
    let worst = 0
    for (let i = 0; i < dense.length; i++) worst = Math.max(worst, Math.abs(dense[i] - mnist.test!.x[i]))
    expect(worst).toBeLessThan(1e-6)
  })
})

describe('a batch of sparse rows (step-paths.ts’s batcher, the addon’s sparseGather)', () => {
  /** The batch as sparse-inputs.ts defines it: the picked rows' entries, and transposeSparse of them. */
  function expected(all: SparseRows, rows: number[]): { rows: SparseRows; columns: SparseRows } {
    const offsets = new Int32Array(rows.length + 1)
    const indices: number[] = []
    const values: number[] = []
    rows.forEach((row, i) => {
      for (let p = all.offsets[row]; p < all.offsets[row + 1]; p++) indices.push(all.indices[p]), values.push(all.values[p])
      offsets[i + 1] = indices.length
    })
    const batch = { rows: rows.length, cols: all.cols, background: all.background, offsets, indices: Int32Array.from(indices), values: Float32Array.from(values) }
    return { rows: batch, columns: transposeSparse(batch) }
  }
  const used = (s: SparseRows) => ({
    offsets: Array.from(s.offsets.subarray(0, s.rows + 1)),
    indices: Array.from(s.indices.subarray(0, s.offsets[s.rows])),
    values: Array.from(s.values.subarray(0, s.offsets[s.rows])),
  })

  it('holds the picked rows and their transpose, entry for entry, as batches grow and shrink', () => {
    const all = sparseRowsOf(mnist.train.x, mnist.train.n, 784)!
    const batcher = createSparseBatcher(all, loadBlas()!)
    const order = createRng(5, 'batch order').permutation(mnist.train.n)
    for (const [start, count, ordered] of [[0, 10, true], [40, 600, true], [3, 7, false], [1000, 600, false], [9999, 1, true]] as const) {
      const got = batcher.gather(ordered ? order : null, start, count)
      const want = expected(all, Array.from({ length: count }, (_, i) => (ordered ? order[start + i] : start + i)))
      expect([got.rows.rows, got.rows.cols, got.columns.rows, got.columns.cols]).toEqual([count, 784, 784, count])
      expect(used(got.rows), `rows ${start}+${count}`).toEqual(used(want.rows))
      expect(used(got.columns), `columns ${start}+${count}`).toEqual(used(want.columns))
    }
  })

  it('refuses rows or columns outside the matrix before writing anything', () => {
    const blas = loadBlas()!
    const offsets = Int32Array.from([0, 2, 3])
    const indices = Int32Array.from([0, 3, 1])
    const values = Float32Array.from([1, 2, 3])
    const out = () => [Int32Array.from([9, 9, 9]), new Int32Array(3).fill(9), new Float32Array(3).fill(9), new Int32Array(5).fill(9), new Int32Array(3).fill(9), new Float32Array(3).fill(9)] as const
    const gather = (order: Int32Array | null, start: number, count: number, cols: number, o = out()) => {
      blas.sparseGather(offsets, indices, values, cols, order, start, count, ...o)
      return o
    }
    expect(() => gather(Int32Array.from([0, 2]), 0, 2, 4)).toThrow(RangeError)
    expect(() => gather(Int32Array.from([1, -1]), 0, 2, 4)).toThrow(RangeError)
    expect(() => gather(null, 1, 2, 4)).toThrow(RangeError)
    expect(() => gather(Int32Array.from([0]), 0, 2, 4)).toThrow(RangeError)
    const o = out()
    expect(() => gather(Int32Array.from([1, 0]), 0, 2, 3, o)).toThrow(/column index is out of range/)
    expect(o.map((a) => Array.from(a))).toEqual(out().map((a) => Array.from(a)))
    // the same call with the columns inside: row 1, then row 0
    const ok = gather(Int32Array.from([1, 0]), 0, 2, 4)
    expect(ok.map((a) => Array.from(a))).toEqual([[0, 1, 3], [1, 0, 3], [3, 1, 2], [0, 1, 2, 2, 3], [1, 0, 1], [1, 3, 2]])
  })
})

describe('the fused evaluator on sparse inputs', () => {
  const cases: [string, Omit<RunConfigInput, 'data'>][] = [
    ['two-layer relu FA, mini-batch', { ...base }],
    ['two-layer tanh DFA, biases', { ...base, model: { kind: 'mlp', hidden: [40], activation: 'tanh', outputs: 10, bias: true, init: 'he' }, rule: 'dfa' }],
    ['deep relu BP, biases', { ...base, model: { kind: 'mlp', hidden: [40, 30], activation: 'relu', outputs: 10, bias: true, init: 'he' }, rule: 'bp' }],
    ['deep relu sign, full batch', { ...base, model: { kind: 'mlp', hidden: [40, 30], activation: 'relu', outputs: 10, bias: false, init: 'he' }, rule: 'sign', optimizer: { learningRate: 0.05, batchSize: 0 } }],
    ['two-layer relu KP, mse', { ...base, rule: 'kp', loss: 'mse' }],
  ]
  const data = () => subset(mnist, 600, 700)
  for (const [label, input] of cases)
    it(`measures what the dense reference measures: ${label}`, () => {
      const config = parseRunConfig({ ...input, data: { kind: 'mnist', source: 'bundled', normalize: 'standard' } })
      const fast = createSession(config, data())
      const dense = createSession(config, data(), { sparseInputs: false })
      const reference = createSession(config, data(), { fused: false })
      try {
        // the fit split is the whole training set in a full-batch run and the probe otherwise: sparse either way
        expect(fast.sparseInputs).toEqual(['fit', 'probe', 'test'])
        expect(dense.sparseInputs).toEqual([])
        expect(reference.sparseInputs).toEqual([])
        // 5e-5: float32 cosines of two nearly equal vectors (BP against itself reads 0.999988 on the reference path, 1 on the fused one)
        compareMetrics(fast.evaluate(), reference.evaluate(), `${label} at the start`, 5e-5)
        compareMetrics(fast.evaluate(), dense.evaluate(), `${label} at the start, against dense products`, 1e-5)
        for (let s = 0; s < 5; s++) {
          fast.step()
          dense.step()
          reference.step()
        }
        compareMetrics(fast.evaluate(), reference.evaluate(), `${label} after 5 steps`, 1e-4)
        compareMetrics(fast.evaluate(), dense.evaluate(), `${label} after 5 steps, against dense products`, 1e-5)
        const lossReference = reference.trainLoss()
        expect(Math.abs(fast.trainLoss() - lossReference)).toBeLessThan(1e-5 * Math.max(1, Math.abs(lossReference)))
      } finally {
        fast.dispose()
        dense.dispose()
        reference.dispose()
      }
    })

  it('over several chunks of the test set and of a full-batch fit split larger than one chunk, with a first-layer scale of 1/√784', () => {
    // evaluation works in chunks of 2,000 rows: 4,500 test rows are three chunks, the last partial;
    // a full batch of 2,500 rows with evalSamples 2,500 makes fit = probe = train, measured in two
    const config = parseRunConfig({
      ...base,
      model: { kind: 'mlp', hidden: [60], activation: 'relu', outputs: 10, bias: true, init: 'standard' },
      optimizer: { learningRate: 0.05, batchSize: 0 },
      evalSamples: 2500,
      data: { kind: 'mnist', source: 'bundled', normalize: 'standard' },
    })
    const fast = createSession(config, subset(mnist, 2500, 4500))
    const dense = createSession(config, subset(mnist, 2500, 4500), { sparseInputs: false })
    try {
      expect(fast.net.layers[0].scale).toBeCloseTo(1 / 28, 12)
      expect(fast.sparseInputs).toEqual(['fit', 'probe', 'test'])
      compareMetrics(fast.evaluate(), dense.evaluate(), 'several chunks', 1e-5)
      fast.step()
      dense.step()
      compareMetrics(fast.evaluate(), dense.evaluate(), 'several chunks after a step', 1e-5)
    } finally {
      fast.dispose()
      dense.dispose()
    }
  })

  it('with raw pixels (background 0), and a diverged weight on a background pixel shows as in the dense products', () => {
    const config = parseRunConfig({ ...base, data: { kind: 'mnist', source: 'bundled', normalize: 'none' } })
    const data = subset(mnistRaw, 600, 700)
    // Against the fused path's dense products, not the reference: raw pixels saturate this net's
    // logits (±2,000 at the start), and on the rows whose error is then ~1e-16 the reference's
    // float32 row norms drop or keep rows differently. Its signal alignment reads 0.026146; the
    // fused path's 0.025546 (sparse or dense) is the float64 mean over the rows with nonzero
    // signals, computed by hand from the reference's own signals.
    const fast = createSession(config, data)
    const dense = createSession(config, data, { sparseInputs: false })
    try {
      expect(fast.sparseInputs).toEqual(['fit', 'probe', 'test'])
      compareMetrics(fast.evaluate(), dense.evaluate(), 'raw pixels', 1e-5)
      for (let s = 0; s < 5; s++) {
        fast.step()
        dense.step()
      }
      compareMetrics(fast.evaluate(), dense.evaluate(), 'raw pixels after 5 steps', 1e-5)
      // pixel 0 (a corner) is 0 in every digit, so the sparse entries never read its weights; the
      // background term 0 · (1ᵀW) carries a NaN there into the outputs as the dense product does
      for (const session of [fast, dense]) {
        const W = session.net.layers[0].W
        const values = W.dataSync().slice() as Float32Array
        values[0] = Number.NaN
        W.assign(tf.tensor2d(values, W.shape as [number, number]))
      }
      const diverged = fast.evaluate()
      compareMetrics(diverged, dense.evaluate(), 'a NaN weight on a background pixel', 1e-5)
      expect(diverged.testLoss).toBeUndefined()
      expect(diverged.trainLoss).toBeUndefined()
    } finally {
      fast.dispose()
      dense.dispose()
    }
    const gaussian = parseRunConfig({ ...base, model: { ...base.model, outputs: 1 }, loss: 'mse', data: { kind: 'synthetic', n: 400, inputDim: 30 } })
    const synthetic = createSession(gaussian, { name: 'g', task: 'regression', inputDim: 30, outputDim: 1, train: { n: 400, x: createRng(1, 'g').normalArray(400 * 30), targets: createRng(2, 'g').normalArray(400) }, test: null, identity: { kind: 'test', source: 'random', files: [], trainSize: 400, testSize: 0, preprocessing: {}, fingerprint: '' } })
    try {
      expect(synthetic.path).toBe('fused')
      expect(synthetic.sparseInputs).toEqual([])
    } finally {
      synthetic.dispose()
    }
  })
})
