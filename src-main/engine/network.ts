/**
 * Fully connected networks written out by hand, so that the backward pass can carry any learning
 * rule's feedback. Convention: a layer computes a = scale · (h W) + b with W: [fanIn, fanOut]
 * (batch-major), and the output layer is linear.
 *
 * The paper's two-layer model f(x) = (1/√p) β ψ(W x) is layer 1 with scale 1 (W here is the
 * paper's Wᵀ) and layer 2 with scale 1/√p (β here is the paper's βᵀ), no biases, N(0,1) entries.
 */
import type { Activation, LossKind, ModelConfig } from '../../src-shared/config'
import { createRng } from '../lib/random'
import { tf } from './tf'

export type InitScheme = 'paper' | 'standard' | 'glorot' | 'he'

export interface NetworkSpec {
  inputDim: number
  /** Hidden widths, input side first. */
  hidden: number[]
  outputs: number
  activation: Activation
  bias: boolean
  init: InitScheme
}

export interface Layer {
  /** [fanIn, fanOut] */
  W: tf.Variable
  /** [fanOut], absent for bias-free layers */
  b: tf.Variable | null
  /** Forward multiplier on h·W (1/√fanIn under the standard parameterisation). */
  scale: number
  fanIn: number
  fanOut: number
}

export interface Network {
  spec: NetworkSpec
  layers: Layer[]
}

/** The network spec a model config describes, given the data's input dimension. */
export function networkSpec(model: ModelConfig, inputDim: number): NetworkSpec {
  if (model.kind === 'conv') throw new Error('a convolutional model is built by engine/conv-network.ts, not as a fully connected network')
  if (model.kind === 'two-layer') {
    return { inputDim, hidden: [model.hidden], outputs: model.outputs, activation: model.activation, bias: false, init: 'paper' }
  }
  return { inputDim, hidden: model.hidden, outputs: model.outputs, activation: model.activation, bias: model.bias, init: model.init }
}

/** Layer widths from input to output: [d, h_1, ..., h_{L-1}, k]. */
export function layerWidths(spec: NetworkSpec): number[] {
  return [spec.inputDim, ...spec.hidden, spec.outputs]
}

/**
 * Standard deviation of the entries drawn for a [fanIn, fanOut] layer, and its forward scale.
 * Feedback matrices standing in for a layer are drawn with the same law.
 */
export function initLaw(init: InitScheme, fanIn: number, fanOut: number, isOutput: boolean): { std: number; scale: number } {
  switch (init) {
    case 'paper':
      return { std: 1, scale: isOutput ? 1 / Math.sqrt(fanIn) : 1 }
    case 'standard':
      return { std: 1, scale: 1 / Math.sqrt(fanIn) }
    case 'glorot':
      return { std: Math.sqrt(2 / (fanIn + fanOut)), scale: 1 }
    case 'he':
      return { std: Math.sqrt(2 / fanIn), scale: 1 }
  }
}

/** Draws a network's initial weights from the run's seed (stream `weights.<l>`, l from 1). */
export function createNetwork(spec: NetworkSpec, seed: number): Network {
  const widths = layerWidths(spec)
  const layers: Layer[] = []
  for (let l = 0; l < widths.length - 1; l++) {
    const fanIn = widths[l]
    const fanOut = widths[l + 1]
    const { std, scale } = initLaw(spec.init, fanIn, fanOut, l === widths.length - 2)
    const values = createRng(seed, `weights.${l + 1}`).normalArray(fanIn * fanOut, std)
    layers.push({
      W: tf.tidy(() => tf.variable(tf.tensor2d(values, [fanIn, fanOut]), true)),
      b: spec.bias ? tf.tidy(() => tf.variable(tf.zeros([fanOut]), true)) : null,
      scale,
      fanIn,
      fanOut,
    })
  }
  return { spec, layers }
}

export function disposeNetwork(net: Network): void {
  for (const layer of net.layers) {
    layer.W.dispose()
    layer.b?.dispose()
  }
}

export function activate(kind: Activation, a: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'linear':
      return a
    case 'relu':
      return tf.relu(a)
    case 'tanh':
      return tf.tanh(a)
    case 'sigmoid':
      return tf.sigmoid(a)
  }
}

/** ψ'(a), written with the activation's output h = ψ(a) where that is cheaper. */
export function activationDerivative(kind: Activation, a: tf.Tensor, h: tf.Tensor): tf.Tensor | null {
  switch (kind) {
    case 'linear':
      return null
    case 'relu':
      return tf.step(a, 0)
    case 'tanh':
      return tf.sub(1, tf.square(h))
    case 'sigmoid':
      return tf.mul(h, tf.sub(1, h))
  }
}

export interface ForwardPass {
  /** Input of each layer: x, then each hidden output after dropout. */
  inputs: tf.Tensor2D[]
  /** Pre-activations a_l of each hidden layer: [batch, h_l]. */
  preActivations: tf.Tensor2D[]
  /** ψ(a_l) before dropout. */
  activations: tf.Tensor2D[]
  /** Inverted-dropout masks (0 or 1/(1−p)), null where no dropout. */
  masks: (tf.Tensor2D | null)[]
  /** Network output: [batch, outputs]. */
  output: tf.Tensor2D
}

function affine(layer: Layer, h: tf.Tensor2D, W: tf.Tensor2D = layer.W as tf.Tensor2D): tf.Tensor2D {
  let a = tf.matMul<tf.Tensor2D>(h, W)
  if (layer.scale !== 1) a = tf.mul<tf.Tensor2D>(a, layer.scale)
  if (layer.b) a = tf.add<tf.Tensor2D>(a, layer.b)
  return a
}

