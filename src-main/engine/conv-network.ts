/**
 * Convolutional networks written out by hand, as network.ts writes out the fully connected ones,
 * so that the backward pass can carry any learning rule's feedback through convolutions.
 *
 * Weight layer l (1-based, as the measures count) is a convolution a_l = s_l · conv(h_{l−1}, W_l) + b_l
 * (W_l: [k, k, in, out], NHWC maps) or a dense layer a_l = s_l · h_{l−1} W_l + b_l; a convolution's
 * output z_l = ψ(a_l) then passes its pooling stages, and h_l is what layer l + 1 reads (flattened
 * in [height, width, channel] order where a dense layer follows a map). The last layer is linear.
 * Shapes come from src-shared/conv-shape.ts; initial weights from the run's seed (stream
 * `weights.<l>`) with the MLP's init laws, fan-in k·k·in.
 *
 * The backward pass takes the rule's signal ε_l to each hidden output h_l and turns it into
 * δ_l = (pooling's backprop of ε_l) ⊙ ψ'(a_l), exactly for every rule: pooling and ψ are
 * not learned, so only the transport through the weights above differs between rules
 * (engine/conv-rules.ts). `convStep` below is one training step given the model's tensors: the
 * seam other engine paths are checked against update by update.
 */
import type { Activation, ConvModelConfig, LossKind } from '../../src-shared/config'
import { convLayerShapes, imageInputShape, sizeOf, type MapShape, type PoolStage } from '../../src-shared/conv-shape'
import { createRng } from '../lib/random'
import { activate, activationDerivative, initLaw, lossAndError, type InitScheme } from './network'
import { tf } from './tf'

export interface ConvLayer {
  kind: 'conv' | 'dense'
  /** [k, k, in, out] or [fanIn, fanOut] */
  W: tf.Variable
  /** [out], absent for bias-free layers */
  b: tf.Variable | null
  /** Forward multiplier on the product (1/√fanIn under the standard parameterisation). */
  scale: number
  /** A convolution's stride and padding (1 and 0 for dense layers). */
  stride: number
  padding: number
  /** Pooling stages after ψ, before the next layer. */
  pools: PoolStage[]
  /** The layer's input map (a dense layer's [1, 1, fanIn]) and output map before pooling. */
  input: MapShape
  output: MapShape
  fanIn: number
  fanOut: number
}

export interface ConvNetwork {
  activation: Activation
  init: InitScheme
  layers: ConvLayer[]
  /** The input map, [28, 28, 1] for the image datasets. */
  input: MapShape
  /** h_l's map for hidden layer l (1-based index l − 1): the output of layer l after its pooling. */
  hiddenShapes: MapShape[]
}

/** Draws a conv model's initial weights from the run's seed (stream `weights.<l>`, l from 1). */
export function createConvNetwork(model: ConvModelConfig, seed: number, input: MapShape = imageInputShape): ConvNetwork {
  const { layers: shapes } = convLayerShapes(model, input)
  const layers = shapes.map((shape, i): ConvLayer => {
    const { std, scale } = initLaw(model.init, shape.fanIn, shape.fanOut, i === shapes.length - 1)
    const values = createRng(seed, `weights.${i + 1}`).normalArray(sizeOf(shape.shape), std)
    const conv = model.features.filter((s) => s.kind === 'conv')[i]
    return {
      kind: shape.kind,
      W: tf.tidy(() => tf.variable(tf.tensor(values, shape.shape), true)),
      b: model.bias ? tf.tidy(() => tf.variable(tf.zeros([shape.shape.at(-1)!]), true)) : null,
      scale,
      stride: conv?.kind === 'conv' ? conv.stride : 1,
      padding: conv?.kind === 'conv' ? conv.padding : 0,
      pools: shape.pools,
      input: shape.input,
      output: shape.output,
      fanIn: shape.fanIn,
      fanOut: shape.fanOut,
    }
  })
  return { activation: model.activation, init: model.init, layers, input, hiddenShapes: shapes.slice(0, -1).map((s) => s.pooled) }
}

export function disposeConvNetwork(net: ConvNetwork): void {
  for (const layer of net.layers) {
    layer.W.dispose()
    layer.b?.dispose()
  }
}

