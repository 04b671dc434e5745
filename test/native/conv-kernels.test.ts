/**
 * The addon's convolution passes against float64 references written from the definitions: the
 * convolution as imageToColumns + sgemm, the transposed convolution (a layer's input gradient
 * through a feedback kernel) as sgemm + columnsToImage, the kernel gradient, and both pools with
 * their backward passes, over strides, paddings, channels and non-square kernels.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { blasUnavailableReason, loadBlas, type BlasAddon } from '../../src-main/engine/blas'
import { createRng } from '../../src-main/lib/random'

let blas: BlasAddon
beforeAll(() => {
  const addon = loadBlas()
  expect(addon, `the BLAS addon must be built here (npm test's pretest builds it): ${blasUnavailableReason()}`).not.toBeNull()
  blas = addon!
})

const rng = createRng(0, 'conv kernels test')
const randomArray = (size: number) => Float32Array.from({ length: size }, () => rng.normal())

interface Shape {
  batch: number
  height: number
  width: number
  channels: number
  kernelHeight: number
  kernelWidth: number
  stride: [number, number]
  pad: [number, number]
}

const outSize = (size: number, kernel: number, stride: number, padBefore: number, padAfter: number) => Math.floor((size + padBefore + padAfter - kernel) / stride) + 1

/** The addon's geometry for a shape, padded the same on both sides. */
function geometryOf(s: Shape): { geometry: Int32Array; outHeight: number; outWidth: number } {
  const outHeight = outSize(s.height, s.kernelHeight, s.stride[0], s.pad[0], s.pad[0])
  const outWidth = outSize(s.width, s.kernelWidth, s.stride[1], s.pad[1], s.pad[1])
  const geometry = Int32Array.from([s.batch, s.height, s.width, s.channels, s.kernelHeight, s.kernelWidth, ...s.stride, ...s.pad, outHeight, outWidth])
  return { geometry, outHeight, outWidth }
}

/** x[n, y, x, c] of an NHWC image, or undefined outside it. */
function pixel(x: ArrayLike<number>, s: Shape, n: number, y: number, xx: number, c: number): number | undefined {
  if (y < 0 || y >= s.height || xx < 0 || xx >= s.width) return undefined
  return x[((n * s.height + y) * s.width + xx) * s.channels + c]
}

/** The window of output (oy, ox): its input cells (y, x) in row-major order, inside the image or not. */
function* window(s: Shape, oy: number, ox: number): Generator<[number, number, number, number]> {
  for (let ky = 0; ky < s.kernelHeight; ky++)
    for (let kx = 0; kx < s.kernelWidth; kx++) yield [ky, kx, oy * s.stride[0] - s.pad[0] + ky, ox * s.stride[1] - s.pad[1] + kx]
}

/** y [batch, outH, outW, filters] = Σ x · K in float64, K [kh, kw, channels, filters]. */
function convolution(x: Float32Array, K: Float32Array, s: Shape, filters: number, outHeight: number, outWidth: number): number[] {
  const y: number[] = []
  for (let n = 0; n < s.batch; n++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++)
        for (let f = 0; f < filters; f++) {
          let sum = 0
          for (const [ky, kx, yy, xx] of window(s, oy, ox))
            for (let c = 0; c < s.channels; c++) sum += (pixel(x, s, n, yy, xx, c) ?? 0) * K[((ky * s.kernelWidth + kx) * s.channels + c) * filters + f]
          y.push(sum)
        }
  return y
}

/** dx = the transposed convolution of dy with kernel B, in float64: each output's δ sent back through B to the cells it read. */
function transposedConvolution(dy: Float32Array, B: Float32Array, s: Shape, filters: number, outHeight: number, outWidth: number): number[] {
  const dx = new Array<number>(s.batch * s.height * s.width * s.channels).fill(0)
  for (let n = 0; n < s.batch; n++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++)
        for (const [ky, kx, yy, xx] of window(s, oy, ox)) {
          if (yy < 0 || yy >= s.height || xx < 0 || xx >= s.width) continue
          for (let c = 0; c < s.channels; c++)
            for (let f = 0; f < filters; f++)
              dx[((n * s.height + yy) * s.width + xx) * s.channels + c] +=
                dy[((n * outHeight + oy) * outWidth + ox) * filters + f] * B[((ky * s.kernelWidth + kx) * s.channels + c) * filters + f]
        }
  return dx
}

/** dK [kh, kw, channels, filters] = Σ over positions of x's patch · dy, in float64. */
function kernelGradient(x: Float32Array, dy: Float32Array, s: Shape, filters: number, outHeight: number, outWidth: number): number[] {
  const dK = new Array<number>(s.kernelHeight * s.kernelWidth * s.channels * filters).fill(0)
  for (let n = 0; n < s.batch; n++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++)
        for (const [ky, kx, yy, xx] of window(s, oy, ox))
          for (let c = 0; c < s.channels; c++) {
            const value = pixel(x, s, n, yy, xx, c)
            if (value === undefined) continue
            for (let f = 0; f < filters; f++) dK[((ky * s.kernelWidth + kx) * s.channels + c) * filters + f] += value * dy[((n * outHeight + oy) * outWidth + ox) * filters + f]
          }
  return dK
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length)
  let scale = 0
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]))
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i]), `entry ${i}: ${actual[i]} against ${expected[i]}`).toBeLessThanOrEqual(tolerance * (1 + scale))
}

