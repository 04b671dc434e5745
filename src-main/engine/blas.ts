/**
 * The `blas` backend: tfjs-wasm with its matrix product (the BatchMatMul kernel) replaced by the
 * machine's optimised BLAS through the optional N-API addon in src-main/native/blas. Tensors stay
 * in WebAssembly memory; the addon multiplies them in place, so nothing is copied.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { projectRoot } from '../lib/paths'
// tfjs-core directly, not through ./tf: tf.ts loads this module when it starts the blas backend,
// and importing it back would make an import cycle.
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core'

/** The addon's functions, each documented here once (blas.c's header points here). Activation and loss codes are fused.ts's. */
export interface BlasAddon {
  /** c = alpha · op(a) · op(b) + beta · c (alpha 1, beta 0 by default), row-major float32, a: [m,k] (or [k,m] transposed), b: [k,n] (or [n,k]); sgemv where m or n is 1. */
  sgemm(transposeA: boolean, transposeB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, alpha?: number, beta?: number): void
  /** Seconds and calls spent in sgemm by the calling thread since the last reset (for the bench). */
  sgemmTime(): { seconds: number; calls: number }
  resetSgemmTime(): void
  /** a ← ψ(a + bias), in place, a: [rows, cols]; `kind` is an activation code (0 linear, 1 relu, 2 tanh, 3 sigmoid); tanh and sigmoid within one ulp. */
  activate(kind: number, a: Float32Array, bias: Float32Array | null, rows: number, cols: number): void
  /** signal ← signal ⊙ ψ'(a), with ψ' written from h = ψ(a). */
  gate(kind: number, signal: Float32Array, h: Float32Array, rows: number, cols: number): void
  /** error = ∂L/∂output; returns L (sums in float64); `kind` is a loss code (0 mse, 1 cross-entropy). */
  lossError(kind: number, output: Float32Array, target: Float32Array, rows: number, cols: number, error: Float32Array): number
  /** b ← b − η·(momentum-averaged) Σ_rows δ. */
  biasUpdate(delta: Float32Array, rows: number, cols: number, b: Float32Array, learningRate: number, momentum: number, velocity: Float32Array | null): void
  /** y ← alpha·x + beta·y. */
  axpby(alpha: number, x: Float32Array, beta: number, y: Float32Array): void
  /** out = sign(w), times magnitude where given. */
  signOf(w: Float32Array, magnitude: Float32Array | null, out: Float32Array): void
  /** out[i] = source's row indices[start + i], for i < count. */
  gatherRows(source: Float32Array, cols: number, indices: Int32Array, start: number, count: number, out: Float32Array): void
  /** [⟨a,b⟩, ‖a‖², ‖b‖²], summed in float64. */
  dotNorms(a: Float32Array, b: Float32Array): [number, number, number]
  /** out[i] = cos(a_i, b_i) of the rows of a and b, NaN where a norm is 0. */
  rowCosines(a: Float32Array, b: Float32Array, rows: number, cols: number, out: Float32Array): void
  /** The rows whose argmax (its sign, with one column) is the label. */
  rowArgmaxHits(output: Float32Array, labels: Float32Array, rows: number, cols: number): number
  /** c [m, n] = alpha · (a · b + 1 · addᵀ), a [m, k] sparse in compressed rows (offsets [m + 1], indices, values), b [k, n]. */
  sparseProduct(offsets: Int32Array, indices: Int32Array, values: Float32Array, m: number, k: number, n: number, b: Float32Array, c: Float32Array, alpha: number, add: Float32Array | null): void
  /** c ← alpha · (a · b + 1 · addᵀ) + beta · c, as sparseProduct (a training step's update: beta = 1 − η·decay). */
  sparseUpdate(offsets: Int32Array, indices: Int32Array, values: Float32Array, m: number, k: number, n: number, b: Float32Array, c: Float32Array, alpha: number, add: Float32Array | null, beta: number): void
  /** Rows order[start..start+count) (rows start.. with order null) of a sparse matrix in compressed rows with `cols` columns, into rowOffsets [count + 1], rowIndices, rowValues, and their transpose in compressed columns (columnOffsets [cols + 1]; each column's batch rows ascending). */
  sparseGather(offsets: Int32Array, indices: Int32Array, values: Float32Array, cols: number, order: Int32Array | null, start: number, count: number, rowOffsets: Int32Array, rowIndices: Int32Array, rowValues: Float32Array, columnOffsets: Int32Array, columnIndices: Int32Array, columnValues: Float32Array): void
  /** Ascending eigenvalues of (a + aᵀ)/2 for a: [n, n] row-major float64, into out: [n] (LAPACK's dsyev). */
  symmetricEigenvalues(a: Float64Array, n: number, out: Float64Array): void
  /** cols [batch·outHeight·outWidth, kernelHeight·kernelWidth·channels] = the patch under each output position of x (NHWC, `ConvGeometry`'s layout), 0 in the padding. */
  imageToColumns(x: Float32Array, geometry: Int32Array, cols: Float32Array): void
  /** x = imageToColumns's transpose applied to cols: each patch row added back where it was read (overwrites x). */
  columnsToImage(cols: Float32Array, geometry: Int32Array, x: Float32Array): void
  /** out = each window's largest value (the first in row-major order on a tie), argmax = its index into x. */
  maxPool(x: Float32Array, geometry: Int32Array, out: Float32Array, argmax: Int32Array): void
  /** dIn = 0, then dIn[argmax[i]] += dOut[i]. */
  maxPoolBackward(dOut: Float32Array, argmax: Int32Array, dIn: Float32Array): void
  /** out = each window's mean over its cells inside the image. */
  avgPool(x: Float32Array, geometry: Int32Array, out: Float32Array): void
  /** dIn = avgPool's transpose applied to dOut (overwrites dIn). */
  avgPoolBackward(dOut: Float32Array, geometry: Int32Array, dIn: Float32Array): void
  /** BLAS worker threads (OpenBLAS only). */
  setThreads(count: number): void
  threads(): number
  /** The BLAS library's build description. */
  config(): string
}

