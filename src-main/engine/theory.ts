/**
 * The Gram matrices of Song, Xu & Lafferty's convergence argument, along training, for the
 * two-layer model f(x) = (1/√p) Σ_r β_r ψ(w_r·x) (here layer 1 is W: [d, p] with scale 1 and
 * layer 2 is β: [p, k] with scale s = 1/√p) trained with mse by a rule whose signal to the hidden
 * layer is s·e'·bᵀ (e' = ∂L/∂f).
 *
 * Loss convention. The engine's mse is the mean over samples and outputs,
 * L = (1/(nk)) Σ_{i,c} (f_ic − y_ic)², so e' = 2e/(nk) with e = f − y, and gradient flow with
 * rate η and output L2 λ gives
 *
 *   df/dt = −η [(2/(nk)) (G + H) e + λ f]
 *
 * which is the paper's −η[(2/n)(G + H)e + λf] at k = 1 (its L is (1/n) Σ_i (f_i − y_i)²). With
 * k outputs the vectors are indexed (i, c) → i·k + c, the matrices are nk × nk, and
 *
 *   G_(i,c),(j,c') = δ_cc' s² Σ_r ψ(w_r·x_i) ψ(w_r·x_j)                          (from β's update)
 *   H_(i,c),(j,c') = s² Σ_r β_rc b_rc' ψ′(w_r·x_i) ψ′(w_r·x_j) x_i·x_j           (from W's update through b)
 *
 * b is the feedback in use: β itself under BP (H is then the tangent kernel of W, positive
 * semi-definite), B under FA, DFA and KP, sign(β) ⊙ M under sign-symmetry. For k > 1 H need not be
 * symmetric under FA; its eigenvalues here are those of its symmetric part (H + Hᵀ)/2, the part
 * that moves ‖e‖² (equal to H when k = 1). DRTP's hidden signal is not a multiple of e, so it has
 * no H: only the G measures are logged for it.
 *
 * Everything is measured on the training set when nk ≤ maxSize, otherwise on a seeded subsample
 * (stream `theory.samples`) of ⌊maxSize/k⌋ samples, the same at every evaluation.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import type { RunConfig } from '../../src-shared/config'
import { measureName } from '../../src-shared/measures'
import type { Split } from '../data/dataset'
import { createRng } from '../lib/random'
import { loadBlas } from './blas'
import type { Metrics } from './evaluation'
import { activate, activationDerivative, backward, forward, lossAndError, type Network } from './network'
import type { OptimizerSettings } from './optimizer'
import type { Rule } from './rules'
import { encodeTargets } from './split-tensors'
import { tf } from './tf'

/** Number of values kept per stored spectrum: all eigenvalues up to this many, else evenly spaced order statistics. */
export const spectrumPoints = 257
/** Stored spectra per matrix at most: beyond, every second one is dropped and the stride doubles. */
export const maxStoredSpectra = 500

export interface TheoryMatrices {
  /** Samples used. */
  n: number
  outputs: number
  /** G: [n·k, n·k] row-major, float64. */
  G: Float64Array
  /** H: [n·k, n·k] row-major, float64; null for DRTP. */
  H: Float64Array | null
}

/** The feedback b of the theory ([p, k]) in use by the rule now: β for BP. Call inside tf.tidy. */
function feedbackVector(net: Network, rule: Rule): tf.Tensor2D | null {
  if (rule.kind === 'drtp') return null
  return rule.kind === 'bp' ? (net.layers[1].W as tf.Tensor2D) : rule.feedbackMatrix(0)
}

