/** A dataset split as tensors: inputs, encoded targets and (for classification) labels. */
import type { Split } from '../data/dataset'
import { tf } from './tf'

/** Targets [n, outputs] for a split: regression values, one-hot classes, or ±1 for one output. */
export function encodeTargets(split: Split, outputs: number): Float32Array {
  if (split.targets) return split.targets
  const labels = split.labels
  if (!labels) throw new Error('a split needs targets or labels')
  const out = new Float32Array(split.n * outputs)
  for (let i = 0; i < split.n; i++) {
    if (outputs === 1) out[i] = labels[i] === 1 ? 1 : -1
    else out[i * outputs + labels[i]] = 1
  }
  return out
}

export interface SplitTensors {
  /** [n, inputDim] */
  x: tf.Tensor2D
  /** [n, outputs] */
  targets: tf.Tensor2D
  /** [n] class indices, null for regression */
  labels: tf.Tensor1D | null
  n: number
}

/** The first `rows` rows (all by default) of a split as tensors; the caller disposes them. */
export function splitTensors(split: Split, inputDim: number, outputs: number, rows = split.n): SplitTensors {
  const n = Math.min(rows, split.n)
  const x = tf.tensor2d(split.x.subarray(0, n * inputDim), [n, inputDim])
  const targets = tf.tensor2d(encodeTargets(split, outputs).subarray(0, n * outputs), [n, outputs])
  const labels = split.labels ? tf.tensor1d(Int32Array.from(split.labels.subarray(0, n)), 'int32') : null
  return { x, targets, labels, n }
}

export function disposeSplit(s: SplitTensors | null): void {
  if (!s) return
  s.x.dispose()
  s.targets.dispose()
  s.labels?.dispose()
}
