/**
 * Evaluation: every measure of a run at its current parameters. Fit (loss, accuracy) on the
 * training probe and the test split; alignment of the rule's feedback with the forward weights,
 * signals and gradients (against backprop on the same batch); weight and feedback norms.
 * Measure names are documented in README.md (Measures).
 */
import type { RunConfig } from '../../src-shared/config'
import { computeMeasures, type MeasurePrimitives, type SplitFit } from '../../src-shared/measures'
import { cosine, frobeniusNorm, meanRowCosine } from './measures'
import { backpropSignal, backward, forward, lossAndError, type Network } from './network'
import { directRules, type Rule } from './rules'
import type { SplitTensors } from './split-tensors'
import { tf } from './tf'

/** Measure name → value. Names are documented in README.md (Measures). */
export type Metrics = Record<string, number>

export interface Evaluator {
  /** Every measure at the current parameters. */
  evaluate(): Metrics
  /** The training loss at the current parameters (the `trainLoss` measure alone). */
  trainLoss(): number
  dispose(): void
  /** The splits whose first-layer products run on sparse inputs (fused.ts, sparse-inputs.ts); none on the reference path. */
  readonly sparseInputs?: readonly ('fit' | 'probe' | 'test')[]
}

export interface EvaluationSplits {
  /** Where training loss and accuracy are measured (the full training set, or the probe). */
  fit: SplitTensors
  /** The batch on which alignments are measured (at most evalSamples rows). */
  probe: SplitTensors
  test: SplitTensors | null
}

/**
 * The forward map that B_l stands in for: W_{l+1}, or for DFA and DRTP the product W_{l+1}⋯W_L.
 * Returns a new tensor [h_l, h_{l+1}] (DFA, DRTP: [h_l, k]).
 */
export function effectiveForward(net: Network, rule: Rule['kind'], hidden: number): tf.Tensor2D {
  const L = net.layers.length
  return tf.tidy(() => {
    let product = net.layers[hidden + 1].W as tf.Tensor2D
    if (directRules.includes(rule)) for (let l = hidden + 2; l < L; l++) product = tf.matMul<tf.Tensor2D>(product, net.layers[l].W as tf.Tensor2D)
    return tf.clone(product)
  })
}

/**
 * Mean loss and accuracy of a model over a split, `chunk` rows at a time to bound memory; `output`
 * maps a chunk's inputs [rows, inputDim] to the model's outputs. Accuracy is null for regression.
 */
export function splitFit(s: SplitTensors, chunk: number, output: (x: tf.Tensor2D) => tf.Tensor, loss: RunConfig['loss']): SplitFit {
  let lossSum = 0
  let correct = 0
  for (let start = 0; start < s.n; start += chunk) {
    const size = Math.min(chunk, s.n - start)
    const [l, c] = tf.tidy(() => {
      const x = tf.slice(s.x, [start, 0], [size, -1])
      const t = tf.slice(s.targets, [start, 0], [size, -1])
      const out = output(x) as tf.Tensor2D
      const chunkLoss = tf.mul(lossAndError(loss, out, t).loss, size)
      const hits = s.labels ? countCorrect(out, tf.slice(s.labels, [start], [size])) : tf.scalar(0)
      return [chunkLoss.dataSync()[0], hits.dataSync()[0]]
    })
    lossSum += l
    correct += c
  }
  return { loss: lossSum / s.n, accuracy: s.labels ? correct / s.n : null }
}

/**
 * An evaluator for a session. Call it before the first update: it keeps the initial forward maps
 * for the disentangled alignment cos(W_t − W_0, B).
 */
export function createEvaluator(net: Network, rule: Rule, loss: RunConfig['loss'], splits: EvaluationSplits): Evaluator {
  const L = net.layers.length
  const { fit, probe, test } = splits
  const initialForward = net.layers.map((_, i) => (i < L - 1 ? tf.keep(effectiveForward(net, rule.kind, i)) : null))

  const fitOf = (s: SplitTensors) => splitFit(s, 2000, (x) => forward(net, x).output, loss)

  /** Every computed measure of the registry, over tf ops on the probe's two backward passes. */
  function evaluate(): Metrics {
    return tf.tidy(() => {
      const pass = forward(net, probe.x)
      const { error } = lossAndError(loss, pass.output, probe.targets)
      const byRule = backward(net, pass, error, probe.targets, rule.signal)
      const byBackprop = backward(net, pass, error, probe.targets, backpropSignal(net))
      const primitives = tfPrimitives({
        layers: L,
        fit: () => fitOf(fit),
        test: test ? () => fitOf(test) : null,
        weights: (l) => net.layers[l - 1].W,
        feedback: (l) => rule.feedbackMatrix(l - 1),
        forwardMap: (l) => effectiveForward(net, rule.kind, l - 1),
        initialForwardMap: (l) => initialForward[l - 1]!,
        byRule,
        byBackprop,
      })
      return computeMeasures(primitives)
    })
  }

  return {
    evaluate,
    trainLoss: () => fitOf(fit).loss,
    dispose() {
      initialForward.forEach((t) => t?.dispose())
    },
  }
}

/** A network's two backward passes on the probe, by its rule and by backprop. */
interface Passes {
  signals: tf.Tensor[]
  dW: tf.Tensor[]
}

/**
 * The registry's primitives over tf ops, for dense and conv evaluations alike: fit and test computed
 * at most once, forward maps and feedback once per layer, signals as rows (one per sample).
 */
export function tfPrimitives(parts: {
  layers: number
  fit: () => SplitFit
  test: (() => SplitFit) | null
  weights: (l: number) => tf.Tensor
  feedback: (l: number) => tf.Tensor
  forwardMap: (l: number) => tf.Tensor
  initialForwardMap: (l: number) => tf.Tensor
  byRule: Passes
  byBackprop: Passes
}): MeasurePrimitives<tf.Tensor> {
  let fitValue: SplitFit | undefined
  let testValue: SplitFit | undefined
  const { test, byRule, byBackprop } = parts
  const rows = (t: tf.Tensor) => (t.rank === 2 ? (t as tf.Tensor2D) : (tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D))
  return {
    layers: parts.layers,
    fit: () => (fitValue ??= parts.fit()),
    test: () => (test ? (testValue ??= test()) : null),
    weights: parts.weights,
    feedback: cached(parts.feedback),
    forwardMap: cached(parts.forwardMap),
    initialForwardMap: parts.initialForwardMap,
    signal: (l, by) => rows((by === 'rule' ? byRule : byBackprop).signals[l - 1]),
    gradient: (l, by) => (by === 'rule' ? byRule : byBackprop).dW[l - 1],
    cosine,
    meanRowCosine: (a, b) => meanRowCosine(a as tf.Tensor2D, b as tf.Tensor2D),
    norm: frobeniusNorm,
    difference: (a, b) => tf.sub(a, b),
  }
}

/**
 * `compute` remembered per argument, for one evaluation: several measures read the same forward
 * map or feedback matrix, which is then formed once.
 */
export function cached<K, V>(compute: (key: K) => V): (key: K) => V {
  const values = new Map<K, V>()
  return (key) => {
    if (!values.has(key)) values.set(key, compute(key))
    return values.get(key)!
  }
}

/** Number of rows whose prediction matches the label; one output means the sign decides 0/1. */
export function countCorrect(output: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const predicted = output.shape[1] === 1 ? tf.cast(tf.greater(tf.reshape(output, [-1]), 0), 'int32') : tf.argMax(output, 1)
  return tf.sum(tf.cast(tf.equal(predicted, labels), 'float32'))
}