const shapes: Shape[] = [
  // LeNet-5's first layer (28 × 28, 5 × 5, padding 2) and second (14 × 14 × 6, valid)
  { batch: 2, height: 28, width: 28, channels: 1, kernelHeight: 5, kernelWidth: 5, stride: [1, 1], pad: [2, 2] },
  { batch: 2, height: 14, width: 14, channels: 6, kernelHeight: 5, kernelWidth: 5, stride: [1, 1], pad: [0, 0] },
  { batch: 3, height: 7, width: 9, channels: 3, kernelHeight: 3, kernelWidth: 2, stride: [2, 1], pad: [1, 0] },
  { batch: 1, height: 6, width: 5, channels: 2, kernelHeight: 2, kernelWidth: 3, stride: [2, 3], pad: [0, 1] },
]
const filters = 4

describe('convolution as imageToColumns + sgemm', () => {
  for (const s of shapes) {
    const label = `${s.height}×${s.width}×${s.channels}, kernel ${s.kernelHeight}×${s.kernelWidth}, stride ${s.stride}, padding ${s.pad}`
    const { geometry, outHeight, outWidth } = geometryOf(s)
    const positions = s.batch * outHeight * outWidth
    const patch = s.kernelHeight * s.kernelWidth * s.channels

    it(`${label}: forward equals the float64 convolution`, () => {
      const x = randomArray(s.batch * s.height * s.width * s.channels)
      const K = randomArray(patch * filters)
      const cols = new Float32Array(positions * patch).fill(Number.NaN)
      blas.imageToColumns(x, geometry, cols)
      const y = new Float32Array(positions * filters)
      blas.sgemm(false, false, positions, filters, patch, cols, K, y)
      expectClose(y, convolution(x, K, s, filters, outHeight, outWidth))
    })

    it(`${label}: the transposed convolution through a feedback kernel (sgemm + columnsToImage) equals float64`, () => {
      const dy = randomArray(positions * filters)
      const B = randomArray(patch * filters)
      const cols = new Float32Array(positions * patch)
      blas.sgemm(false, true, positions, patch, filters, dy, B, cols)
      const dx = new Float32Array(s.batch * s.height * s.width * s.channels).fill(Number.NaN)
      blas.columnsToImage(cols, geometry, dx)
      expectClose(dx, transposedConvolution(dy, B, s, filters, outHeight, outWidth))
    })

    it(`${label}: the kernel gradient, fused into the update (W ← (1 − η·c)·W − η·colsᵀδ), equals float64`, () => {
      const x = randomArray(s.batch * s.height * s.width * s.channels)
      const dy = randomArray(positions * filters)
      const W = randomArray(patch * filters)
      const cols = new Float32Array(positions * patch)
      blas.imageToColumns(x, geometry, cols)
      const [rate, shrink] = [0.05, 1 - 0.05 * 0.01]
      const gradient = kernelGradient(x, dy, s, filters, outHeight, outWidth)
      const expected = Array.from(W, (w, i) => shrink * w - rate * gradient[i])
      blas.sgemm(true, false, patch, filters, positions, cols, dy, W, -rate, shrink)
      expectClose(W, expected)
    })

    it(`${label}: columnsToImage is imageToColumns's transpose (⟨P x, C⟩ = ⟨x, Pᵀ C⟩ in float64)`, () => {
      const x = randomArray(s.batch * s.height * s.width * s.channels)
      const C = randomArray(positions * patch)
      const Px = new Float32Array(C.length)
      const PtC = new Float32Array(x.length)
      blas.imageToColumns(x, geometry, Px)
      blas.columnsToImage(C, geometry, PtC)
      let left = 0
      let right = 0
      for (let i = 0; i < C.length; i++) left += Px[i] * C[i]
      for (let i = 0; i < x.length; i++) right += x[i] * PtC[i]
      expect(Math.abs(left - right)).toBeLessThan(1e-4 * (1 + Math.abs(left)))
    })
  }
})

/** Pool shapes: LeNet's 2 × 2 stride 2, overlapping 3 × 3 stride 2, and a padded window that reaches outside. */
const poolShapes: Shape[] = [
  { batch: 2, height: 28, width: 28, channels: 6, kernelHeight: 2, kernelWidth: 2, stride: [2, 2], pad: [0, 0] },
  { batch: 2, height: 9, width: 7, channels: 3, kernelHeight: 3, kernelWidth: 3, stride: [2, 2], pad: [0, 0] },
  { batch: 1, height: 5, width: 6, channels: 2, kernelHeight: 3, kernelWidth: 2, stride: [2, 2], pad: [1, 1] },
]

