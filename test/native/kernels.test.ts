import { beforeAll, describe, expect, it } from 'vitest'
import { blasUnavailableReason, loadBlas, type BlasAddon } from '../../src-main/engine/blas'
import { createRng } from '../../src-main/lib/random'

let blas: BlasAddon
beforeAll(() => {
  const addon = loadBlas()
  expect(addon, `the BLAS addon must be built here (npm test's pretest builds it): ${blasUnavailableReason()}`).not.toBeNull()
  blas = addon!
})

const rng = createRng(0, 'kernels test')

const randomArray = (size: number) => Float32Array.from({ length: size }, () => rng.normal())

/** alpha · op(a) · op(b) + beta · c in float64, row-major, a: [m,k] (or [k,m] transposed), b: [k,n] (or [n,k]). */
function product(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, alpha: number, beta: number): number[] {
  const out: number[] = []
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0
      for (let l = 0; l < k; l++) sum += (ta ? a[l * m + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * n + j])
      out.push(alpha * sum + (beta === 0 ? 0 : beta * c[i * n + j]))
    }
  return out
}

describe('sgemm with a vector operand (the addon runs it as sgemv)', () => {
  // m = 1 or n = 1 take sgemv; 4 × 3 stays sgemm, as the control
  const shapes: [number, number, number][] = [[7, 1, 9], [1, 5, 9], [1, 1, 9], [7, 1, 1], [1, 5, 1], [4, 3, 6]]
  for (const [m, n, k] of shapes)
    it(`${m}×${n}×${k}: every transpose combination, alpha and beta, equals the float64 product`, () => {
      for (const ta of [false, true])
        for (const tb of [false, true])
          for (const [alpha, beta] of [[1, 0], [-0.5, 1], [2, -0.25]]) {
            const a = randomArray(m * k)
            const b = randomArray(k * n)
            // with beta = 0 the old contents of c are never read, NaN included
            const c = beta === 0 ? new Float32Array(m * n).fill(Number.NaN) : randomArray(m * n)
            const expected = product(ta, tb, m, n, k, a, b, c, alpha, beta)
            blas.sgemm(ta, tb, m, n, k, a, b, c, alpha, beta)
            Array.from(c).forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThan(1e-5 * (1 + Math.abs(expected[i]))))
          }
    })

  it('counts the vector products in the sgemm time like the others', () => {
    blas.resetSgemmTime()
    blas.sgemm(false, false, 3, 1, 2, randomArray(6), randomArray(2), new Float32Array(3))
    blas.sgemm(false, false, 2, 2, 2, randomArray(4), randomArray(4), new Float32Array(4))
    expect(blas.sgemmTime().calls).toBe(2)
  })
})

describe('gate, relu', () => {
  const relu = 1

  it('keeps the signal where h > 0, zeroes it elsewhere, and lets NaN through as tf.step does', () => {
    const h = Float32Array.from([2, 0, -0, Number.NaN, 1, 0, 3])
    const eps = Float32Array.from([0.5, 0.5, -0.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, -4])
    blas.gate(relu, eps, h, 1, h.length)
    // 0 · ∞ is NaN, as in the reference's ε ⊙ step(a)
    expect(Array.from(eps)).toEqual([0.5, 0, -0, Number.NaN, Number.NaN, Number.NaN, -4])
  })
})

describe('activate, tanh', () => {
  const tanh = 2

  it('is tanh rounded to float within one ulp, from 2⁻¹⁴⁰ to beyond saturation, and keeps −0, ±∞ and NaN', () => {
    const x = new Float32Array([
      ...Array.from({ length: 20001 }, (_, i) => (i - 10000) / 1000),
      ...Array.from({ length: 280 }, (_, i) => (i % 2 ? -1 : 1) * 2 ** -(i >> 1)),
      0.0625, 2 ** -12, 9.49, 9.51, 20, -20,
    ])
    const out = Float32Array.from(x)
    blas.activate(tanh, out, null, 1, out.length)
    x.forEach((value, i) => {
      const exact = Math.tanh(value)
      // one ulp of the float result: 2⁻²³ relative (subnormals aside, which x − x³/3 returns exactly)
      expect(Math.abs(out[i] - exact), `tanh(${value})`).toBeLessThanOrEqual(Math.max(Math.abs(exact) * 2 ** -23, 2 ** -149))
    })
    const special = Float32Array.from([-0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])
    blas.activate(tanh, special, null, 1, special.length)
    expect(Array.from(special)).toEqual([-0, 0, 1, -1, Number.NaN])
  })
})