/**
 * Forward pass. `dropoutMasks(l, shape)` returns the mask for hidden layer l (0-based), or null.
 * Call inside tf.tidy.
 */
export function forward(
  net: Network,
  x: tf.Tensor2D,
  dropoutMask: (hiddenIndex: number, shape: [number, number]) => tf.Tensor2D | null = () => null,
): ForwardPass {
  const inputs: tf.Tensor2D[] = [x]
  const preActivations: tf.Tensor2D[] = []
  const activations: tf.Tensor2D[] = []
  const masks: (tf.Tensor2D | null)[] = []
  let h = x
  const last = net.layers.length - 1
  for (let l = 0; l < last; l++) {
    const a = affine(net.layers[l], h)
    const act = activate(net.spec.activation, a) as tf.Tensor2D
    const mask = dropoutMask(l, a.shape)
    preActivations.push(a)
    activations.push(act)
    masks.push(mask)
    h = mask ? tf.mul<tf.Tensor2D>(act, mask) : act
    inputs.push(h)
  }
  return { inputs, preActivations, activations, masks, output: affine(net.layers[last], h) }
}

export interface LossAndError {
  /** Scalar loss. */
  loss: tf.Scalar
  /** dL/d(output): [batch, outputs]. */
  error: tf.Tensor2D
}

/**
 * `mse`: mean over samples and outputs of (f − y)², as torch.nn.MSELoss.
 * `cross-entropy`: mean over samples of −Σ_k y_k log softmax(f)_k.
 */
export function lossAndError(kind: LossKind, output: tf.Tensor2D, target: tf.Tensor2D): LossAndError {
  const [n, k] = output.shape
  if (kind === 'mse') {
    const diff = tf.sub(output, target)
    return { loss: tf.mean(tf.square(diff)), error: tf.mul<tf.Tensor2D>(diff, 2 / (n * k)) }
  }
  const logProbabilities = tf.logSoftmax(output)
  const loss = tf.div(tf.neg(tf.sum(tf.mul(target, logProbabilities))), n) as tf.Scalar
  return { loss, error: tf.div<tf.Tensor2D>(tf.sub(tf.exp(logProbabilities), target), n) }
}

/** Loss only. */
export function lossValue(kind: LossKind, output: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  if (kind === 'mse') return tf.mean(tf.squaredDifference(output, target))
  return tf.div(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(output)))), output.shape[0]) as tf.Scalar
}

/**
 * The signal a learning rule sends to hidden layer `hiddenIndex` (0-based): the stand-in for
 * ∂L/∂h_l, [batch, h_l], given δ of the layer above, the output error e and the batch's targets
 * y* (all [batch, ·]).
 */
export type FeedbackSignal = (hiddenIndex: number, deltaAbove: tf.Tensor2D, outputError: tf.Tensor2D, target: tf.Tensor2D) => tf.Tensor2D

export interface Updates {
  /** Per layer, the rule's estimate of ∂L/∂W_l: [fanIn, fanOut]. */
  dW: tf.Tensor2D[]
  db: (tf.Tensor1D | null)[]
  /** Per hidden layer, the signal ε_l the rule sent to h_l: [batch, h_l]. */
  signals: tf.Tensor2D[]
}

/**
 * Backward pass with a pluggable feedback signal; backprop is the signal δ W_{l+1}ᵀ.
 * The input gradient of layer 1 is never formed. Call inside tf.tidy.
 */
export function backward(net: Network, pass: ForwardPass, outputError: tf.Tensor2D, target: tf.Tensor2D, signal: FeedbackSignal): Updates {
  const L = net.layers.length
  const dW: tf.Tensor2D[] = new Array(L)
  const db: (tf.Tensor1D | null)[] = new Array(L)
  const signals: tf.Tensor2D[] = new Array(L - 1)
  let delta = outputError
  for (let l = L - 1; l >= 0; l--) {
    const layer = net.layers[l]
    let grad = tf.matMul<tf.Tensor2D>(pass.inputs[l], delta, true, false)
    if (layer.scale !== 1) grad = tf.mul<tf.Tensor2D>(grad, layer.scale)
    dW[l] = grad
    db[l] = layer.b ? tf.sum<tf.Tensor1D>(delta, 0) : null
    if (l === 0) break
    const hidden = l - 1
    const epsilon = signal(hidden, delta, outputError, target)
    signals[hidden] = epsilon
    const mask = pass.masks[hidden]
    const gated = mask ? tf.mul<tf.Tensor2D>(epsilon, mask) : epsilon
    const derivative = activationDerivative(net.spec.activation, pass.preActivations[hidden], pass.activations[hidden])
    delta = derivative ? tf.mul<tf.Tensor2D>(gated, derivative) : gated
  }
  return { dW, db, signals }
}

/** Backprop's feedback: ε_l = scale_{l+1} · δ_{l+1} W_{l+1}ᵀ. */
export function backpropSignal(net: Network): FeedbackSignal {
  return (hidden, deltaAbove) => {
    const above = net.layers[hidden + 1]
    const eps = tf.matMul<tf.Tensor2D>(deltaAbove, above.W as tf.Tensor2D, false, true)
    return above.scale !== 1 ? tf.mul<tf.Tensor2D>(eps, above.scale) : eps
  }
}