describe('pooling', () => {
  for (const s of poolShapes) {
    const label = `${s.height}×${s.width}×${s.channels}, window ${s.kernelHeight}×${s.kernelWidth}, stride ${s.stride}, padding ${s.pad}`
    const { geometry, outHeight, outWidth } = geometryOf(s)
    const pooled = s.batch * outHeight * outWidth * s.channels
    const size = s.batch * s.height * s.width * s.channels

    /** Each window's cells inside the image, as indices into x, per output (n, oy, ox, c) in order. */
    function windows(): number[][] {
      const all: number[][] = []
      for (let n = 0; n < s.batch; n++)
        for (let oy = 0; oy < outHeight; oy++)
          for (let ox = 0; ox < outWidth; ox++)
            for (let c = 0; c < s.channels; c++) {
              const cells: number[] = []
              for (const [, , yy, xx] of window(s, oy, ox)) if (yy >= 0 && yy < s.height && xx >= 0 && xx < s.width) cells.push(((n * s.height + yy) * s.width + xx) * s.channels + c)
              all.push(cells)
            }
      return all
    }

    it(`${label}: max pooling takes each window's largest value and the first of a tie, and its backward pass routes δ there`, () => {
      // values on a coarse grid, so that windows hold ties (as relu's zeros do)
      const x = Float32Array.from({ length: size }, () => Math.round(rng.normal() * 1.5) / 2 + 0)
      const out = new Float32Array(pooled)
      const argmax = new Int32Array(pooled)
      blas.maxPool(x, geometry, out, argmax)
      const dOut = randomArray(pooled)
      const dIn = new Float32Array(size).fill(Number.NaN)
      blas.maxPoolBackward(dOut, argmax, dIn)
      const expectedIn = new Array<number>(size).fill(0)
      let ties = 0
      windows().forEach((cells, i) => {
        const values = cells.map((cell) => x[cell])
        const largest = Math.max(...values)
        if (values.filter((v) => v === largest).length > 1) ties++
        expect(out[i]).toBe(largest)
        expect(argmax[i]).toBe(cells[values.indexOf(largest)])
        expectedIn[cells[values.indexOf(largest)]] += dOut[i]
      })
      expect(ties, 'the data hold tied windows').toBeGreaterThan(0)
      expectClose(dIn, expectedIn)
    })

    it(`${label}: average pooling is each window's mean over its cells inside the image, and its backward pass is the transpose`, () => {
      const x = randomArray(size)
      const out = new Float32Array(pooled)
      blas.avgPool(x, geometry, out)
      const dOut = randomArray(pooled)
      const dIn = new Float32Array(size).fill(Number.NaN)
      blas.avgPoolBackward(dOut, geometry, dIn)
      const expectedOut: number[] = []
      const expectedIn = new Array<number>(size).fill(0)
      windows().forEach((cells, i) => {
        expectedOut.push(cells.reduce((sum, cell) => sum + x[cell], 0) / cells.length)
        for (const cell of cells) expectedIn[cell] += dOut[i] / cells.length
      })
      expectClose(out, expectedOut)
      expectClose(dIn, expectedIn)
    })
  }
})

describe('bad arguments', () => {
  const s = shapes[2]
  const { geometry, outHeight, outWidth } = geometryOf(s)
  const x = new Float32Array(s.batch * s.height * s.width * s.channels)
  const cols = new Float32Array(s.batch * outHeight * outWidth * s.kernelHeight * s.kernelWidth * s.channels)

  it('names a geometry that is not an Int32Array of 12 sizes, or has a size that is not positive', () => {
    expect(() => blas.imageToColumns(x, Float32Array.from(geometry) as unknown as Int32Array, cols)).toThrow(/imageToColumns: geometry must be an Int32Array of 12 sizes/)
    expect(() => blas.avgPool(x, geometry.subarray(0, 11), cols)).toThrow(/avgPool: geometry must be an Int32Array of 12 sizes/)
    const zeroStride = Int32Array.from(geometry)
    zeroStride[6] = 0
    expect(() => blas.columnsToImage(cols, zeroStride, x)).toThrow(/columnsToImage: every size of the geometry must be positive/)
  })

  it('refuses arrays smaller than the geometry says, before writing anything', () => {
    const short = new Float32Array(cols.length - 1)
    expect(() => blas.imageToColumns(x, geometry, short)).toThrow(/imageToColumns: array sizes do not match/)
    expect(() => blas.columnsToImage(cols, geometry, x.subarray(1))).toThrow(/columnsToImage: array sizes do not match/)
    expect(() => blas.maxPoolBackward(new Float32Array(2), Int32Array.from([0, x.length]), x)).toThrow(/maxPoolBackward: array sizes do not match/)
  })
})
