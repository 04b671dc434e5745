import { beforeAll, describe, expect, it } from 'vitest'
// Autodiff is only the reference here; the engine never needs tfjs's gradient registry.
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import type { Activation, FeedbackMagnitude, LossKind, ModelConfig, RuleKind } from '../../src-shared/config'
import { createRng } from '../../src-main/lib/random'
import { createNetwork, disposeNetwork, forward, lossValue, networkSpec, type Network } from '../../src-main/engine/network'
import { createRule } from '../../src-main/engine/rules'
import { initBackend, tf } from '../../src-main/engine/tf'
import { ruleUpdates } from '../../src-main/engine/session'
import { matrix, referenceUpdates, relativeError, type Matrix } from './reference'

const activations: Activation[] = ['linear', 'relu', 'tanh', 'sigmoid']
const losses: LossKind[] = ['mse', 'cross-entropy']
const models: ModelConfig[] = [
  { kind: 'two-layer', hidden: 7, activation: 'relu', outputs: 3 },
  { kind: 'mlp', hidden: [6, 5], activation: 'relu', outputs: 3, bias: true, init: 'he' },
  { kind: 'mlp', hidden: [6, 4, 5], activation: 'relu', outputs: 3, bias: false, init: 'standard' },
  { kind: 'mlp', hidden: [4], activation: 'relu', outputs: 3, bias: true, init: 'glorot' },
]
const inputDim = 5
const batch = 8

function batchData(seed: number, outputs: number, loss: LossKind) {
  const rng = createRng(seed, 'test-data')
  const x = rng.normalArray(batch * inputDim)
  const y = new Float32Array(batch * outputs)
  for (let i = 0; i < batch; i++) {
    if (loss === 'mse') for (let j = 0; j < outputs; j++) y[i * outputs + j] = rng.normal()
    else y[i * outputs + rng.integer(outputs)] = 1
  }
  return { x, y }
}

function withNet<T>(model: ModelConfig, seed: number, body: (net: Network) => T): T {
  const net = createNetwork(networkSpec(model, inputDim), seed)
  try {
    return body(net)
  } finally {
    disposeNetwork(net)
  }
}

function referenceNet(net: Network) {
  return {
    W: net.layers.map((l) => matrix(l.fanIn, l.fanOut, l.W.dataSync())),
    b: net.layers.map((l) => (l.b ? Float64Array.from(l.b.dataSync()) : null)),
    scale: net.layers.map((l) => l.scale),
    activation: net.spec.activation,
  }
}

beforeAll(async () => {
  await initBackend('auto')
})

describe('backprop updates equal tfjs autodiff', () => {
  for (const base of models)
    for (const activation of activations)
      for (const loss of losses) {
        const model = { ...base, activation } as ModelConfig
        const label = `${model.kind} ${JSON.stringify(model.hidden)} ${'init' in model ? model.init : 'paper'} ${activation} ${loss}`
        it(label, () => {
          withNet(model, 3, (net) => {
            const rule = createRule('bp', net, 3)
            const { x, y } = batchData(11, model.outputs, loss)
            tf.tidy(() => {
              const xs = tf.tensor2d(x, [batch, inputDim])
              const ys = tf.tensor2d(y, [batch, model.outputs])
              const ours = ruleUpdates(net, rule, loss, xs, ys)
              const { value, grads } = tf.variableGrads(() => lossValue(loss, forward(net, xs).output, ys))
              expect(ours.loss.dataSync()[0]).toBeCloseTo(value.dataSync()[0], 5)
              net.layers.forEach((layer, l) => {
                expect(relativeError(ours.dW[l].dataSync(), grads[layer.W.name].dataSync())).toBeLessThan(1e-4)
                if (layer.b) expect(relativeError(ours.db[l]!.dataSync(), grads[layer.b.name].dataSync())).toBeLessThan(1e-4)
              })
            })
            rule.dispose()
          })
        })
      }
})

/**
 * The magnitudes of the `draws`-th batch: |N(0, 1)| draws from stream `feedbackMagnitude.<l>`
 * (both models tested here draw their feedback with unit standard deviation).
 */
function batchwiseMagnitude(seed: number, hidden: number, draws: number, size: number): Float32Array {
  const rng = createRng(seed, `feedbackMagnitude.${hidden + 1}`)
  let values = new Float32Array(size)
  for (let d = 0; d < draws; d++) values = rng.normalArray(size).map(Math.abs)
  return values
}

