/**
 * One list of measures for both engine paths: a measure registered once, with its computation over
 * the primitives (src-shared/measures.ts), is logged by the reference evaluator (tf ops) and by the
 * fused one (addon calls) under the same names with the same values, and a hand-worked value.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { computeMeasures, registerMeasure, unregisterMeasure, type MeasurePrimitives } from '../../src-shared/measures'
import type { Dataset } from '../../src-main/data/dataset'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import { createSession } from '../../src-main/engine/session'
import { initBackend } from '../../src-main/engine/tf'
import { createRng } from '../../src-main/lib/random'

const inputDim = 10
const outputs = 3

function dataset(): Dataset {
  const rng = createRng(7, 'measure-registry')
  const split = (rows: number) => ({ n: rows, x: rng.normalArray(rows * inputDim), labels: new Uint8Array(rows).map(() => rng.integer(outputs)) })
  return {
    name: 'random',
    task: 'classification',
    inputDim,
    outputDim: outputs,
    train: split(30),
    test: split(20),
    identity: { kind: 'test', source: 'random', files: [], trainSize: 30, testSize: 20, preprocessing: {}, fingerprint: '' },
  }
}

/** ‖δ_l rule − δ_l bp‖ / ‖δ_l bp‖: a measure no engine code knows about. */
const signalGap = 'signalGap'

beforeAll(async () => {
  expect(loadBlas(), `the BLAS addon must be built here: ${blasUnavailableReason()}`).not.toBeNull()
  await initBackend('blas')
})
afterAll(async () => {
  await initBackend('auto')
})
afterEach(() => unregisterMeasure(signalGap))

describe('a measure registered once', () => {
  for (const rule of ['fa', 'dfa'] as const)
    it(`${rule}: is in both paths' measures, per hidden layer, with equal values`, () => {
      registerMeasure({
        name: signalGap,
        layers: 'suffix',
        label: 'signal gap',
        unit: 'relative',
        group: 'other',
        largerIsBetter: false,
        range: { min: 0 },
        description: 'test only',
        compute: { over: 'hidden', value: (p, l) => p.norm(p.difference(p.signal(l, 'rule'), p.signal(l, 'bp'))) / p.norm(p.signal(l, 'bp')) },
      })
      const input: RunConfigInput = {
        seed: 3,
        data: { kind: 'mnist', classes: [0, 1, 2] },
        model: { kind: 'mlp', hidden: [12, 8], activation: 'tanh', outputs, bias: true, init: 'glorot' },
        rule,
        loss: 'cross-entropy',
        optimizer: { learningRate: 0.1, batchSize: 0 },
        steps: 3,
      }
      const config = parseRunConfig(input)
      const data = dataset()
      const fast = createSession(config, data)
      const reference = createSession(config, data, { fused: false })
      try {
        expect(fast.path).toBe('fused')
        expect(reference.path).toBe('reference')
        for (let s = 0; s < 3; s++) {
          fast.step()
          reference.step()
        }
        const a = fast.evaluate()
        const b = reference.evaluate()
        for (const name of ['signalGap.1', 'signalGap.2']) {
          expect(a[name], name).toBeGreaterThan(0)
          expect(Math.abs(a[name] - b[name]), `${name}: fused ${a[name]}, reference ${b[name]}`).toBeLessThan(1e-5 * b[name])
        }
        expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort())
      } finally {
        fast.dispose()
        reference.dispose()
      }
    })

  it('is left out once unregistered', () => {
    const config = parseRunConfig({ seed: 1, data: { kind: 'mnist', classes: [0, 1, 2] }, model: { kind: 'two-layer', hidden: 6, activation: 'relu', outputs }, rule: 'fa', loss: 'cross-entropy', optimizer: { learningRate: 0.1, batchSize: 0 }, steps: 1 })
    const session = createSession(config, dataset())
    try {
      expect(Object.keys(session.evaluate()).some((name) => name.startsWith(signalGap))).toBe(false)
    } finally {
      session.dispose()
    }
  })
})

describe('computeMeasures', () => {
  /** Primitives over plain arrays, with values worked out by hand below. */
  const primitives: MeasurePrimitives<number[]> = {
    layers: 2,
    fit: () => ({ loss: 0.5, accuracy: null }),
    test: () => null,
    weights: (l) => (l === 1 ? [3, 4] : [0, 0]),
    feedback: () => [1, 0],
    forwardMap: () => [1, 1],
    initialForwardMap: () => [1, 0],
    signal: (_, by) => (by === 'rule' ? [1, 0] : [1, 1]),
    gradient: () => [2, 0],
    cosine: (a, b) => {
      const dot = a[0] * b[0] + a[1] * b[1]
      const norms = Math.hypot(...a) * Math.hypot(...b)
      return norms > 0 ? dot / norms : null
    },
    meanRowCosine: (a, b) => primitives.cosine(a, b),
    norm: (a) => Math.hypot(...a),
    difference: (a, b) => a.map((v, i) => v - b[i]),
  }

  it('names by the registry, leaves out null values, and computes each entry by hand', () => {
    const metrics = computeMeasures(primitives)
    expect(metrics).toEqual({
      trainLoss: 0.5,
      // cos([1, 1], [1, 0]) = 1/√2; the change from step 0, [0, 1], is orthogonal to B = [1, 0]
      weightAlignment: 1 / Math.SQRT2,
      disentangledAlignment: 0,
      signalAlignment: 1 / Math.SQRT2,
      'gradientAlignment.1': 1,
      'gradientAlignment.2': 1,
      'norm.W1': 5,
      'norm.W2': 0,
      'norm.B1': 1,
    })
  })

  it('test error is 1 − test accuracy, by test accuracy’s own computation, and absent with it', () => {
    const metrics = computeMeasures({ ...primitives, test: () => ({ loss: 0.3, accuracy: 0.75 }) })
    expect(metrics.testAccuracy).toBe(0.75)
    expect(metrics.testError).toBe(0.25)
    expect(metrics.testLoss).toBe(0.3)
    // a regression run's test split has no accuracy: neither measure is logged
    const regression = computeMeasures({ ...primitives, test: () => ({ loss: 0.3, accuracy: null }) })
    expect(Object.keys(regression)).not.toContain('testError')
    expect(Object.keys(regression)).not.toContain('testAccuracy')
  })

  it('refuses a computation whose layers do not match the naming', () => {
    expect(() =>
      registerMeasure({ name: signalGap, layers: 'none', label: 'x', unit: '', group: 'other', largerIsBetter: true, range: {}, description: '', compute: { over: 'hidden', value: () => 0 } }),
    ).toThrow(/computed over 'hidden' but named per layer 'none'/)
  })
})
