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

/**
 * The feedback of a rule, one definition for dense and conv networks: B_l drawn from the stream
 * `feedback.{l}` with layer l + 1's initial standard deviation (|B_l| for sign, a trained variable
 * for KP), and for sign with batchwise magnitudes, M_l redrawn per batch from `feedbackMagnitude.{l}`.
 */
export function createFeedback<T extends tf.Tensor>(
  kind: RuleKind,
  magnitude: FeedbackMagnitude,
  seed: number,
  layers: readonly { shape: number[]; std: number }[],
  weightAbove: (hidden: number) => tf.Tensor,
): Pick<RuleOf<unknown, T>, 'fixed' | 'learned' | 'nextBatch' | 'magnitude' | 'state' | 'dispose'> & { signMatrix(hidden: number): T } {
  const fixed: T[] = []
  const learned: tf.Variable[] = []
  layers.forEach(({ shape, std }, hidden) => {
    let values = createRng(seed, `feedback.${hidden + 1}`).normalArray(shape.reduce((a, b) => a * b, 1), std)
    if (kind === 'sign') values = values.map(Math.abs)
    if (kind === 'kp') {
      const B = tf.tidy(() => tf.variable(tf.tensor(values, shape), true))
      learned.push(B)
      fixed.push(B as tf.Tensor as T)
    } else fixed.push(tf.keep(tf.tensor(values, shape)) as T)
  })

  const batchwise = kind === 'sign' && magnitude === 'batchwise'
  const magnitudeStreams: Rng[] = batchwise ? fixed.map((_, hidden) => createRng(seed, `feedbackMagnitude.${hidden + 1}`)) : []
  // Until the first batch the magnitudes are the fixed |R_l|, so step 0's measures match `random`'s.
  const magnitudes: tf.Variable[] = batchwise ? fixed.map((B) => tf.variable(B, false)) : []
  function nextBatch(): void {
    magnitudes.forEach((M, hidden) => {
      const values = magnitudeStreams[hidden].normalArray(M.size, layers[hidden].std).map(Math.abs)
      tf.tidy(() => M.assign(tf.tensor(values, M.shape)))
    })
  }
  return {
    fixed,
    learned,
    nextBatch: batchwise ? nextBatch : () => {},
    magnitude,
    state: { variables: [...learned, ...magnitudes], rngs: magnitudeStreams },
    dispose: () => {
      fixed.forEach((t) => t.dispose())
      magnitudes.forEach((t) => t.dispose())
    },
    signMatrix(hidden) {
      const signs = tf.sign(weightAbove(hidden))
      if (magnitude === 'random') return tf.mul(signs, fixed[hidden]) as T
      if (magnitude === 'batchwise') return tf.mul(signs, magnitudes[hidden]) as T
      return signs as T
    },
  }
}

export function createRule(kind: RuleKind, net: Network, seed: number, magnitude: FeedbackMagnitude = 'unit'): Rule {
  const widths = layerWidths(net.spec)
  const L = net.layers.length
  const k = widths[L]
  const direct = directRules.includes(kind)
  const feedback = createFeedback<tf.Tensor2D>(
    kind,
    magnitude,
    seed,
    net.layers.slice(0, -1).map((_, hidden) => {
      const rows = widths[hidden + 1]
      const cols = direct ? k : widths[hidden + 2]
      return { shape: [rows, cols], std: initLaw(net.spec.init, rows, cols, direct || hidden + 1 === L - 1).std }
    }),
    (hidden) => net.layers[hidden + 1].W,
  )
  const { fixed, signMatrix } = feedback

  const scaleAbove = (hidden: number) => net.layers[hidden + 1].scale
  const project = (source: tf.Tensor2D, B: tf.Tensor2D, scale: number) => {
    const eps = tf.matMul<tf.Tensor2D>(source, B, false, true)
    return scale !== 1 ? tf.mul<tf.Tensor2D>(eps, scale) : eps
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
  return { ...feedback, kind, signal, feedbackMatrix }
}