/** G and H (see the file comment) on inputs x: [n, d], from the network's current weights. */
export function theoryMatrices(net: Network, rule: Rule, x: tf.Tensor2D): TheoryMatrices {
  const [hiddenLayer, outputLayer] = net.layers
  const n = x.shape[0]
  const k = outputLayer.fanOut
  const s2 = outputLayer.scale * outputLayer.scale
  const parts: { G: Float32Array; blocks: Float32Array[] | null } = { G: new Float32Array(0), blocks: null }
  tf.tidy(() => {
    let a = tf.matMul<tf.Tensor2D>(x, hiddenLayer.W as tf.Tensor2D)
    if (hiddenLayer.scale !== 1) a = tf.mul<tf.Tensor2D>(a, hiddenLayer.scale)
    const psi = activate(net.spec.activation, a) as tf.Tensor2D
    const dpsi = (activationDerivative(net.spec.activation, a, psi) ?? tf.onesLike(a)) as tf.Tensor2D
    parts.G = tf.mul(tf.matMul(psi, psi, false, true), s2).dataSync() as Float32Array
    const b = feedbackVector(net, rule)
    if (!b) return
    const inner = tf.matMul(x, x, false, true)
    const beta = outputLayer.W as tf.Tensor2D
    const blocks: Float32Array[] = (parts.blocks = [])
    for (let c = 0; c < k; c++)
      for (let c2 = 0; c2 < k; c2++) {
        const weights = tf.reshape(tf.mul(tf.slice(beta, [0, c], [-1, 1]), tf.slice(b, [0, c2], [-1, 1])), [1, -1])
        const kernel = tf.mul(tf.matMul(tf.mul(dpsi, weights), dpsi, false, true), tf.mul(inner, s2))
        blocks.push(kernel.dataSync() as Float32Array)
      }
  })
  const size = n * k
  const G = new Float64Array(size * size)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) G[(i * k + c) * size + j * k + c] = parts.G[i * n + j]
  let H: Float64Array | null = null
  if (parts.blocks) {
    H = new Float64Array(size * size)
    for (let c = 0; c < k; c++)
      for (let c2 = 0; c2 < k; c2++) {
        const block = parts.blocks[c * k + c2]
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[(i * k + c) * size + j * k + c2] = block[i * n + j]
      }
  }
  return { n, outputs: k, G, H }
}

/** Eigenvalues of the symmetric part of a [size, size] matrix, ascending (ml-matrix's symmetric solver). */
export function symmetricEigenvalues(a: Float64Array, size: number): number[] {
  // LAPACK through the BLAS addon where it is built (a 50×50 spectrum in a fraction of a
  // millisecond, against milliseconds in JavaScript: the theory measures are logged at every evaluation)
  const blas = loadBlas()
  if (blas) {
    const out = new Float64Array(size)
    blas.symmetricEigenvalues(a, size, out)
    return Array.from(out)
  }
  return symmetricEigenvaluesInJs(a, size)
}

/** The same with ml-matrix, where the addon is not built. */
export function symmetricEigenvaluesInJs(a: Float64Array, size: number): number[] {
  const m = new Matrix(size, size)
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) m.set(i, j, (a[i * size + j] + a[j * size + i]) / 2)
  return new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues.sort((u, v) => u - v)
}

/** At most `spectrumPoints` values summarising an ascending spectrum: all of it, or evenly spaced order statistics (min and max kept). */
export function summarizeSpectrum(sorted: number[]): Float32Array {
  if (sorted.length <= spectrumPoints) return Float32Array.from(sorted)
  const out = new Float32Array(spectrumPoints)
  for (let q = 0; q < spectrumPoints; q++) out[q] = sorted[Math.round((q * (sorted.length - 1)) / (spectrumPoints - 1))]
  return out
}

function frobenius(a: Float64Array): number {
  let s = 0
  for (const v of a) s += v * v
  return Math.sqrt(s)
}

/**
 * The one-step check: relative difference ‖Δf − Δf̂‖ / ‖Δf̂‖ between the change of f over one
 * trial step of the rule (plain gradient step of rate η on the mse of these samples, output L2 λ,
 * no momentum, dropout or weight decay: the step the formula describes; η and λ those in force
 * at the step) and its prediction
 * Δf̂ = −η[(2/(nk))(G + H)e + λf]. The parameters are left as they were. Δf is accumulated in
 * float64 from the float32 pre-activations and their change, so that a small η is not lost to
 * rounding.
 */
