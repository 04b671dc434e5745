import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
// Autodiff is only the reference here; the engine never needs tfjs's gradient registry.
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import { parseRunConfig, type Activation, type RunConfigInput, type RuleKind } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { createNetwork, disposeNetwork, forward, networkSpec } from '../../src-main/engine/network'
import { createRule } from '../../src-main/engine/rules'
import { createSession } from '../../src-main/engine/session'
import { maxStoredSpectra, oneStepCheck, spectrumPoints, summarizeSpectrum, symmetricEigenvalues, theoryMatrices, theorySampleIndices } from '../../src-main/engine/theory'
import { initBackend, tf } from '../../src-main/engine/tf'
import { train } from '../../src-main/engine/train'
import { createRng } from '../../src-main/lib/random'
import { relativeError } from './reference'

const activations: Activation[] = ['linear', 'relu', 'tanh', 'sigmoid']
const synthetic = JSON.parse(readFileSync(new URL('../../resources/examples/song2021-synthetic.json', import.meta.url), 'utf8')) as RunConfigInput

beforeAll(async () => {
  await initBackend('auto')
})

const psi: Record<Activation, (a: number) => number> = {
  linear: (a) => a,
  relu: (a) => Math.max(0, a),
  tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
}
const dpsi: Record<Activation, (a: number) => number> = {
  linear: () => 1,
  relu: (a) => (a > 0 ? 1 : 0),
  tanh: (a) => 1 - Math.tanh(a) ** 2,
  sigmoid: (a) => psi.sigmoid(a) * (1 - psi.sigmoid(a)),
}

/** G and H written from the formulas, in float64, indexed (i, c) → i·k + c. */
function referenceMatrices(activation: Activation, x: Float32Array, W: Float32Array, beta: Float32Array, b: Float32Array, n: number, d: number, p: number, k: number) {
  const a = (i: number, r: number) => {
    let s = 0
    for (let j = 0; j < d; j++) s += x[i * d + j] * W[j * p + r]
    return s
  }
  const size = n * k
  const G = new Float64Array(size * size)
  const H = new Float64Array(size * size)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let xx = 0
      for (let t = 0; t < d; t++) xx += x[i * d + t] * x[j * d + t]
      for (let c = 0; c < k; c++)
        for (let c2 = 0; c2 < k; c2++) {
          let g = 0
          let h = 0
          for (let r = 0; r < p; r++) {
            g += psi[activation](a(i, r)) * psi[activation](a(j, r))
            h += beta[r * k + c] * b[r * k + c2] * dpsi[activation](a(i, r)) * dpsi[activation](a(j, r)) * xx
          }
          G[(i * k + c) * size + j * k + c2] = c === c2 ? g / p : 0
          H[(i * k + c) * size + j * k + c2] = h / p
        }
    }
  return { G, H }
}

function smallCase(activation: Activation, outputs: number, rule: RuleKind, n = 5, d = 4, p = 7) {
  const net = createNetwork(networkSpec({ kind: 'two-layer', hidden: p, activation, outputs }, d), 3)
  const r = createRule(rule, net, 3)
  const rng = createRng(2, 'theory-test')
  const x = rng.normalArray(n * d, 0.5)
  const y = rng.normalArray(n * outputs)
  return { net, rule: r, x, y, n, d, p, dispose: () => (r.dispose(), disposeNetwork(net)) }
}