describe('activate, sigmoid', () => {
  it('is 1 / (1 + e^(−x)) rounded to float within one ulp, saturating cleanly, and keeps NaN', () => {
    const x = new Float32Array([...Array.from({ length: 40001 }, (_, i) => (i - 20000) / 500), 1e-30, -1e-30, 88, -88, 104, -104, 200, -200, 1000, -1000])
    const out = Float32Array.from(x)
    blas.activate(3, out, null, 1, out.length)
    x.forEach((value, i) => {
      const exact = 1 / (1 + Math.exp(-value))
      expect(Math.abs(out[i] - exact), `sigmoid(${value})`).toBeLessThanOrEqual(Math.max(exact * 2 ** -23, 2 ** -149))
    })
    const special = Float32Array.from([-0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])
    blas.activate(3, special, null, 1, special.length)
    expect(Array.from(special)).toEqual([0.5, 1, 0, Number.NaN])
  })
})

/** A random sparse matrix [m, k] (each entry nonzero with probability `density`) in compressed rows, and densely. */
function randomSparse(m: number, k: number, density: number) {
  const dense = new Float32Array(m * k)
  const offsets = new Int32Array(m + 1)
  const indices: number[] = []
  const values: number[] = []
  for (let i = 0; i < m; i++) {
    offsets[i] = indices.length
    for (let j = 0; j < k; j++)
      if (rng.uniform() < density) {
        const v = Math.fround(rng.normal())
        dense[i * k + j] = v
        indices.push(j)
        values.push(v)
      }
  }
  offsets[m] = indices.length
  return { dense, offsets, indices: Int32Array.from(indices), values: Float32Array.from(values) }
}

