/**
 * The three ways a fused training step (engine/fused.ts) computes its first layer, all giving the
 * dense step's trajectory to float32 rounding (test/engine/step-paths.test.ts checks them update by
 * update and over seeded curves):
 *
 * - `dense`: x·W and W ← (1 − η·c)·W − η·s·xᵀδ as two sgemm calls, about 2·n·d·p multiply-adds.
 *
 * - `kernel`, full-batch runs with fewer samples than input dimensions (n < d; every
 *   song2021-width run: n = 50, d = 150). Every rule's first-layer update is s·Xᵀδ, a combination
 *   of the rows of X, so from the last time W was written out,
 *
 *     W(t) = g(t)·W(t₀) + Xᵀ A(t),   g ← (1 − η·c)·g,   A ← (1 − η·c)·A − η·s·δ      (A: [n, p])
 *
 *   and the pre-activations P = s·XW move in the samples' space:
 *
 *     P ← (1 − η·c)·P − η·s²·K δ,   K = X Xᵀ  [n, n], formed once
 *
 *   about n²·p multiply-adds a step instead of 2·n·d·p. W is written out (W ← g·W + XᵀA, then P
 *   recomputed as the dense forward pass computes it) only when something reads it: an evaluation,
 *   the stopping rule, a checkpoint, a snapshot. A layer bias is added by the activation pass as
 *   on the dense path, so P leaves it out. Which rules: all six (bp, fa, kp, dfa, drtp, sign), on
 *   any depth, because the kernel path changes only the first layer, whose update is s·Xᵀδ
 *   whatever signal δ the rule made; layers above see hidden activations that change every step
 *   and keep their dense products. What falls back to `dense`: mini-batches (the rows change
 *   every step), n ≥ d (no saving), and momentum (the velocity would be a second implicit matrix
 *   with its own recursion: exact too, but not written). Weight decay and λ (on the output layer,
 *   which is dense anyway) are exact on it: decay is the scalar g. Dropout takes the reference
 *   path of tf ops before any of this (no fused step at all).
 *
 * - `sparse`, inputs that are mostly one value (normalised MNIST, sparse-inputs.ts): x = c·1 + S,
 *   so x·W = S·W + c·1(1ᵀW) and xᵀδ = Sᵀδ + c·1(1ᵀδ); the batch's rows (and their transpose, for
 *   the update) are gathered from the training set's sparse copy, built once, and the products
 *   cost in proportion to the entries that differ from the background. Any rule, momentum and
 *   decay; mini-batch or full batch.
 */
import type { TrainingPath } from '../../src-shared/training-paths'
import type { BlasAddon } from './blas'
import type { SparseRows } from './sparse-inputs'

/** The paths of an MLP's fused step (src-shared/training-paths.ts lists every path, conv's too). */
export type MlpTrainingPath = Extract<TrainingPath, 'dense' | 'kernel' | 'sparse'>

/** What the choice of path depends on. */
export interface PathFacts {
  /** Every step on all training rows. */
  fullBatch: boolean
  /** Training rows n and input dimension d. */
  trainRows: number
  inputDim: number
  momentum: number
  /** Whether the training inputs are mostly one value (sparse-inputs.ts's test), if known. */
  sparseInputs: boolean
}

/** The path a fused step takes for these facts: kernel where it applies, else sparse where the inputs allow, else dense. */
export function chooseTrainingPath(facts: PathFacts): MlpTrainingPath {
  if (facts.fullBatch && facts.trainRows < facts.inputDim && facts.momentum === 0) return 'kernel'
  return facts.sparseInputs ? 'sparse' : 'dense'
}

/**
 * Multiply-adds of one training step's first layer on a path, for cost estimates: `rows` samples
 * a step, d inputs, `width` first-layer units, and for the sparse path the share of input entries
 * that differ from the background (normalised MNIST: about 0.19). The layers above cost the same
 * on every path (their products: rows · fanIn · fanOut, twice, plus the signal's).
 */
export function firstLayerMultiplyAdds(path: MlpTrainingPath, rows: number, inputDim: number, width: number, density = 1): number {
  switch (path) {
    case 'dense':
      return 2 * rows * inputDim * width
    case 'kernel':
      // K·δ and the A update (W is written out at evaluations only: d·n·p each, amortised away)
      return rows * rows * width + rows * width
    case 'sparse':
      // S·W and Sᵀ·δ, plus the background's two rank-one terms (1ᵀW: d·p, 1ᵀδ: rows·p)
      return 2 * density * rows * inputDim * width + inputDim * width + rows * width
  }
}

/**
 * The rows of a sparse training set picked by a batch, and their transpose: `gather` writes the
 * batch's compressed rows and its compressed columns (the transpose's rows, for xᵀδ) with the
 * addon's sparseGather (in JavaScript it took an eighth of the MNIST step) and returns views of
 * them. The buffers grow to the largest batch seen (they were sized for the widest row times every
 * training row, about 300 MB on the 60,000 MNIST digits). sparse-inputs.ts's transposeSparse is
 * the definition it is tested against.
 */
export function createSparseBatcher(all: SparseRows, blas: Pick<BlasAddon, 'sparseGather'>) {
  let offsets = new Int32Array(1)
  let indices = new Int32Array(0)
  let values = new Float32Array(0)
  const columnOffsets = new Int32Array(all.cols + 1)
  let columnIndices = new Int32Array(0)
  let columnValues = new Float32Array(0)

  /** Rows order[start..start+count) of the training set (or rows start.. in order when `order` is null). */
  function gather(order: Int32Array | null, start: number, count: number): { rows: SparseRows; columns: SparseRows } {
    let entries = 0
    for (let i = 0; i < count; i++) {
      const row = order ? order[start + i] : start + i
      entries += all.offsets[row + 1] - all.offsets[row]
    }
    if (offsets.length < count + 1) offsets = new Int32Array(count + 1)
    if (indices.length < entries) {
      const capacity = Math.ceil(entries * 1.25)
      indices = new Int32Array(capacity)
      values = new Float32Array(capacity)
      columnIndices = new Int32Array(capacity)
      columnValues = new Float32Array(capacity)
    }
    blas.sparseGather(all.offsets, all.indices, all.values, all.cols, order, start, count, offsets, indices, values, columnOffsets, columnIndices, columnValues)
    return {
      rows: { rows: count, cols: all.cols, background: all.background, offsets: offsets.subarray(0, count + 1), indices, values },
      columns: { rows: all.cols, cols: count, background: all.background, offsets: columnOffsets, indices: columnIndices, values: columnValues },
    }
  }
  return { gather }
}