describe('FA, KP, DFA, DRTP and sign-symmetry updates equal an independent float64 computation', () => {
  const rules: [RuleKind, FeedbackMagnitude][] = [
    ['fa', 'unit'],
    ['kp', 'unit'],
    ['dfa', 'unit'],
    ['drtp', 'unit'],
    ['sign', 'unit'],
    ['sign', 'random'],
    ['sign', 'batchwise'],
    ['bp', 'unit'],
  ]
  for (const [kind, magnitude] of rules)
    for (const model of [models[0], models[2]])
      for (const activation of ['relu', 'tanh'] as Activation[]) {
        it(`${kind}${kind === 'sign' ? ` (${magnitude})` : ''} on ${model.kind} ${JSON.stringify(model.hidden)} ${activation}`, () => {
          const m = { ...model, activation } as ModelConfig
          withNet(m, 5, (net) => {
            const rule = createRule(kind, net, 5, magnitude)
            if (magnitude === 'batchwise') for (let batch = 0; batch < 3; batch++) rule.nextBatch()
            const { x, y } = batchData(13, m.outputs, 'cross-entropy')
            const B: Matrix[] = rule.fixed.map((t, hidden) => {
              if (magnitude === 'batchwise') return matrix(t.shape[0], t.shape[1], batchwiseMagnitude(5, hidden, 3, t.size))
              const values = kind === 'sign' && magnitude === 'unit' ? new Float32Array(t.size).fill(1) : t.dataSync()
              return matrix(t.shape[0], t.shape[1], values)
            })
            const expected = referenceUpdates(referenceNet(net), matrix(batch, inputDim, x), matrix(batch, m.outputs, y), 'cross-entropy', kind, B)
            tf.tidy(() => {
              const ours = ruleUpdates(net, rule, 'cross-entropy', tf.tensor2d(x, [batch, inputDim]), tf.tensor2d(y, [batch, m.outputs]))
              ours.dW.forEach((g, l) => expect(relativeError(g.dataSync(), expected[l].v)).toBeLessThan(1e-5))
            })
            rule.dispose()
          })
        })
      }
})

describe('rules relate as they must', () => {
  it('DFA and FA give the same update on two-layer nets', () => {
    withNet(models[0], 8, (net) => {
      const fa = createRule('fa', net, 8)
      const dfa = createRule('dfa', net, 8)
      const { x, y } = batchData(2, 3, 'mse')
      tf.tidy(() => {
        const xs = tf.tensor2d(x, [batch, inputDim])
        const ys = tf.tensor2d(y, [batch, 3])
        const a = ruleUpdates(net, fa, 'mse', xs, ys)
        const b = ruleUpdates(net, dfa, 'mse', xs, ys)
        a.dW.forEach((g, l) => expect(Array.from(g.dataSync())).toEqual(Array.from(b.dW[l].dataSync())))
      })
      fa.dispose()
      dfa.dispose()
    })
  })

  it('DFA differs from FA below the last hidden layer of a deeper net', () => {
    withNet(models[1], 8, (net) => {
      const fa = createRule('fa', net, 8)
      const dfa = createRule('dfa', net, 8)
      const { x, y } = batchData(2, 3, 'mse')
      tf.tidy(() => {
        const xs = tf.tensor2d(x, [batch, inputDim])
        const ys = tf.tensor2d(y, [batch, 3])
        const a = ruleUpdates(net, fa, 'mse', xs, ys)
        const b = ruleUpdates(net, dfa, 'mse', xs, ys)
        expect(relativeError(a.dW[1].dataSync(), b.dW[1].dataSync())).toBeLessThan(1e-6)
        expect(relativeError(a.dW[0].dataSync(), b.dW[0].dataSync())).toBeGreaterThan(1e-2)
      })
      fa.dispose()
      dfa.dispose()
    })
  })

  it('the two-layer model is the paper’s: N(0,1) weights, 1/√p output scale, no biases', () => {
    withNet({ kind: 'two-layer', hidden: 400, activation: 'relu', outputs: 1 }, 1, (net) => {
      expect(net.layers.map((l) => l.scale)).toEqual([1, 1 / Math.sqrt(400)])
      expect(net.layers.every((l) => l.b === null)).toBe(true)
      const w = Array.from(net.layers[0].W.dataSync())
      const mean = w.reduce((s, v) => s + v, 0) / w.length
      const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length
      // 5σ bounds for N = 2000 draws: sd(mean) = 1/√N, sd(variance) ≈ √(2/N)
      expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(w.length))
      expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / w.length))
    })
  })
})