describe('G and H', () => {
  for (const activation of activations)
    for (const outputs of [1, 2])
      it(`equal the float64 formulas on n = 5, p = 7: ${activation}, ${outputs} output${outputs > 1 ? 's' : ''}, FA`, () => {
        const c = smallCase(activation, outputs, 'fa')
        const ours = theoryMatrices(c.net, c.rule, tf.tensor2d(c.x, [c.n, c.d]))
        const b = c.rule.fixed[0].dataSync() as Float32Array
        const expected = referenceMatrices(activation, c.x, c.net.layers[0].W.dataSync() as Float32Array, c.net.layers[1].W.dataSync() as Float32Array, b, c.n, c.d, c.p, outputs)
        expect(relativeError(ours.G, expected.G)).toBeLessThan(1e-5)
        expect(relativeError(ours.H!, expected.H)).toBeLessThan(1e-5)
        c.dispose()
      })

  for (const activation of activations)
    it(`under BP, H is the tangent kernel of W and G that of β (autodiff), and both are PSD: ${activation}`, () => {
      const c = smallCase(activation, 1, 'bp')
      const ours = theoryMatrices(c.net, c.rule, tf.tensor2d(c.x, [c.n, c.d]))
      // Per-sample gradients of f_i: K_ij = ⟨∂f_i/∂θ, ∂f_j/∂θ⟩.
      const gradients = Array.from({ length: c.n }, (_, i) =>
        tf.tidy(() => {
          const xi = tf.tensor2d(c.x.subarray(i * c.d, (i + 1) * c.d), [1, c.d])
          const { grads } = tf.variableGrads(() => tf.sum(forward(c.net, xi).output) as tf.Scalar)
          return c.net.layers.map((l) => grads[l.W.name].dataSync() as Float32Array)
        }),
      )
      const kernel = (layer: number) => {
        const K = new Float64Array(c.n * c.n)
        for (let i = 0; i < c.n; i++) for (let j = 0; j < c.n; j++) K[i * c.n + j] = gradients[i][layer].reduce((s, v, t) => s + v * gradients[j][layer][t], 0)
        return K
      }
      expect(relativeError(ours.H!, kernel(0))).toBeLessThan(1e-5)
      expect(relativeError(ours.G, kernel(1))).toBeLessThan(1e-5)
      const h = symmetricEigenvalues(ours.H!, c.n)
      const g = symmetricEigenvalues(ours.G, c.n)
      expect(h[0]).toBeGreaterThan(-1e-6 * h.at(-1)!)
      expect(g[0]).toBeGreaterThan(-1e-6 * g.at(-1)!)
      c.dispose()
    })

  it('under FA, H is indefinite on a typical draw', () => {
    const c = smallCase('relu', 1, 'fa', 20, 6, 30)
    const ours = theoryMatrices(c.net, c.rule, tf.tensor2d(c.x, [c.n, c.d]))
    const h = symmetricEigenvalues(ours.H!, c.n)
    expect(h[0]).toBeLessThan(0)
    expect(h.at(-1)).toBeGreaterThan(0)
    c.dispose()
  })

  it('eigenvalues: ascending, of the symmetric part of a non-symmetric matrix', () => {
    // [[2, 1], [3, 2]]: symmetric part [[2, 2], [2, 2]] has eigenvalues 0 and 4.
    expect(symmetricEigenvalues(Float64Array.from([2, 1, 3, 2]), 2).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 4])
    const many = Array.from({ length: 1000 }, (_, i) => i)
    const summary = summarizeSpectrum(many)
    expect(summary.length).toBe(spectrumPoints)
    expect([summary[0], summary.at(-1)]).toEqual([0, 999])
    expect(summarizeSpectrum([3, 4]).length).toBe(2)
  })
})

describe('the one-step check', () => {
  for (const outputs of [1, 3])
    it(`is below 1e-2 at η = 1e-4 and grows with η (${outputs} output${outputs > 1 ? 's' : ''}, FA with λ)`, () => {
      const c = smallCase('tanh', outputs, 'fa', 12, 6, 40)
      const xs = tf.tensor2d(c.x, [c.n, c.d])
      const ys = tf.tensor2d(c.y, [c.n, outputs])
      const matrices = theoryMatrices(c.net, c.rule, xs)
      const errors = [1e-4, 1e-3, 1e-2, 1e-1, 1].map((eta) => oneStepCheck(c.net, c.rule, xs, ys, matrices, eta, 0.2)!)
      expect(errors[0]).toBeLessThan(1e-2)
      // Growing about tenfold per tenfold η: the error of one Euler step is first order in η.
      for (let i = 1; i < errors.length; i++) expect(errors[i] / errors[i - 1]).toBeGreaterThan(5)
      expect(errors.at(-1)).toBeGreaterThan(1e-2)
      xs.dispose()
      ys.dispose()
      c.dispose()
    })
})

