/**
 * A conv net's parameters and rule for the blas path's tests, and the reference step of tf ops
 * each update is checked against: the forward pass with tf.conv2d and tf's pools, and each
 * backward product as the vector-Jacobian product tf's autodiff makes of it (tf.grad), with the
 * rule's feedback kernel in place of W in the input's product (a rule's signal is the transposed
 * convolution with its kernel, which is the input gradient of a convolution by that kernel).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import type { Activation, LossKind, RuleKind } from '../../src-shared/config'
import { convLayerShapes, sizeOf, type MapShape, type PoolStage } from '../../src-shared/conv-shape'
import type { ConvNetLayer, ConvNetModel, ConvNetRule } from '../../src-main/engine/conv-blas'
import { activate, activationDerivative, lossAndError } from '../../src-main/engine/network'
import { tf } from '../../src-main/engine/tf'
import { createRng } from '../../src-main/lib/random'

/** A conv net as these tests build it: its model and input map. */
export interface ConvNetSpec extends ConvNetModel {
  input: MapShape
}

/** The weight layers (conv, then dense) of a spec, with their pools. */
export const layerShapes = (spec: ConvNetSpec) => convLayerShapes(spec, spec.input).layers

/** He-initialised W and small random biases (so that the bias updates are tested from a non-zero start), from `seed`. */
export function createLayers(spec: ConvNetSpec, seed: number, bias = true): ConvNetLayer[] {
  return layerShapes(spec).map(({ shape, fanIn }, l) => {
    const rng = createRng(seed, `weights.${l + 1}`)
    const W = tf.variable(tf.tensor(rng.normalArray(fanIn * shape[shape.length - 1], Math.sqrt(2 / fanIn)), shape))
    const b = bias ? tf.variable(tf.tensor1d(rng.normalArray(shape[shape.length - 1], 0.1))) : null
    return { W, b, scale: 1 }
  })
}

/**
 * The rule's feedback: B_l shaped like W_{l+1} (fa, kp, sign's |R|), or [features of h_l, outputs]
 * for dfa and drtp, from `seed`; batchwise sign redraws |R| every batch from its own stream.
 */
export function createRule(kind: RuleKind, magnitude: ConvNetRule['magnitude'], spec: ConvNetSpec, layers: ConvNetLayer[], seed: number): ConvNetRule {
  const shapes = layerShapes(spec)
  const direct = kind === 'dfa' || kind === 'drtp'
  const fixed: tf.Tensor[] = []
  for (let hidden = 0; hidden < layers.length - 1; hidden++) {
    const shape = direct ? [sizeOf(shapes[hidden + 1].input), spec.outputs] : shapes[hidden + 1].shape
    const size = shape.reduce((a, b) => a * b, 1)
    let values = createRng(seed, `feedback.${hidden + 1}`).normalArray(size, Math.sqrt(2 / (size / shape[shape.length - 1])))
    if (kind === 'sign') values = values.map(Math.abs)
    fixed.push(kind === 'kp' ? tf.variable(tf.tensor(values, shape)) : tf.keep(tf.tensor(values, shape)))
  }
  const streams = fixed.map((_, hidden) => createRng(seed, `feedbackMagnitude.${hidden + 1}`))
  const magnitudes = fixed.map((B) => tf.variable(B, false))
  const batchwise = kind === 'sign' && magnitude === 'batchwise'
  return {
    kind,
    magnitude,
    fixed,
    learned: kind === 'kp' ? fixed : [],
    feedbackMatrix(hidden) {
      if (kind !== 'sign') return kind === 'bp' ? layers[hidden + 1].W : fixed[hidden]
      const signs = tf.sign(layers[hidden + 1].W)
      if (magnitude === 'unit') return signs
      return tf.mul(signs, batchwise ? magnitudes[hidden] : fixed[hidden])
    },
    nextBatch() {
      if (!batchwise) return
      magnitudes.forEach((M, hidden) => {
        const values = streams[hidden].normalArray(M.size, 0.5).map(Math.abs)
        tf.tidy(() => M.assign(tf.tensor(values, M.shape)))
      })
    },
  }
}

export interface ReferenceSettings {
  learningRate: number
  momentum: number
  weightDecay: number
  outputL2: number
}

/** Momentum buffers, zero, shaped like each layer's W and b. */
export function createVelocity(layers: ConvNetLayer[]): { W: tf.Variable; b: tf.Variable | null }[] {
  return layers.map((layer) => ({ W: tf.variable(tf.zerosLike(layer.W)), b: layer.b ? tf.variable(tf.zerosLike(layer.b)) : null }))
}

/** A pool's tf op on an NHWC batch. */
const poolOp = (pool: PoolStage) => (h: tf.Tensor): tf.Tensor4D =>
  (pool.kind === 'maxPool' ? tf.maxPool : tf.avgPool)(h as tf.Tensor4D, pool.size, pool.stride ?? pool.size, 'valid')

/**
 * One update on the tf path, in place on `layers` (and KP's learned B): g = ΔW + (decay + [output] λ)·W,
 * v ← μ·v + g, W ← W − η·v with `velocity`, else W ← W − η·g. Returns the loss before the update.
 */