describe('sparseProduct', () => {
  it('is alpha · (a · b + 1 · addᵀ) for a in compressed rows, in every panel width and tail, against a float64 product', () => {
    // n covers the 32-column panels, the 8-column tail panel and the scalar columns past it
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [4, 9, 8], [6, 12, 33], [5, 40, 77], [20, 784, 1000], [0, 4, 9]]) {
      const a = randomSparse(m, k, 0.3)
      const b = randomArray(k * n)
      const add = randomArray(n)
      for (const [alpha, withAdd] of [[1, false], [-0.37, true]] as const) {
        const c = new Float32Array(m * n).fill(Number.NaN)
        blas.sparseProduct(a.offsets, a.indices, a.values, m, k, n, b, c, alpha, withAdd ? add : null)
        const expected = product(false, false, m, n, k, a.dense, b, new Float32Array(m * n), alpha, 0).map((v, idx) => v + (withAdd ? alpha * add[idx % n] : 0))
        const scale = Math.max(1, ...expected.map(Math.abs))
        expected.forEach((v, idx) => expect(Math.abs(c[idx] - v), `[${m}, ${k}, ${n}] alpha ${alpha} entry ${idx}`).toBeLessThan(1e-5 * scale))
      }
    }
  })

  it('takes rows of a larger matrix by their offsets, and an empty row gives alpha · add', () => {
    const a = randomSparse(10, 16, 0.4)
    const b = randomArray(16 * 12)
    const whole = new Float32Array(10 * 12)
    blas.sparseProduct(a.offsets, a.indices, a.values, 10, 16, 12, b, whole, 1, null)
    const part = new Float32Array(4 * 12)
    blas.sparseProduct(a.offsets.subarray(3, 8), a.indices, a.values, 4, 16, 12, b, part, 1, null)
    expect(Array.from(part)).toEqual(Array.from(whole.subarray(3 * 12, 7 * 12)))
    const add = randomArray(12)
    const empty = new Float32Array(12)
    blas.sparseProduct(Int32Array.from([0, 0]), new Int32Array(0), new Float32Array(0), 1, 16, 12, b, empty, 2, add)
    expect(Array.from(empty)).toEqual(Array.from(add).map((v) => Math.fround(2 * v)))
  })

  it('refuses a structure that would read outside its arrays, before writing anything', () => {
    const b = randomArray(4 * 3)
    const c = new Float32Array(2 * 3).fill(7)
    const values = Float32Array.from([1, 2])
    expect(() => blas.sparseProduct(Int32Array.from([0, 1, 2]), Int32Array.from([0, 4]), values, 2, 4, 3, b, c, 1, null)).toThrow(/column index is out of range/)
    expect(() => blas.sparseProduct(Int32Array.from([0, 1, 2]), Int32Array.from([0, -1]), values, 2, 4, 3, b, c, 1, null)).toThrow(/column index is out of range/)
    expect(() => blas.sparseProduct(Int32Array.from([0, 2, 1]), Int32Array.from([0, 1]), values, 2, 4, 3, b, c, 1, null)).toThrow(/must not decrease/)
    expect(() => blas.sparseProduct(Int32Array.from([0, 1, 3]), Int32Array.from([0, 1]), values, 2, 4, 3, b, c, 1, null)).toThrow(RangeError)
    expect(() => blas.sparseProduct(Int32Array.from([0, 1]), Int32Array.from([0, 1]), values, 2, 4, 3, b, c, 1, null)).toThrow(RangeError)
    expect(() => blas.sparseProduct(Int32Array.from([0, 1, 2]), Int32Array.from([0, 1]), values, 2, 4, 3, b.subarray(0, 11), c, 1, null)).toThrow(RangeError)
    expect(() => blas.sparseProduct(Int32Array.from([0, 1, 2]), Int32Array.from([0, 1]), values, 2, 4, 3, b, c, 1, new Float32Array(2))).toThrow(RangeError)
    expect(() => blas.sparseProduct(Float32Array.from([0, 1, 2]) as unknown as Int32Array, Int32Array.from([0, 1]), values, 2, 4, 3, b, c, 1, null)).toThrow(/Int32Array/)
    expect(Array.from(c)).toEqual([7, 7, 7, 7, 7, 7])
  })

  it('gives a column the same bits whichever panel computes it, with k in several ranges (sparseUpdate too)', () => {
    // k = 700: the entries are summed one range of k at a time (blas.c's SPARSE_RANGE_ROWS); with
    // n = 77, columns 0–63 fall in a 64-column panel (AVX-512) or two 32-column ones, 64–71 in an
    // 8-column one, 72–76 alone. The same columns of b as a narrower matrix go through other panels.
    const [m, k, n] = [9, 700, 77]
    const a = randomSparse(m, k, 0.3)
    const b = randomArray(k * n)
    const add = randomArray(n)
    const start = randomArray(m * n)
    const columns = (matrix: Float32Array, rows: number, width: number, from: number, to: number) =>
      Float32Array.from({ length: rows * (to - from) }, (_, idx) => matrix[Math.floor(idx / (to - from)) * width + from + (idx % (to - from))])
    const whole = Float32Array.from(start)
    blas.sparseUpdate(a.offsets, a.indices, a.values, m, k, n, b, whole, -0.3, add, 0.9)
    for (const [from, to] of [[0, 13], [32, 77], [60, 77]]) {
      const part = columns(start, m, n, from, to)
      blas.sparseUpdate(a.offsets, a.indices, a.values, m, k, to - from, columns(b, k, n, from, to), part, -0.3, add.subarray(from, to), 0.9)
      expect(Buffer.from(part.buffer).equals(Buffer.from(columns(whole, m, n, from, to).buffer)), `columns ${from}–${to}`).toBe(true)
    }
    const expected = product(false, false, m, n, k, a.dense, b, start, -0.3, 0.9).map((v, idx) => v - 0.3 * add[idx % n])
    expected.forEach((v, idx) => expect(Math.abs(whole[idx] - v), `entry ${idx}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))))
  })

  it('sums every entry of a row whose columns do not ascend', () => {
    const [m, k, n] = [3, 900, 40]
    const a = randomSparse(m, k, 0.25)
    const b = randomArray(k * n)
    // each row's entries reversed: the ranges of k no longer follow the entries' order
    const indices = Int32Array.from(a.indices)
    const values = Float32Array.from(a.values)
    for (let i = 0; i < m; i++) {
      indices.subarray(a.offsets[i], a.offsets[i + 1]).reverse()
      values.subarray(a.offsets[i], a.offsets[i + 1]).reverse()
    }
    const c = new Float32Array(m * n)
    blas.sparseProduct(a.offsets, indices, values, m, k, n, b, c, 1, null)
    const expected = product(false, false, m, n, k, a.dense, b, new Float32Array(m * n), 1, 0)
    expected.forEach((v, idx) => expect(Math.abs(c[idx] - v), `entry ${idx}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))))
  })

  it('gives the same bits on one BLAS thread and on two (two threads split the columns)', () => {
    const a = randomSparse(300, 784, 0.2)
    const b = randomArray(784 * 1000)
    const add = randomArray(1000)
    const threads = blas.threads()
    const run = (count: number) => {
      blas.setThreads(count)
      // OpenBLAS (Linux) takes the count; Accelerate has none to set, and the test then compares one thread with itself
      if (process.platform === 'linux') expect(blas.threads()).toBe(count)
      const c = new Float32Array(300 * 1000)
      blas.sparseProduct(a.offsets, a.indices, a.values, 300, 784, 1000, b, c, 0.7, add)
      return c
    }
    const one = run(1)
    const two = run(2)
    blas.setThreads(threads)
    expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true)
    expect(one.some((v) => v !== 0)).toBe(true)
  })
})