export interface ConvForwardPass {
  /** Input of each layer as it reads it: x [batch, 28, 28, 1], then each h_l (flattened for a dense layer). */
  inputs: tf.Tensor[]
  /** a_l of each hidden layer. */
  preActivations: tf.Tensor[]
  /** z_l = ψ(a_l) of each hidden layer, before pooling. */
  activations: tf.Tensor[]
  /** Per hidden layer, each pooling stage's input and output. */
  pooled: { input: tf.Tensor; output: tf.Tensor }[][]
  /** [batch, outputs] */
  output: tf.Tensor2D
}

/** a = s · (h ⊛ W) + b for either kind of layer; h already shaped for it. */
export function layerProduct(layer: ConvLayer, h: tf.Tensor, W: tf.Tensor = layer.W): tf.Tensor {
  let a: tf.Tensor =
    layer.kind === 'conv'
      ? tf.conv2d(h as tf.Tensor4D, W as tf.Tensor4D, layer.stride, layer.padding)
      : tf.matMul(h as tf.Tensor2D, W as tf.Tensor2D)
  if (layer.scale !== 1) a = tf.mul(a, layer.scale)
  if (layer.b) a = tf.add(a, layer.b)
  return a
}

function pool(stage: PoolStage, z: tf.Tensor): tf.Tensor {
  const stride = stage.stride ?? stage.size
  return stage.kind === 'maxPool' ? tf.maxPool(z as tf.Tensor4D, stage.size, stride, 'valid') : tf.avgPool(z as tf.Tensor4D, stage.size, stride, 'valid')
}

/**
 * ∂/∂(pool input) given ∂/∂(pool output) dy. Average pooling spreads each entry evenly over its
 * window (tfjs's AvgPoolGrad). Max pooling routes it to its window's maximum, the first one in
 * row-major order where several tie (as tfjs's and PyTorch's forward pick it), written here with
 * one strided comparison per window offset: tfjs-backend-wasm's MaxPoolGrad disagrees with the
 * cpu backend's inside a training step (test/engine/conv-rules.test.ts caught it, for overlapping
 * and for disjoint windows alike).
 */
export function poolBackward(stage: PoolStage, input: tf.Tensor4D, output: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  const stride = stage.stride ?? stage.size
  const attrs = { filterSize: [stage.size, stage.size], strides: [stride, stride], pad: 'valid' }
  if (stage.kind === 'avgPool') return tf.engine().runKernel('AvgPoolGrad', { dy, input }, attrs) as tf.Tensor4D
  const [n, h, w, c] = input.shape
  const [, ho, wo] = output.shape
  const reach = [(ho - 1) * stride + 1, (wo - 1) * stride + 1]
  let taken: tf.Tensor = tf.zerosLike(output)
  let grad: tf.Tensor4D = tf.zerosLike(input)
  for (let oy = 0; oy < stage.size; oy++)
    for (let ox = 0; ox < stage.size; ox++) {
      const cells = tf.stridedSlice(input, [0, oy, ox, 0], [n, oy + reach[0], ox + reach[1], c], [1, stride, stride, 1])
      const wins = tf.mul(tf.cast(tf.equal(cells, output), 'float32'), tf.sub(1, taken))
      taken = tf.add(taken, wins)
      const routed = spread(tf.mul(wins, dy) as tf.Tensor4D, stride)
      grad = tf.add(grad, tf.pad(routed, [[0, 0], [oy, h - oy - reach[0]], [ox, w - ox - reach[1]], [0, 0]])) as tf.Tensor4D
    }
  return grad
}

/** t: [n, h, w, c] with stride − 1 zeros between neighbouring entries: [n, (h−1)·s+1, (w−1)·s+1, c]. */
function spread(t: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return t
  const [n, h, w, c] = t.shape
  const padded = tf.pad(tf.reshape(t, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]])
  return tf.slice(tf.reshape(padded, [n, h * s, w * s, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (h - 1) * s + 1, (w - 1) * s + 1, c])
}

