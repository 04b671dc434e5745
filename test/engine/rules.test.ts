import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { outputL2At, parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { createNetwork, disposeNetwork, networkSpec } from '../../src-main/engine/network'
import { createRule } from '../../src-main/engine/rules'
import { initBackend, tf } from '../../src-main/engine/tf'
import { createSession, ruleUpdates } from '../../src-main/engine/session'
import { train, type Evaluation } from '../../src-main/engine/train'
import { createRng } from '../../src-main/lib/random'
import { relativeError } from './reference'

/** The synthetic preset's config (Song et al.'s Gaussian setting, λ = 0.2), as shipped in resources/examples. */
const synthetic = JSON.parse(readFileSync(new URL('../../resources/examples/song2021-synthetic.json', import.meta.url), 'utf8')) as RunConfigInput

beforeAll(async () => {
  await initBackend('auto')
})

describe('Kolen–Pollack', () => {
  it('weight alignment exceeds 0.9 within 2,000 steps on the synthetic preset', async () => {
    const config = parseRunConfig({ ...synthetic, rule: 'kp', steps: 2000, evalEvery: 500 })
    const evaluations: Evaluation[] = []
    await train(config, await loadDataset(config), { onEvaluation: (e) => void evaluations.push(e) })
    const alignment = evaluations.map((e) => e.metrics.weightAlignment)
    expect(alignment[0]).toBeLessThan(0.5)
    expect(alignment.at(-1)).toBeGreaterThan(0.9)
    // FA from the same start, for contrast: its alignment stays far lower.
    const fa = await train({ ...config, rule: 'fa' }, await loadDataset(config))
    expect(fa.final.weightAlignment).toBeLessThan(alignment.at(-1)! - 0.1)
  })

  it('B gets the same update and decay as W above it: B − W shrinks by (1 − ηλ) per step, also with momentum', async () => {
    for (const momentum of [0, 0.5]) {
      const config = parseRunConfig({ ...synthetic, rule: 'kp', optimizer: { learningRate: 0.01, momentum }, steps: 40 })
      const session = createSession(config, await loadDataset(config))
      const gap = () => tf.tidy(() => tf.sub(session.rule.fixed[0], session.net.layers[1].W).dataSync() as Float32Array)
      const start = gap()
      for (let t = 0; t < 40; t++) session.step()
      const lambda = outputL2At(config.regularization.outputL2, 0)
      const decay = 1 - config.optimizer.learningRate * lambda
      // With momentum v the gap g obeys g_t = g_{t−1} − η v_t, v_t = μ v_{t−1} + λ g_{t−1}: run that recursion.
      let g = Float64Array.from(start)
      let v = new Float64Array(g.length)
      for (let t = 0; t < 40; t++) {
        v = v.map((vi, i) => momentum * vi + lambda * g[i])
        g = g.map((gi, i) => gi - config.optimizer.learningRate * v[i])
      }
      if (momentum === 0) expect(relativeError(g, Array.from(start, (s) => s * decay ** 40))).toBeLessThan(1e-9)
      expect(relativeError(gap(), g)).toBeLessThan(1e-4)
      expect(relativeError(session.rule.fixed[0].dataSync(), start)).toBeGreaterThan(1e-3)
      session.dispose()
    }
  })
})

describe('DRTP', () => {
  it('the hidden signal is the target projected through the fixed B, whatever the output weights', () => {
    const net = createNetwork(networkSpec({ kind: 'mlp', hidden: [6, 5], activation: 'tanh', outputs: 3, bias: true, init: 'he' }, 4), 7)
    const rule = createRule('drtp', net, 7)
    const rng = createRng(1, 'drtp-test')
    const n = 9
    const x = rng.normalArray(n * 4)
    const y = new Float32Array(n * 3).map((_, i) => (i % 3 === i % 2 ? 1 : 0))
    const expected = rule.fixed.map((B, hidden) => {
      const [h, k] = B.shape
      const b = B.dataSync()
      const scale = net.layers[hidden + 1].scale
      const eps = new Float64Array(n * h)
      for (let i = 0; i < n; i++) for (let j = 0; j < h; j++) for (let c = 0; c < k; c++) eps[i * h + j] += (scale * y[i * k + c] * b[j * k + c]) / n
      return eps
    })
    const signals = () =>
      tf.tidy(() => ruleUpdates(net, rule, 'cross-entropy', tf.tensor2d(x, [n, 4]), tf.tensor2d(y, [n, 3])).signals.map((s) => s.dataSync() as Float32Array))
    const before = signals()
    before.forEach((s, hidden) => expect(relativeError(s, expected[hidden])).toBeLessThan(1e-6))
    net.layers[2].W.assign(tf.randomNormal(net.layers[2].W.shape, 0, 3, 'float32', 5))
    net.layers[1].W.assign(tf.randomNormal(net.layers[1].W.shape, 0, 3, 'float32', 6))
    expect(signals()).toEqual(before)
    rule.dispose()
    disposeNetwork(net)
  })
})

describe('batchwise sign-symmetry', () => {
  it('redraws the magnitudes for every batch, reproducibly from the seed, keeping the signs of W', () => {
    const net = createNetwork(networkSpec({ kind: 'two-layer', hidden: 6, activation: 'relu', outputs: 2 }, 3), 4)
    const draws = (seed: number) => {
      const rule = createRule('sign', net, seed, 'batchwise')
      const out: Float32Array[] = []
      for (let batch = 0; batch < 3; batch++) {
        rule.nextBatch()
        out.push(tf.tidy(() => rule.feedbackMatrix(0).dataSync() as Float32Array))
      }
      rule.dispose()
      return out
    }
    const a = draws(4)
    expect(a[1]).not.toEqual(a[0])
    expect(a[2]).not.toEqual(a[1])
    expect(draws(4)).toEqual(a)
    const signs = Array.from(net.layers[1].W.dataSync()).map(Math.sign)
    a.forEach((M) => expect(Array.from(M).map(Math.sign)).toEqual(signs))
    disposeNetwork(net)
  })
})

describe('the rules-mnist preset', () => {
  it('runs every rule, sign-symmetry with unit and with batchwise magnitudes, with relu and tanh', async () => {
    const { expandExperiment } = await import('../../src-shared/experiment')
    const preset = JSON.parse(readFileSync(new URL('../../resources/presets/rules-mnist.json', import.meta.url), 'utf8'))
    const { runs } = expandExperiment(preset.quick)
    const kinds = runs.map(({ config }) => `${config.rule}${config.rule === 'sign' ? ` ${config.feedbackMagnitude}` : ''} ${config.model.activation}`)
    const expected = ['bp', 'fa', 'kp', 'dfa', 'drtp', 'sign unit', 'sign batchwise'].flatMap((rule) => [`${rule} relu`, `${rule} tanh`])
    expect(kinds).toEqual(expected)
  })
})