describe('in a run', () => {
  it('synthetic two-layer runs log the theory measures by default and keep the spectra per logged step', async () => {
    const config = parseRunConfig({ ...synthetic, steps: 30, evalEvery: 10, optimizer: { learningRate: 1e-4 } })
    const result = await train(config, await loadDataset(config), { keepArtifacts: true })
    for (const name of ['lambdaMinG', 'lambdaMaxG', 'lambdaMinH', 'lambdaMaxH', 'lambdaMinGH', 'driftG', 'oneStepError']) expect(result.final[name], name).toBeTypeOf('number')
    expect(result.theoryMs).toBeGreaterThan(0)
    expect(result.final.lambdaMinG).toBeGreaterThan(0)
    expect(result.final.lambdaMinGH).toBeGreaterThanOrEqual(result.final.lambdaMinG + result.final.lambdaMinH - 1e-6)
    expect(result.final.oneStepError).toBeLessThan(1e-2)
    const artifact = (name: string) => result.artifacts!.find((a) => a.name === name)!
    expect(Array.from(artifact('spectrum.steps').values)).toEqual([0, 10, 20, 30])
    expect(artifact('spectrum.G').shape).toEqual([4, 50])
    expect(artifact('spectrum.H').shape).toEqual([4, 50])
    const G0 = Array.from(artifact('spectrum.G').values.subarray(0, 50))
    expect(G0[0]).toBeCloseTo(result.final.lambdaMinG, -1)
    expect(G0).toEqual([...G0].sort((a, b) => a - b))
  })

  it('is off for MLPs and MNIST unless asked; asking for it on an MLP is refused', async () => {
    const config = parseRunConfig({ ...synthetic, model: { kind: 'mlp', hidden: [8] }, steps: 2, evalEvery: 1 })
    const session = createSession(config, await loadDataset(config))
    expect(session.evaluate().lambdaMinG).toBeUndefined()
    session.dispose()
    expect(() => parseRunConfig({ ...synthetic, model: { kind: 'mlp', hidden: [8] }, theory: { enabled: true } })).toThrow(/theory\.enabled: the theory measures are defined for two-layer models with mse only/)
    expect(parseRunConfig({ ...synthetic, theory: { enabled: false } }).theory.enabled).toBe(false)
  })

  it('subsamples, seeded, to at most maxSize/k samples', () => {
    expect(Array.from(theorySampleIndices(5, 2, 2000, 1))).toEqual([0, 1, 2, 3, 4])
    const kept = theorySampleIndices(5000, 2, 2000, 1)
    expect(kept.length).toBe(1000)
    expect(new Set(kept).size).toBe(1000)
    expect(Array.from(theorySampleIndices(5000, 2, 2000, 1))).toEqual(Array.from(kept))
    expect(Array.from(theorySampleIndices(5000, 2, 2000, 2))).not.toEqual(Array.from(kept))
  })

  it(`keeps at most ${maxStoredSpectra} spectra, thinning evenly`, async () => {
    const config = parseRunConfig({ ...synthetic, data: { kind: 'synthetic', n: 4, inputDim: 3 }, model: { kind: 'two-layer', hidden: 3 }, steps: 1200, evalEvery: 1 })
    const result = await train(config, await loadDataset(config), { keepArtifacts: true })
    const steps = Array.from(result.artifacts!.find((a) => a.name === 'spectrum.steps')!.values)
    expect(steps.length).toBeLessThanOrEqual(maxStoredSpectra)
    expect(steps.length).toBeGreaterThan(maxStoredSpectra / 2)
    expect(steps[0]).toBe(0)
    const gaps = new Set(steps.slice(1).map((s, i) => s - steps[i]))
    expect(gaps.size).toBe(1)
  })
})