/** Forward pass on x: [batch, height, width, channels]. Call inside tf.tidy. */
export function convForward(net: ConvNetwork, x: tf.Tensor4D): ConvForwardPass {
  const inputs: tf.Tensor[] = []
  const preActivations: tf.Tensor[] = []
  const activations: tf.Tensor[] = []
  const pooled: { input: tf.Tensor; output: tf.Tensor }[][] = []
  let h: tf.Tensor = x
  const last = net.layers.length - 1
  for (let l = 0; l <= last; l++) {
    const layer = net.layers[l]
    if (layer.kind === 'dense' && h.rank !== 2) h = tf.reshape(h, [h.shape[0], -1])
    inputs.push(h)
    const a = layerProduct(layer, h)
    if (l === last) return { inputs, preActivations, activations, pooled, output: a as tf.Tensor2D }
    const z = activate(net.activation, a)
    preActivations.push(a)
    activations.push(z)
    const stages: { input: tf.Tensor; output: tf.Tensor }[] = []
    h = z
    for (const stage of layer.pools) {
      const out = pool(stage, h)
      stages.push({ input: h, output: out })
      h = out
    }
    pooled.push(stages)
  }
  throw new Error('a conv network has at least one layer')
}

/**
 * The signal a learning rule sends to hidden layer `hidden` (0-based): the stand-in for ∂L/∂h_l,
 * shaped as h_l's map [batch, h, w, c] (a dense layer's [batch, width]), given δ of the layer above
 * (shaped as that layer's pre-activation), the output error e and the batch's targets y*.
 */
export type ConvFeedbackSignal = (hidden: number, deltaAbove: tf.Tensor, outputError: tf.Tensor2D, target: tf.Tensor2D) => tf.Tensor

export interface ConvUpdates {
  /** Per layer, the rule's estimate of ∂L/∂W_l, shaped as W_l. */
  dW: tf.Tensor[]
  db: (tf.Tensor1D | null)[]
  /** Per hidden layer, the signal ε_l the rule sent to h_l, shaped as h_l. */
  signals: tf.Tensor[]
}

/**
 * ∂(s · conv(h, W))/∂W contracted with δ: [k, k, in, out], as one matrix product over the input's
 * windows (im2col by one gather: TensorFlow.js's wasm backend has no 2-D filter gradient, and its
 * 3-D one is wrong for strides above 1). Rows and columns the windows never reach do not enter.
 */
export function convFilterGradient(layer: ConvLayer, h: tf.Tensor4D, delta: tf.Tensor4D): tf.Tensor4D {
  const [k, , cin, cout] = layer.W.shape
  const p = layer.padding
  const padded = p > 0 ? tf.pad(h, [[0, 0], [p, p], [p, p], [0, 0]]) : h
  const [n, hp, wp] = padded.shape
  const [, ho, wo] = delta.shape
  if (layer.stride === 1 && ho * wo > k * k) {
    // Many output positions per kernel entry: tfjs's 3-D filter gradient on maps of depth 1 is the
    // faster one there (measured on LeNet's first two layers), and right at stride 1.
    const used = tf.slice(padded, [0, 0, 0, 0], [n, ho + k - 1, wo + k - 1, cin])
    const grad = tf.engine().runKernel(
      'Conv3DBackpropFilterV2',
      { x: tf.reshape(used, [n, 1, ho + k - 1, wo + k - 1, cin]), dy: tf.reshape(delta, [n, 1, ho, wo, cout]) },
      { strides: [1, 1, 1], pad: 'valid', filterShape: [1, k, k, cin, cout] },
    ) as tf.Tensor
    const out = tf.reshape(grad, [k, k, cin, cout]) as tf.Tensor4D
    return layer.scale !== 1 ? tf.mul(out, layer.scale) : out
  }
  // patches: [n·ho·wo, k·k·in], each row one window in W's (ky, kx, in) order
  const patches = tf.reshape(tf.gather(tf.reshape(padded, [n, hp * wp, cin]), windowIndices(layer, wp, ho, wo), 1), [n * ho * wo, k * k * cin])
  const grad = tf.matMul(patches as tf.Tensor2D, tf.reshape(delta, [n * ho * wo, cout]) as tf.Tensor2D, true, false)
  const out = tf.reshape(grad, [k, k, cin, cout]) as tf.Tensor4D
  return layer.scale !== 1 ? tf.mul(out, layer.scale) : out
}

/** For each output position and kernel offset, the flat index of the padded input pixel it reads: [ho·wo·k·k]. */
function windowIndices(layer: ConvLayer, wp: number, ho: number, wo: number): tf.Tensor1D {
  const k = layer.W.shape[0]
  const s = layer.stride
  const indices = new Int32Array(ho * wo * k * k)
  let i = 0
  for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) indices[i++] = (oy * s + ky) * wp + ox * s + kx
  return tf.tensor1d(indices, 'int32')
}