export function oneStepCheck(
  net: Network,
  rule: Rule,
  x: tf.Tensor2D,
  targets: tf.Tensor2D,
  matrices: TheoryMatrices,
  learningRate: number,
  outputL2: number,
): number | null {
  if (!matrices.H) return null
  const [hiddenLayer, outputLayer] = net.layers
  const { n, outputs: k } = matrices
  const p = hiddenLayer.fanOut
  const s = outputLayer.scale
  const tensors = tf.tidy(() => {
    const pass = forward(net, x)
    const updates = backward(net, pass, lossAndError('mse', pass.output, targets).error, targets, rule.signal)
    let a = tf.matMul<tf.Tensor2D>(x, hiddenLayer.W as tf.Tensor2D)
    let da = tf.matMul<tf.Tensor2D>(x, updates.dW[0])
    if (hiddenLayer.scale !== 1) {
      a = tf.mul<tf.Tensor2D>(a, hiddenLayer.scale)
      da = tf.mul<tf.Tensor2D>(da, hiddenLayer.scale)
    }
    return { a, da, dBeta: updates.dW[1] }
  })
  // Read outside tidy: tidy walks whatever it returns element by element, and these arrays are n·p long.
  const parts = {
    a: tensors.a.dataSync(),
    da: tensors.da.dataSync(),
    beta: outputLayer.W.dataSync(),
    dBeta: tensors.dBeta.dataSync(),
    y: targets.dataSync(),
  }
  tf.dispose([tensors.a, tensors.da, tensors.dBeta])
  const psi = (v: number) => activateScalar(net.spec.activation, v)
  const f = new Float64Array(n * k)
  const change = new Float64Array(n * k)
  for (let i = 0; i < n; i++)
    for (let r = 0; r < p; r++) {
      const a = parts.a[i * p + r]
      const before = psi(a)
      const after = psi(a - learningRate * parts.da[i * p + r])
      for (let c = 0; c < k; c++) {
        const beta = parts.beta[r * k + c]
        const betaChange = -learningRate * (parts.dBeta[r * k + c] + outputL2 * beta)
        f[i * k + c] += s * beta * before
        change[i * k + c] += s * (beta * (after - before) + betaChange * after)
      }
    }
  const size = n * k
  const e = f.map((v, i) => v - parts.y[i])
  let diff = 0
  let scale = 0
  for (let row = 0; row < size; row++) {
    let kernelTimesError = 0
    for (let col = 0; col < size; col++) kernelTimesError += (matrices.G[row * size + col] + matrices.H[row * size + col]) * e[col]
    const predicted = -learningRate * ((2 / size) * kernelTimesError + outputL2 * f[row])
    diff += (change[row] - predicted) ** 2
    scale += predicted ** 2
  }
  return scale > 0 ? Math.sqrt(diff / scale) : null
}

function activateScalar(kind: Network['spec']['activation'], a: number): number {
  switch (kind) {
    case 'linear':
      return a
    case 'relu':
      return a > 0 ? a : 0
    case 'tanh':
      return Math.tanh(a)
    case 'sigmoid':
      return 1 / (1 + Math.exp(-a))
  }
}

/** Spectra stored along a run: rows of at most `spectrumPoints` values, one per kept logged step. */
export interface SpectrumHistory {
  steps: number[]
  G: Float32Array[]
  H: Float32Array[]
}

export interface TheoryTracker {
  /** The theory measures at the current parameters, logged at `step`. */
  measure(step: number): Metrics
  /** The stored spectra (bounded: see maxStoredSpectra). */
  history(): SpectrumHistory
  /** Milliseconds spent measuring so far (kept out of the measures, which are reproducible). */
  costMs(): number
  /** What later measures depend on (G at the first measurement, the kept spectra), as JSON for a checkpoint. */
  saveState(): TheoryState
  restoreState(state: TheoryState): void
  dispose(): void
}

/** A tracker's position, as plain JSON (float32 and float64 values survive JSON exactly). */
export interface TheoryState {
  initialG: number[] | null
  initialGNorm: number
  history: { steps: number[]; G: number[][]; H: number[][] }
  stride: number
  logged: number
  spentMs: number
}

/** The training rows the theory is measured on: all when n·k ≤ maxSize, else a seeded subsample. */
export function theorySampleIndices(n: number, outputs: number, maxSize: number, seed: number): Int32Array {
  const keep = Math.max(1, Math.floor(maxSize / outputs))
  if (n <= keep) return Int32Array.from({ length: n }, (_, i) => i)
  return createRng(seed, 'theory.samples').permutation(n).subarray(0, keep).sort()
}

/**
 * Tracks the theory measures of a two-layer mse run: λ_min/λ_max of G and H, λ_min(G + H), the
 * drift of G from its value at the first measurement and the one-step check, plus the spectra of
 * G and H per logged step and the time all this took.
 */