export function referenceStep(
  spec: ConvNetSpec,
  layers: ConvNetLayer[],
  rule: ConvNetRule,
  loss: LossKind,
  x: tf.Tensor2D,
  targets: tf.Tensor2D,
  settings: ReferenceSettings,
  velocity: { W: tf.Variable; b: tf.Variable | null }[] | null = null,
): number {
  const convs = spec.features.filter((f) => f.kind === 'conv')
  /** Layer l's product of its input with kernel K (tf's op), for autodiff. */
  const product = (l: number) => (input: tf.Tensor, K: tf.Tensor) =>
    l < convs.length ? tf.conv2d(input as tf.Tensor4D, K as tf.Tensor4D, convs[l].stride, convs[l].padding) : tf.matMul(input as tf.Tensor2D, K as tf.Tensor2D)
  rule.nextBatch()
  const plan = layerShapes(spec)
  const L = layers.length
  const act: Activation = spec.activation
  return tf.tidy(() => {
    const n = x.shape[0]
    // forward, keeping each layer's input, pre-activation and output, and its pools' inputs
    const inputs: tf.Tensor[] = []
    const pre: tf.Tensor[] = []
    const outs: tf.Tensor[] = []
    const poolInputs: tf.Tensor[][] = []
    const pooled: tf.Tensor[] = []
    let h: tf.Tensor = tf.reshape(x, [n, ...spec.input])
    for (let l = 0; l < L; l++) {
      const layer = layers[l]
      if (plan[l].kind === 'dense') h = tf.reshape(h, [n, plan[l].fanIn])
      inputs.push(h)
      let a = tf.mul(product(l)(h, layer.W), layer.scale)
      if (layer.b) a = tf.add(a, layer.b)
      pre.push(a)
      h = l < L - 1 ? activate(act, a) : a
      outs.push(h)
      poolInputs.push([])
      for (const pool of plan[l].pools) {
        poolInputs[l].push(h)
        h = poolOp(pool)(h)
      }
      pooled.push(h)
    }
    const { loss: value, error } = lossAndError(loss, h as tf.Tensor2D, targets)

    const dW: tf.Tensor[] = new Array(L)
    const db: (tf.Tensor | null)[] = new Array(L)
    let delta: tf.Tensor = error
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l]
      const input = inputs[l]
      dW[l] = tf.mul(tf.grad((K: tf.Tensor) => product(l)(input, K))(layer.W, delta), layer.scale)
      db[l] = layer.b ? tf.sum(tf.reshape(delta, [-1, layer.b.shape[0]]), 0) : null
      if (l === 0) break
      let epsilon: tf.Tensor
      if (rule.kind === 'dfa' || rule.kind === 'drtp') {
        const source = rule.kind === 'dfa' ? error : targets
        const scale = rule.kind === 'drtp' ? layer.scale / n : layer.scale
        epsilon = tf.mul(tf.matMul(source, rule.fixed[l - 1] as tf.Tensor2D, false, true), scale)
      } else {
        const F = rule.kind === 'bp' ? layer.W : rule.feedbackMatrix(l - 1)
        epsilon = tf.mul(tf.grad((inp: tf.Tensor) => product(l)(inp, F))(input, delta), layer.scale)
      }
      // back through layer l − 1's pools, from layer l's input (unflattened) down to h_{l−1}
      const pools = plan[l - 1].pools
      if (pools.length) epsilon = tf.reshape(epsilon, pooled[l - 1].shape)
      for (let j = pools.length - 1; j >= 0; j--) epsilon = tf.grad(poolOp(pools[j]))(poolInputs[l - 1][j], epsilon)
      const derivative = activationDerivative(act, pre[l - 1], outs[l - 1])
      const shaped = tf.reshape(epsilon, outs[l - 1].shape)
      delta = derivative ? tf.mul(shaped, derivative) : shaped
    }
    // every product formed from the weights before the update; now apply them
    for (let l = 0; l < L; l++) {
      const layer = layers[l]
      const decay = settings.weightDecay + (l === L - 1 ? settings.outputL2 : 0)
      let step = tf.add(dW[l], tf.mul(layer.W, decay))
      let biasStep = db[l]
      const v = velocity?.[l]
      if (v) {
        v.W.assign(tf.add(tf.mul(v.W, settings.momentum), step))
        step = v.W
        if (v.b && biasStep) {
          v.b.assign(tf.add(tf.mul(v.b, settings.momentum), biasStep))
          biasStep = v.b
        }
      }
      ;(layer.W as tf.Variable).assign(tf.sub(layer.W, tf.mul(step, settings.learningRate)))
      if (layer.b) (layer.b as tf.Variable).assign(tf.sub(layer.b, tf.mul(biasStep!, settings.learningRate)))
      if (rule.kind === 'kp' && l > 0) {
        const B = rule.learned[l - 1] as tf.Variable
        B.assign(tf.sub(B, tf.mul(tf.add(dW[l], tf.mul(B, decay)), settings.learningRate)))
      }
    }
    return value.dataSync()[0]
  })
}