/**
 * δ transported down through a layer's weights (or a stand-in K of their shape): the layer's
 * input-gradient s · δ ⊛ᵀ K, shaped as the layer's input map [batch, h, w, c]; a dense layer's
 * [batch, fanIn] is given back as the map `asMap` where its input was a flattened map.
 */
export function transportDown(layer: ConvLayer, delta: tf.Tensor, K: tf.Tensor, asMap: MapShape | null): tf.Tensor {
  let eps: tf.Tensor
  if (layer.kind === 'conv') {
    const [h, w, c] = layer.input
    eps = tf.conv2dTranspose(delta as tf.Tensor4D, K as tf.Tensor4D, [delta.shape[0], h, w, c], layer.stride, layer.padding)
  } else {
    eps = tf.matMul(delta as tf.Tensor2D, K as tf.Tensor2D, false, true)
    if (asMap) eps = tf.reshape(eps, [delta.shape[0], ...asMap])
  }
  return layer.scale !== 1 ? tf.mul(eps, layer.scale) : eps
}

/**
 * Backward pass with a pluggable feedback signal; backprop's is `transportDown` with W itself.
 * The input gradient of layer 1 is never formed. Call inside tf.tidy.
 */
export function convBackward(net: ConvNetwork, pass: ConvForwardPass, outputError: tf.Tensor2D, target: tf.Tensor2D, signal: ConvFeedbackSignal): ConvUpdates {
  const L = net.layers.length
  const dW: tf.Tensor[] = new Array(L)
  const db: (tf.Tensor1D | null)[] = new Array(L)
  const signals: tf.Tensor[] = new Array(L - 1)
  let delta: tf.Tensor = outputError
  for (let l = L - 1; l >= 0; l--) {
    const layer = net.layers[l]
    if (layer.kind === 'conv') dW[l] = convFilterGradient(layer, pass.inputs[l] as tf.Tensor4D, delta as tf.Tensor4D)
    else {
      const grad = tf.matMul(pass.inputs[l] as tf.Tensor2D, delta as tf.Tensor2D, true, false)
      dW[l] = layer.scale !== 1 ? tf.mul(grad, layer.scale) : grad
    }
    db[l] = layer.b ? (tf.sum(delta, [...Array(delta.rank - 1).keys()]) as tf.Tensor1D) : null
    if (l === 0) break
    const hidden = l - 1
    const epsilon = signal(hidden, delta, outputError, target)
    signals[hidden] = epsilon
    let g = epsilon
    const stages = pass.pooled[hidden]
    for (let j = stages.length - 1; j >= 0; j--) g = poolBackward(net.layers[hidden].pools[j], stages[j].input as tf.Tensor4D, stages[j].output as tf.Tensor4D, g as tf.Tensor4D)
    const derivative = activationDerivative(net.activation, pass.preActivations[hidden], pass.activations[hidden])
    delta = derivative ? tf.mul(g, derivative) : g
  }
  return { dW, db, signals }
}

/** The map a signal to hidden layer `hidden` (0-based) takes: a convolution's pooled output map, or null for a dense layer's [batch, width]. */
export function signalMap(net: ConvNetwork, hidden: number): MapShape | null {
  return net.layers[hidden].kind === 'conv' ? net.hiddenShapes[hidden] : null
}

/** Backprop's feedback: ε_l = the input gradient of layer l + 1 through its own W. */
export function convBackpropSignal(net: ConvNetwork): ConvFeedbackSignal {
  return (hidden, deltaAbove) => transportDown(net.layers[hidden + 1], deltaAbove, net.layers[hidden + 1].W, signalMap(net, hidden))
}

/** Images as maps: [rows, 784] → [rows, 28, 28, 1]. */
export function asImages(net: ConvNetwork, x: tf.Tensor2D): tf.Tensor4D {
  return tf.reshape(x, [x.shape[0], ...net.input])
}

/** The rule's updates and the loss at the current parameters for one batch (x: [rows, 784]). Call inside tf.tidy. */
export function convRuleUpdates(net: ConvNetwork, signal: ConvFeedbackSignal, loss: LossKind, x: tf.Tensor2D, targets: tf.Tensor2D): ConvUpdates & { loss: tf.Scalar } {
  const pass = convForward(net, asImages(net, x))
  const { loss: value, error } = lossAndError(loss, pass.output, targets)
  return { ...convBackward(net, pass, error, targets, signal), loss: value }
}
