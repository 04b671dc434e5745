/**
 * Learning rules as feedback signals for the hidden layers.
 *
 *   bp   ε_l = s_{l+1} δ_{l+1} W_{l+1}ᵀ                       (true gradient)
 *   fa   ε_l = s_{l+1} δ_{l+1} B_lᵀ,   B_l fixed, shaped like W_{l+1}   (Lillicrap et al. 2016)
 *   kp   ε_l = s_{l+1} δ_{l+1} B_lᵀ,   B_l learned: it receives W_{l+1}'s update and weight decay
 *                                       (Kolen–Pollack; Akrout et al. 2019), so B_l − W_{l+1} decays
 *   dfa  ε_l = s_{l+1} e B_lᵀ,         B_l fixed, [h_l, k]              (Nøkland 2016)
 *   drtp ε_l = (s_{l+1}/n) y* B_lᵀ,    B_l fixed, [h_l, k]              (Frenkel et al. 2021)
 *   sign ε_l = s_{l+1} δ_{l+1} (sign(W_{l+1}) ⊙ M_l)ᵀ, M_l = 1 (`unit`), a fixed |R_l| (`random`),
 *        or |R_l| redrawn for every batch (`batchwise`, BioTorch's brSF)
 *
 * where e is the output error ∂L/∂f, y* the batch's targets, n the batch size and s_{l+1} the
 * forward scale of layer l+1. DRTP puts the target where DFA puts the error, with the same 1/n of
 * the batch mean that e carries (so one learning rate suits both), and with the target's own sign
 * as in the authors' code (labels · B): the hidden layers then move against B, so DRTP's weight
 * alignment comes out negative. Its signal does not shrink as the error does, so under
 * relu its hidden weights grow without bound; bounded units (tanh, sigmoid) suit it. Fixed matrices are drawn from the run's seed on stream
 * `feedback.<l>` with the init law of the layer they stand in for, so FA, KP (at the start), DFA
 * and DRTP share B on the last hidden layer, and every rule, BP included, sees the same B: BP
 * runs report alignment to it as a null baseline. Batchwise sign magnitudes come from stream
 * `feedbackMagnitude.<l>`, one draw per batch.
 */
import type { FeedbackMagnitude, RuleKind } from '../../src-shared/config'
import { createRng, type Rng } from '../lib/random'
import { backpropSignal, initLaw, layerWidths, type FeedbackSignal, type Network } from './network'
import { tf } from './tf'

/** A learning rule's state and feedback, for dense (`Rule`) and conv (`ConvRule`, conv-rules.ts) networks alike. */
export interface RuleOf<Signal, Feedback extends tf.Tensor> {
  kind: RuleKind
  /** The rule's signal to each hidden layer. */
  signal: Signal
  /** The feedback in use for hidden layer l (0-based) now (for sign: derived from the current W). Call in tidy. */
  feedbackMatrix(hiddenIndex: number): Feedback
  /** The random B_l, one per hidden layer (for KP, the learned ones as they are now). */
  fixed: Feedback[]
  /**
   * Feedback the optimiser trains: for KP, B_l (index l, 0-based hidden layer) gets the same update
   * and decay as W_{l+1}. Empty for every other rule.
   */
  learned: tf.Variable[]
  /** Called before each training batch (redraws batchwise sign magnitudes); not before evaluations. */
  nextBatch(): void
  /** For sign: how M_l is chosen (unit, a fixed |R_l|, or redrawn per batch). */
  magnitude: FeedbackMagnitude
  /** What changes as training goes (learned B, batchwise magnitudes and their generators): a checkpoint saves it. */
  state: { variables: tf.Variable[]; rngs: Rng[] }
  dispose(): void
}

export type Rule = RuleOf<FeedbackSignal, tf.Tensor2D>

/** Rules whose B_l stands for the output layer directly ([h_l, k]) rather than for W_{l+1}. */
export const directRules: readonly RuleKind[] = ['dfa', 'drtp']

export function createRule(kind: RuleKind, net: Network, seed: number, magnitude: FeedbackMagnitude = 'unit'): Rule {
  const widths = layerWidths(net.spec)
  const L = net.layers.length
  const k = widths[L]
  const direct = directRules.includes(kind)
  const fixed: tf.Tensor2D[] = []
  const learned: tf.Variable[] = []
  const stds: number[] = []
  for (let hidden = 0; hidden < L - 1; hidden++) {
    const rows = widths[hidden + 1]
    const cols = direct ? k : widths[hidden + 2]
    const isOutput = direct || hidden + 1 === L - 1
    const { std } = initLaw(net.spec.init, rows, cols, isOutput)
    stds.push(std)
    let values = createRng(seed, `feedback.${hidden + 1}`).normalArray(rows * cols, std)
    if (kind === 'sign') values = values.map(Math.abs)
    if (kind === 'kp') {
      const B = tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols]), true))
      learned.push(B)
      fixed.push(B as tf.Tensor as tf.Tensor2D)
    } else fixed.push(tf.keep(tf.tensor2d(values, [rows, cols])))
  }

  const batchwise = kind === 'sign' && magnitude === 'batchwise'
  const magnitudeStreams: Rng[] = batchwise ? fixed.map((_, hidden) => createRng(seed, `feedbackMagnitude.${hidden + 1}`)) : []
  // Until the first batch, the magnitudes are the fixed |R_l|, so step 0's measures match `random`.
  const magnitudes: tf.Variable[] = batchwise ? fixed.map((B) => tf.variable(B, false)) : []
  function nextBatch(): void {
    magnitudes.forEach((M, hidden) => {
      const values = magnitudeStreams[hidden].normalArray(M.size, stds[hidden]).map(Math.abs)
      tf.tidy(() => M.assign(tf.tensor2d(values, M.shape as [number, number])))
    })
  }

  const scaleAbove = (hidden: number) => net.layers[hidden + 1].scale
  const project = (source: tf.Tensor2D, B: tf.Tensor2D, scale: number) => {
    const eps = tf.matMul<tf.Tensor2D>(source, B, false, true)
    return scale !== 1 ? tf.mul<tf.Tensor2D>(eps, scale) : eps
  }
  const signMatrix = (hidden: number): tf.Tensor2D => {
    const signs = tf.sign(net.layers[hidden + 1].W) as tf.Tensor2D
    if (magnitude === 'random') return tf.mul<tf.Tensor2D>(signs, fixed[hidden])
    if (magnitude === 'batchwise') return tf.mul<tf.Tensor2D>(signs, magnitudes[hidden])
    return signs
  }

  let signal: FeedbackSignal
  let feedbackMatrix: (hidden: number) => tf.Tensor2D = (hidden) => fixed[hidden]
  switch (kind) {
    case 'bp':
      signal = backpropSignal(net)
      break
    case 'fa':
    case 'kp':
      signal = (hidden, deltaAbove) => project(deltaAbove, fixed[hidden], scaleAbove(hidden))
      break
    case 'dfa':
      signal = (hidden, _deltaAbove, outputError) => project(outputError, fixed[hidden], scaleAbove(hidden))
      break
    case 'drtp':
      signal = (hidden, _deltaAbove, _outputError, target) =>
        project(target, fixed[hidden], scaleAbove(hidden) / target.shape[0])
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
    learned,
    nextBatch: batchwise ? nextBatch : () => {},
    state: { variables: [...learned, ...magnitudes], rngs: magnitudeStreams },
    dispose: () => {
      fixed.forEach((t) => t.dispose())
      magnitudes.forEach((t) => t.dispose())
    },
    magnitude,
  }
}