export function createTheoryTracker(
  net: Network,
  rule: Rule,
  config: RunConfig,
  train: Split,
  inputDim: number,
  settingsAt: (step: number) => Pick<OptimizerSettings, 'learningRate' | 'outputL2'>,
): TheoryTracker {
  const outputs = net.layers[1].fanOut
  const rows = theorySampleIndices(train.n, outputs, config.theory.maxSize, config.seed)
  const xValues = new Float32Array(rows.length * inputDim)
  const allTargets = encodeTargets(train, outputs)
  const yValues = new Float32Array(rows.length * outputs)
  rows.forEach((row, i) => {
    xValues.set(train.x.subarray(row * inputDim, (row + 1) * inputDim), i * inputDim)
    yValues.set(allTargets.subarray(row * outputs, (row + 1) * outputs), i * outputs)
  })
  const x = tf.tensor2d(xValues, [rows.length, inputDim])
  const targets = tf.tensor2d(yValues, [rows.length, outputs])
  let initialG: Float64Array | null = null
  let initialGNorm = 0
  const history: SpectrumHistory = { steps: [], G: [], H: [] }
  let stride = 1
  let logged = 0
  let spentMs = 0

  function keep(step: number, G: Float32Array, H: Float32Array): void {
    if (logged++ % stride !== 0) return
    history.steps.push(step)
    history.G.push(G)
    history.H.push(H)
    if (history.steps.length >= maxStoredSpectra) {
      const even = <T>(list: T[]) => list.filter((_, i) => i % 2 === 0)
      history.steps = even(history.steps)
      history.G = even(history.G)
      history.H = even(history.H)
      stride *= 2
    }
  }

  function measure(step: number): Metrics {
    const started = performance.now()
    const metrics: Metrics = {}
    const put = (name: string, value: number | null | undefined) => {
      // keyed-write: the theory measures' names are fixed in this file
      if (value !== null && value !== undefined && Number.isFinite(value)) metrics[name] = value
    }
    const matrices = theoryMatrices(net, rule, x)
    const size = matrices.n * outputs
    const gSpectrum = symmetricEigenvalues(matrices.G, size)
    put(measureName('lambdaMinG'), gSpectrum[0])
    put(measureName('lambdaMaxG'), gSpectrum.at(-1))
    if (!initialG) {
      initialG = matrices.G
      initialGNorm = frobenius(initialG)
    }
    const drift = frobenius(matrices.G.map((v, i) => v - initialG![i]))
    put(measureName('driftG'), initialGNorm > 0 ? drift / initialGNorm : null)
    let hSpectrum: number[] = []
    if (matrices.H) {
      hSpectrum = symmetricEigenvalues(matrices.H, size)
      put(measureName('lambdaMinH'), hSpectrum[0])
      put(measureName('lambdaMaxH'), hSpectrum.at(-1))
      const sum = matrices.G.map((v, i) => v + matrices.H![i])
      put(measureName('lambdaMinGH'), symmetricEigenvalues(sum, size)[0])
      const { learningRate, outputL2 } = settingsAt(step)
      put(measureName('oneStepError'), oneStepCheck(net, rule, x, targets, matrices, learningRate, outputL2))
    }
    keep(step, summarizeSpectrum(gSpectrum), summarizeSpectrum(hSpectrum))
    spentMs += performance.now() - started
    return metrics
  }

  return {
    measure,
    history: () => history,
    costMs: () => spentMs,
    saveState: () => ({
      initialG: initialG ? Array.from(initialG) : null,
      initialGNorm,
      history: { steps: [...history.steps], G: history.G.map((g) => Array.from(g)), H: history.H.map((h) => Array.from(h)) },
      stride,
      logged,
      spentMs,
    }),
    restoreState(state) {
      initialG = state.initialG ? Float64Array.from(state.initialG) : null
      initialGNorm = state.initialGNorm
      history.steps = [...state.history.steps]
      history.G = state.history.G.map((g) => Float32Array.from(g))
      history.H = state.history.H.map((h) => Float32Array.from(h))
      stride = state.stride
      logged = state.logged
      spentMs = state.spentMs
    },
    dispose() {
      x.dispose()
      targets.dispose()
    },
  }
}
