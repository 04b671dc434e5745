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

/**
 * The order mini-batches are drawn in, one definition for every session: a seeded shuffle of the
 * training split walked `batchSize` rows at a time and reshuffled when fewer than a batch remain.
 * Batch size 0, or one at least the split's size, is the full batch: the split itself, in order.
 * Its order and cursor are part of a checkpoint.
 */
export interface BatchOrder {
  readonly fullBatch: boolean
  /** Rows per batch (the split's size for the full batch). */
  readonly size: number
  /** The next batch's place: `order` (null for the full batch) from `start`, `size` rows. */
  next(): { order: Int32Array | null; start: number }
  /** The next batch gathered from `split` as tensors; the caller disposes them unless full batch. */
  nextTensors(split: SplitTensors): [tf.Tensor2D, tf.Tensor2D]
  state(): { order: Int32Array; cursor: number }
  restore(state: { order: Int32Array; cursor: number }): void
}

export function createBatchOrder(n: number, configuredBatchSize: number, shuffle: { permutation(n: number): Int32Array }): BatchOrder {
  const fullBatch = configuredBatchSize === 0 || configuredBatchSize >= n
  const size = fullBatch ? n : configuredBatchSize
  let order: Int32Array = shuffle.permutation(n)
  let cursor = 0
  function next(): { order: Int32Array | null; start: number } {
    if (fullBatch) return { order: null, start: 0 }
    if (cursor + size > n) {
      order = shuffle.permutation(n)
      cursor = 0
    }
    const start = cursor
    cursor += size
    return { order, start }
  }
  return {
    fullBatch,
    size,
    next,
    nextTensors(split) {
      const batch = next()
      if (!batch.order) return [split.x, split.targets]
      const indices = tf.tensor1d(batch.order.subarray(batch.start, batch.start + size), 'int32')
      try {
        return [tf.gather(split.x, indices), tf.gather(split.targets, indices)]
      } finally {
        indices.dispose()
      }
    },
    state: () => ({ order: fullBatch ? new Int32Array(0) : order.slice(), cursor }),
    restore(state) {
      if (!fullBatch) order = Int32Array.from(state.order)
      cursor = state.cursor
    },
  }
}