/** Where the built addon is: FA_LAB_BLAS_ADDON, else node-gyp's output in the source tree. */
export function addonPath(): string {
  return process.env.FA_LAB_BLAS_ADDON ?? join(projectRoot(), 'src-main', 'native', 'blas', 'build', 'Release', 'fa_lab_blas.node')
}

/**
 * Every function of the addon, checked by the compiler against BlasAddon (a name missing here, or
 * not in the interface, does not compile) and by test/native/addon-functions.test.ts against
 * blas.c's init table. An addon built from older sources lacks some: loadBlas refuses it.
 */
export const addonFunctions = {
  sgemm: true, sgemmTime: true, resetSgemmTime: true, activate: true, gate: true, lossError: true, biasUpdate: true, axpby: true, signOf: true,
  gatherRows: true, dotNorms: true, rowCosines: true, rowArgmaxHits: true, sparseProduct: true, sparseUpdate: true, sparseGather: true, symmetricEigenvalues: true,
  imageToColumns: true, columnsToImage: true, maxPool: true, maxPoolBackward: true, avgPool: true, avgPoolBackward: true, setThreads: true, threads: true, config: true,
} as const satisfies Record<keyof BlasAddon, true>

let addon: BlasAddon | null | undefined
let loadFailure = ''

/** The addon, or null with `blasUnavailableReason()` saying why. */
export function loadBlas(): BlasAddon | null {
  if (addon !== undefined) return addon
  const path = addonPath()
  if (!existsSync(path)) {
    loadFailure = `the BLAS addon is not built (${path} is missing; npm run build:native builds it where a C compiler and OpenBLAS are installed)`
    return (addon = null)
  }
  try {
    addon = createRequire(import.meta.url)(path) as BlasAddon
  } catch (error) {
    loadFailure = `the BLAS addon did not load: ${(error as Error).message.split('\n')[0]}`
    return (addon = null)
  }
  const missing = (Object.keys(addonFunctions) as (keyof BlasAddon)[]).filter((name) => typeof addon![name] !== 'function')
  if (missing.length) {
    loadFailure = `the BLAS addon at ${path} is out of date (it lacks ${missing.join(', ')}): npm run build:native rebuilds it`
    addon = null
  }
  return addon
}

export function blasUnavailableReason(): string {
  return loadFailure
}

interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array }
  dataIdMap: { get(dataId: object): { memoryOffset: number } }
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo
}

let original: KernelConfig | null = null
let enabled = false

function blasMatMul(blas: BlasAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo }
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean }
    const batchOne = (t: TensorInfo) => t.shape.length === 2 || (t.shape.length === 3 && t.shape[0] === 1)
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || !batchOne(a) || !batchOne(b)) return fallback(args)
    const [a0, a1] = a.shape.slice(-2)
    const [b0, b1] = b.shape.slice(-2)
    const m = transposeA ? a1 : a0
    const k = transposeA ? a0 : a1
    const n = transposeB ? b0 : b1
    if ((transposeB ? b1 : b0) !== k) throw new Error(`Error in matMul: inner shapes (${k}) and (${transposeB ? b1 : b0}) of tensors with shapes ${a.shape} and ${b.shape} must match`)
    const backend = args.backend as unknown as WasmBackendLike
    const out = backend.makeOutput(a.shape.length === 3 || b.shape.length === 3 ? [1, m, n] : [m, n], 'float32')
    const heap = backend.wasm.HEAPU8.buffer
    const view = (t: TensorInfo, size: number) => new Float32Array(heap, backend.dataIdMap.get(t.dataId).memoryOffset, size)
    blas.sgemm(transposeA, transposeB, m, n, k, view(a, m * k), view(b, k * n), view(out, m * n))
    return out
  }
}

/**
 * Switches the wasm backend's matrix product between BLAS and tfjs's own kernel. Returns false
 * (and changes nothing) when the addon is unavailable.
 */
export function useBlasMatMul(on: boolean): boolean {
  if (on === enabled) return true
  const blas = on ? loadBlas() : null
  if (on && !blas) return false
  original ??= getKernel('BatchMatMul', 'wasm') ?? null
  if (!original) throw new Error('the wasm backend has no BatchMatMul kernel to replace')
  unregisterKernel('BatchMatMul', 'wasm')
  registerKernel(on ? { ...original, kernelFunc: blasMatMul(blas!, original.kernelFunc) } : original)
  enabled = on
  return true
}

/** True while the wasm backend's matrix product is BLAS's (the `blas` backend is active or was). */
export function blasMatMulEnabled(): boolean {
  return enabled
}

/** Sets OpenBLAS's thread count (process-wide: every worker thread shares it). */
export function setBlasThreads(count: number): void {
  loadBlas()?.setThreads(count)
}
