/**
 * Learning rules on convolutional networks (engine/conv-network.ts), as engine/rules.ts writes
 * them for fully connected ones. The signal ε_l to hidden output h_l is, with T_{l+1}(δ, K) the
 * input gradient of layer l + 1 computed with K in place of its weights (the transposed
 * convolution s · δ ⊛ᵀ K for a convolution, s · δ Kᵀ for a dense layer):
 *
 *   bp   ε_l = T_{l+1}(δ_{l+1}, W_{l+1})                                   (true gradient)
 *   fa   ε_l = T_{l+1}(δ_{l+1}, B_l),   B_l a fixed random kernel (or matrix) of W_{l+1}'s shape
 *   kp   ε_l = T_{l+1}(δ_{l+1}, B_l),   B_l learned: it takes W_{l+1}'s update and decay
 *   sign ε_l = T_{l+1}(δ_{l+1}, sign(W_{l+1}) ⊙ M_l), M_l = 1 (uSF), a fixed |R_l| (frSF) or
 *        |R_l| redrawn for every batch (brSF)
 *   dfa  ε_l = s · e B_lᵀ,        B_l fixed, [size(h_l), k]: a random projection from the output
 *        to every unit of h_l's feature map (reshaped to the map)
 *   drtp ε_l = (s/n) · y* B_lᵀ,   the same with the targets in place of the error
 *
 * with s the forward scale of layer l + 1 (1 except under the `standard` init). Fixed B are drawn
 * from the run's seed on stream `feedback.<l>` with the init law of the layer they stand in for
 * (DFA, DRTP: as an output layer of fan-in size(h_l)); batchwise magnitudes on
 * `feedbackMagnitude.<l>`. BP runs see the same B as FA, their alignment to it a null baseline.
 */
import type { FeedbackMagnitude, RuleKind } from '../../src-shared/config'
import { sizeOf } from '../../src-shared/conv-shape'
import { convBackpropSignal, signalMap, transportDown, type ConvFeedbackSignal, type ConvNetwork } from './conv-network'
import { initLaw } from './network'
import { createFeedback, directRules, type RuleOf } from './rules'
import { tf } from './tf'

export type ConvRule = RuleOf<ConvFeedbackSignal, tf.Tensor>

/** The shape of B_l for hidden layer `hidden` (0-based) under `kind`, and the standard deviation it is drawn with. */
export function feedbackShape(net: ConvNetwork, kind: RuleKind, hidden: number, outputs: number): { shape: number[]; std: number } {
  const L = net.layers.length
  if (directRules.includes(kind)) {
    const rows = sizeOf(net.hiddenShapes[hidden])
    return { shape: [rows, outputs], std: initLaw(net.init, rows, outputs, true).std }
  }
  const above = net.layers[hidden + 1]
  return { shape: above.W.shape, std: initLaw(net.init, above.fanIn, above.fanOut, hidden + 1 === L - 1).std }
}

export function createConvRule(kind: RuleKind, net: ConvNetwork, seed: number, magnitude: FeedbackMagnitude = 'unit'): ConvRule {
  const L = net.layers.length
  const outputs = net.layers[L - 1].fanOut
  const feedback = createFeedback<tf.Tensor>(
    kind,
    magnitude,
    seed,
    net.layers.slice(0, -1).map((_, hidden) => feedbackShape(net, kind, hidden, outputs)),
    (hidden) => net.layers[hidden + 1].W,
  )
  const { fixed, signMatrix } = feedback
  /** e Bᵀ (or y* Bᵀ / n) reshaped to h_l's map, with layer l + 1's forward scale. */
  const project = (hidden: number, source: tf.Tensor2D, factor: number): tf.Tensor => {
    let eps: tf.Tensor = tf.matMul(source, fixed[hidden] as tf.Tensor2D, false, true)
    const scale = net.layers[hidden + 1].scale * factor
    if (scale !== 1) eps = tf.mul(eps, scale)
    const map = signalMap(net, hidden)
    return map ? tf.reshape(eps, [source.shape[0], ...map]) : eps
  }
  const through = (hidden: number, delta: tf.Tensor, K: tf.Tensor) => transportDown(net.layers[hidden + 1], delta, K, signalMap(net, hidden))

  let signal: ConvFeedbackSignal
  let feedbackMatrix: (hidden: number) => tf.Tensor = (hidden) => fixed[hidden]
  switch (kind) {
    case 'bp':
      signal = convBackpropSignal(net)
      break
    case 'fa':
    case 'kp':
      signal = (hidden, delta) => through(hidden, delta, fixed[hidden])
      break
    case 'sign':
      signal = (hidden, delta) => through(hidden, delta, signMatrix(hidden))
      feedbackMatrix = signMatrix
      break
    case 'dfa':
      signal = (hidden, _delta, outputError) => project(hidden, outputError, 1)
      break
    case 'drtp':
      signal = (hidden, _delta, _outputError, target) => project(hidden, target, 1 / target.shape[0])
      break
  }
  return { ...feedback, kind, signal, feedbackMatrix }
}
