import '@tensorflow/tfjs-core/dist/register_all_gradients'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ConvModelConfig, FeedbackMagnitude, RuleKind } from '../../src-shared/config'
import { asImages, convBackpropSignal, convForward, convRuleUpdates, createConvNetwork, disposeConvNetwork, type ConvNetwork } from '../../src-main/engine/conv-network'
import { createConvRule } from '../../src-main/engine/conv-rules'
import { lossValue } from '../../src-main/engine/network'
import { initBackend, tf } from '../../src-main/engine/tf'
import { createRng } from '../../src-main/lib/random'
import { map4, referenceConvUpdates, type RefLayer } from './conv-reference'
import { relativeError } from './reference'

beforeAll(async () => {
  await initBackend('auto')
})

/**
 * A tiny net that takes every path of the backward pass: a strided, padded convolution on two
 * input channels, overlapping max pooling, a padded convolution, overlapping average pooling, a
 * flatten into a dense hidden layer, and the output layer.
 */
const tiny: ConvModelConfig = {
  kind: 'conv',
  features: [
    { kind: 'conv', channels: 3, kernel: 3, stride: 2, padding: 1 },
    { kind: 'maxPool', size: 2, stride: 1 },
    { kind: 'conv', channels: 2, kernel: 2, stride: 1, padding: 1 },
    { kind: 'avgPool', size: 2, stride: 1 },
  ],
  hidden: [4],
  activation: 'tanh',
  outputs: 3,
  bias: true,
  init: 'he',
}
/** LeNet's pattern in small: non-overlapping max pooling after stride-1 convolutions, down to a 1×1 map. */
const tinyLenet: ConvModelConfig = {
  ...tiny,
  features: [
    { kind: 'conv', channels: 2, kernel: 3, stride: 1, padding: 1 },
    { kind: 'maxPool', size: 2 },
    { kind: 'conv', channels: 3, kernel: 2, stride: 1, padding: 0 },
    { kind: 'maxPool', size: 2 },
  ],
}
const nets = [
  { name: 'strided, overlapping pools', model: tiny, signalShapes: [[5, 2, 2, 3], [5, 2, 2, 2], [5, 4]] },
  { name: 'LeNet-like', model: tinyLenet, signalShapes: [[5, 3, 3, 2], [5, 1, 1, 3], [5, 4]] },
]
const input: [number, number, number] = [6, 6, 2]
const n = 5

function batch(): { x: tf.Tensor2D; y: tf.Tensor2D; xv: Float64Array; yv: Float64Array } {
  const rng = createRng(7, 'conv-test')
  const xv = Float64Array.from(rng.normalArray(n * 72, 1))
  const yv = new Float64Array(n * 3)
  for (let i = 0; i < n; i++) yv[i * 3 + (i % 3)] = 1
  return { x: tf.tensor2d(Float32Array.from(xv), [n, 72]), y: tf.tensor2d(Float32Array.from(yv), [n, 3]), xv, yv }
}

/** Random biases, so their updates and their place in the forward pass are checked too. */
function withBiases(net: ConvNetwork): ConvNetwork {
  net.layers.forEach((layer, l) => layer.b!.assign(tf.tensor1d(createRng(3, `bias.${l}`).normalArray(layer.b!.size, 0.3))))
  return net
}

function referenceLayers(net: ConvNetwork): RefLayer[] {
  return net.layers.map((layer) => ({
    kind: layer.kind,
    W: Float64Array.from(layer.W.dataSync()),
    b: Float64Array.from(layer.b!.dataSync()),
    k: layer.kind === 'conv' ? layer.W.shape[0] : 1,
    stride: layer.stride,
    padding: layer.padding,
    pools: layer.pools.map((p) => ({ kind: p.kind, size: p.size, stride: p.stride ?? p.size })),
    cin: layer.W.shape.at(-2)!,
    cout: layer.W.shape.at(-1)!,
  }))
}

const cases: { rule: RuleKind; magnitude?: FeedbackMagnitude }[] = [
  { rule: 'bp' },
  { rule: 'fa' },
  { rule: 'kp' },
  { rule: 'sign', magnitude: 'unit' },
  { rule: 'sign', magnitude: 'random' },
  { rule: 'sign', magnitude: 'batchwise' },
  { rule: 'dfa' },
  { rule: 'drtp' },
]

