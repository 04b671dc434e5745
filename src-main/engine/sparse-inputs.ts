/**
 * Inputs that are mostly one value, kept as that value plus a sparse remainder, so the first
 * layer's products cost in proportion to the entries that differ from it.
 *
 * Normalised MNIST is the case in point: the zero pixels, four in five, all become the same
 * background value (−0.4242 with the standard normalisation), so x = c·1 + S with S sparse and
 *
 *   x·W  = S·W + c·1·(1ᵀW)        (the first layer's forward pass)
 *   xᵀ·δ = Sᵀ·δ + c·1·(1ᵀδ)       (its weight gradient)
 *
 * exactly in real arithmetic; in float32 the sums are taken in another order, so results differ
 * from the dense product by rounding only (test/engine/sparse-inputs.test.ts bounds it).
 */

/** x = background·1 + S, S in compressed rows: row i's entries are values[offsets[i]..offsets[i+1]) at columns indices[…]. */
export interface SparseRows {
  rows: number
  cols: number
  background: number
  offsets: Int32Array
  indices: Int32Array
  values: Float32Array
}

/**
 * Above this share of entries that differ from the background, the dense product is as fast
 * (measured with the addon on this machine's kind of CPU: the sparse product is about 3× faster at
 * 19% and even near 40%; `npm run bench` prints the split).
 */
export const maxSparseDensity = 0.35

/** The most frequent value among up to 4,096 evenly spaced entries (NaN never counts). */
function likelyBackground(x: Float32Array, cols: number): number | null {
  let step = Math.max(1, Math.floor(x.length / 4096))
  // a step that is a multiple of the row length would sample one column only
  if (cols > 1 && step % cols === 0) step++
  const counts = new Map<number, number>()
  let best: number | null = null
  let bestCount = 0
  for (let i = 0; i < x.length; i += step) {
    const v = x[i]
    if (!Number.isFinite(v)) continue
    const count = (counts.get(v) ?? 0) + 1
    counts.set(v, count)
    if (count > bestCount) {
      best = v
      bestCount = count
    }
  }
  return best
}

/**
 * x [rows, cols] as background + sparse remainder, or null where too few entries share one value
 * for the sparse product to pay (`maxDensity`).
 */
export function sparseRowsOf(x: Float32Array, rows: number, cols: number, maxDensity = maxSparseDensity): SparseRows | null {
  // offsets are int32 (the addon's): a split beyond 2³¹ − 1 entries stays dense
  if (rows <= 0 || cols <= 0 || x.length < rows * cols || rows * cols > 0x7fffffff) return null
  const background = likelyBackground(x.subarray(0, rows * cols), cols)
  if (background === null) return null
  const total = rows * cols
  const limit = Math.floor(maxDensity * total)
  let nonzeros = 0
  for (let i = 0; i < total; i++) if (x[i] !== background && ++nonzeros > limit) return null
  const offsets = new Int32Array(rows + 1)
  const indices = new Int32Array(nonzeros)
  const values = new Float32Array(nonzeros)
  let p = 0
  for (let i = 0; i < rows; i++) {
    offsets[i] = p
    const base = i * cols
    for (let j = 0; j < cols; j++) {
      const v = x[base + j]
      if (v !== background) {
        indices[p] = j
        values[p] = v - background
        p++
      }
    }
  }
  offsets[rows] = p
  return { rows, cols, background, offsets, indices, values }
}

/** Sᵀ in compressed rows (S's compressed columns), with the same background. */
export function transposeSparse(s: SparseRows): SparseRows {
  const offsets = new Int32Array(s.cols + 1)
  // s may be a row slice: its entries are those from offsets[0] to offsets[rows]
  for (let p = s.offsets[0]; p < s.offsets[s.rows]; p++) offsets[s.indices[p] + 1]++
  for (let j = 0; j < s.cols; j++) offsets[j + 1] += offsets[j]
  const next = offsets.slice(0, s.cols)
  const indices = new Int32Array(s.offsets[s.rows] - s.offsets[0])
  const values = new Float32Array(indices.length)
  for (let i = 0; i < s.rows; i++)
    for (let p = s.offsets[i]; p < s.offsets[i + 1]; p++) {
      const q = next[s.indices[p]]++
      indices[q] = i
      values[q] = s.values[p]
    }
  return { rows: s.cols, cols: s.rows, background: s.background, offsets, indices, values }
}

/** Rows [start, start + count) of s, sharing its arrays (offsets stay absolute). */
export function sparseRowSlice(s: SparseRows, start: number, count: number): SparseRows {
  return { ...s, rows: count, offsets: s.offsets.subarray(start, start + count + 1) }
}
