/**
 * Learning rules as feedback signals for the hidden layers.
 *
 *   bp   ε_l = s_{l+1} δ_{l+1} W_{l+1}ᵀ                       (true gradient)
 *   fa   ε_l = s_{l+1} δ_{l+1} B_lᵀ,   B_l fixed, shaped like W_{l+1}   (Lillicrap et al. 2016)
 *   dfa  ε_l = s_{l+1} e B_lᵀ,         B_l fixed, [h_l, k]              (Nøkland 2016)
 *   sign ε_l = s_{l+1} δ_{l+1} (sign(W_{l+1}) ⊙ M_l)ᵀ, M_l = 1 or fixed |R_l|
 *
 * where e is the output error ∂L/∂f and s_{l+1} the forward scale of layer l+1. Fixed matrices are
 * drawn from the run's seed on stream `feedback.<l>` with the init law of the layer they stand in
 * for, so FA and DFA share B on the last hidden layer (and agree exactly on two-layer nets), and
 * every rule, BP included, sees the same B: BP runs report alignment to it as a null baseline.
 */
import type { RuleKind } from '../../src-shared/config'
import { createRng } from '../lib/random'
import { backpropSignal, initLaw, layerWidths, type FeedbackSignal, type Network } from './network'
import { tf } from './tf'

export interface Rule {
  kind: RuleKind
  /** The rule's signal to each hidden layer. */
  signal: FeedbackSignal
  /** The feedback matrix in use for hidden layer l now (for sign: derived from the current W). Call in tidy. */
  feedbackMatrix(hiddenIndex: number): tf.Tensor2D
  /** The fixed random matrices B_l, one per hidden layer. */
  fixed: tf.Tensor2D[]
  dispose(): void
}

export function createRule(kind: RuleKind, net: Network, seed: number, magnitude: 'unit' | 'random' = 'unit'): Rule {
  const widths = layerWidths(net.spec)
  const L = net.layers.length
  const k = widths[L]
  const fixed: tf.Tensor2D[] = []
  for (let hidden = 0; hidden < L - 1; hidden++) {
    const rows = widths[hidden + 1]
    const cols = kind === 'dfa' ? k : widths[hidden + 2]
    const isOutput = kind === 'dfa' || hidden + 1 === L - 1
    const { std } = initLaw(net.spec.init, rows, cols, isOutput)
    let values = createRng(seed, `feedback.${hidden + 1}`).normalArray(rows * cols, std)
    if (kind === 'sign') values = values.map(Math.abs)
    fixed.push(tf.keep(tf.tensor2d(values, [rows, cols])))
  }

  const scaleAbove = (hidden: number) => net.layers[hidden + 1].scale
  const project = (source: tf.Tensor2D, B: tf.Tensor2D, scale: number) => {
    const eps = tf.matMul<tf.Tensor2D>(source, B, false, true)
    return scale !== 1 ? tf.mul<tf.Tensor2D>(eps, scale) : eps
  }
  const signMatrix = (hidden: number): tf.Tensor2D => {
    const signs = tf.sign(net.layers[hidden + 1].W) as tf.Tensor2D
    return magnitude === 'random' ? tf.mul<tf.Tensor2D>(signs, fixed[hidden]) : signs
  }

  let signal: FeedbackSignal
  let feedbackMatrix: (hidden: number) => tf.Tensor2D
  switch (kind) {
    case 'bp':
      signal = backpropSignal(net)
      feedbackMatrix = (hidden) => fixed[hidden]
      break
    case 'fa':
      signal = (hidden, deltaAbove) => project(deltaAbove, fixed[hidden], scaleAbove(hidden))
      feedbackMatrix = (hidden) => fixed[hidden]
      break
    case 'dfa':
      signal = (hidden, _deltaAbove, outputError) => project(outputError, fixed[hidden], scaleAbove(hidden))
      feedbackMatrix = (hidden) => fixed[hidden]
      break
    case 'sign':
      signal = (hidden, deltaAbove) => project(deltaAbove, signMatrix(hidden), scaleAbove(hidden))
      feedbackMatrix = signMatrix
      break
  }
  return {
    kind,
    signal,
    feedbackMatrix,
    fixed,
    dispose: () => fixed.forEach((t) => t.dispose()),
  }
}