describe('learning rules on a conv net', () => {
  for (const { rule, magnitude } of cases) for (const { name, model, signalShapes } of nets) {
    it(`${rule}${magnitude ? ` (${magnitude})` : ''} on a ${name} net: updates, bias updates and signals match a float64 loop`, () => {
      const net = withBiases(createConvNetwork(model, 11, input))
      const convRule = createConvRule(rule, net, 11, magnitude)
      convRule.nextBatch()
      const { x, y, xv, yv } = batch()
      const feedback = net.layers.slice(0, -1).map((_, h) => Float64Array.from(tf.tidy(() => convRule.feedbackMatrix(h).dataSync())))
      const expected = referenceConvUpdates(referenceLayers(net), 'tanh', map4([n, ...input], xv), yv, rule, feedback)
      tf.tidy(() => {
        const got = convRuleUpdates(net, convRule.signal, 'cross-entropy', x, y)
        expect(Math.abs(got.loss.dataSync()[0] - expected.loss)).toBeLessThan(1e-5)
        got.dW.forEach((g, l) => expect(relativeError(g.dataSync(), expected.dW[l]), `dW${l + 1}`).toBeLessThan(1e-4))
        got.db.forEach((g, l) => expect(relativeError(g!.dataSync(), expected.db[l]), `db${l + 1}`).toBeLessThan(1e-4))
        got.signals.forEach((s, l) => expect(relativeError(s.dataSync(), expected.signals[l]), `signal ${l + 1}`).toBeLessThan(1e-4))
        // a signal keeps h_l's map
        expect(got.signals.map((s) => s.shape)).toEqual(signalShapes)
        if (rule !== 'bp') {
          // not backprop in disguise: the first layer's update differs from the true gradient's
          const bp = referenceConvUpdates(referenceLayers(net), 'tanh', map4([n, ...input], xv), yv, 'bp', feedback)
          expect(relativeError(expected.dW[0], bp.dW[0])).toBeGreaterThan(1e-2)
        }
      })
      x.dispose()
      y.dispose()
      convRule.dispose()
      disposeConvNetwork(net)
    })
  }

  it('backprop’s updates are autodiff’s gradients of the loss (tf.grad through conv2d, max pooling and the dense layers), also with relu', async () => {
    // tf.grad needs the 2-D filter gradient, which only the cpu backend has
    await initBackend('cpu')
    for (const activation of ['tanh', 'relu'] as const) {
      // max pooling only: tfjs's tape loses the gradient at average pooling's output cast (the float64 loop covers it)
      const features = tiny.features.map((s) => (s.kind === 'avgPool' ? { ...s, kind: 'maxPool' as const } : s))
      const net = withBiases(createConvNetwork({ ...tiny, features, activation }, 5, input))
      const { x, y } = batch()
      tf.tidy(() => {
        const ours = convRuleUpdates(net, convBackpropSignal(net), 'cross-entropy', x, y)
        const variables = net.layers.flatMap((layer) => [layer.W, layer.b!])
        const { grads } = tf.variableGrads(() => lossValue('cross-entropy', convForward(net, asImages(net, x)).output, y), variables)
        net.layers.forEach((layer, l) => {
          expect(relativeError(ours.dW[l].dataSync(), grads[layer.W.name].dataSync()), `${activation} dW${l + 1}`).toBeLessThan(1e-4)
          expect(relativeError(ours.db[l]!.dataSync(), grads[layer.b!.name].dataSync()), `${activation} db${l + 1}`).toBeLessThan(1e-4)
        })
      })
      x.dispose()
      y.dispose()
      disposeConvNetwork(net)
    }
    await initBackend('auto')
  })

  it('FA’s B is a fixed random kernel of the layer’s shape; DFA’s a projection from the outputs to each hidden map', () => {
    const net = createConvNetwork(tiny, 2, input)
    const fa = createConvRule('fa', net, 2)
    const dfa = createConvRule('dfa', net, 2)
    expect(fa.fixed.map((B) => B.shape)).toEqual([[2, 2, 3, 2], [8, 4], [4, 3]])
    expect(dfa.fixed.map((B) => B.shape)).toEqual([[12, 3], [8, 3], [4, 3]])
    // the same seed's B for the last hidden layer: FA's and DFA's coincide there, as for MLPs
    expect(Array.from(fa.fixed[2].dataSync())).toEqual(Array.from(dfa.fixed[2].dataSync()))
    // and B is not W
    expect(relativeError(fa.fixed[0].dataSync(), net.layers[1].W.dataSync())).toBeGreaterThan(0.1)
    fa.dispose()
    dfa.dispose()
    disposeConvNetwork(net)
  })

  it('brSF redraws its magnitudes every batch; frSF keeps them', () => {
    const net = createConvNetwork(tiny, 4, input)
    const brsf = createConvRule('sign', net, 4, 'batchwise')
    const frsf = createConvRule('sign', net, 4, 'random')
    const read = (r: typeof brsf) => tf.tidy(() => Array.from(r.feedbackMatrix(0).dataSync()))
    const [b0, f0] = [read(brsf), read(frsf)]
    brsf.nextBatch()
    frsf.nextBatch()
    expect(read(brsf)).not.toEqual(b0)
    expect(read(frsf)).toEqual(f0)
    // signs follow W above
    const signs = tf.tidy(() => Array.from(tf.sign(net.layers[1].W).dataSync()))
    expect(read(brsf).map(Math.sign)).toEqual(signs)
    brsf.dispose()
    frsf.dispose()
    disposeConvNetwork(net)
  })
})
