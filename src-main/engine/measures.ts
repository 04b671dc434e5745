/**
 * Alignment measures. Every value is a cosine in [−1, 1] (dimensionless); a cosine with a zero
 * vector is undefined and returned as null, never as 0.
 */
import { tf } from './tf'

/** cos(vec a, vec b) = ⟨a, b⟩ / (‖a‖ ‖b‖); a and b of equal size. */
export function cosine(a: tf.Tensor, b: tf.Tensor): number | null {
  if (a.size !== b.size) throw new Error(`cosine of tensors of different sizes: ${a.shape} and ${b.shape}`)
  const [dot, na, nb] = tf.tidy(() => {
    const va = tf.reshape(a, [-1])
    const vb = tf.reshape(b, [-1])
    return tf.stack([tf.dot(va, vb), tf.norm(va), tf.norm(vb)]).dataSync()
  })
  if (!(na > 0) || !(nb > 0)) return null
  return clampUnit(dot / (na * nb))
}

/**
 * Mean over rows i of cos(a_i, b_i), for a, b: [rows, cols]; rows where either vector is zero
 * (for example a sample whose error is exactly zero) are left out of the mean.
 */
export function meanRowCosine(a: tf.Tensor2D, b: tf.Tensor2D): number | null {
  const values = tf.tidy(() => {
    const dots = tf.sum(tf.mul(a, b), 1)
    const norms = tf.mul(tf.norm(a, 'euclidean', 1), tf.norm(b, 'euclidean', 1))
    return tf.stack([dots, norms]).dataSync()
  })
  const rows = a.shape[0]
  let total = 0
  let counted = 0
  for (let i = 0; i < rows; i++) {
    const norm = values[rows + i]
    if (norm > 0) {
      total += values[i] / norm
      counted++
    }
  }
  return counted > 0 ? clampUnit(total / counted) : null
}

/** Frobenius norm. */
export function frobeniusNorm(a: tf.Tensor): number {
  return tf.tidy(() => tf.norm(a).dataSync()[0])
}

function clampUnit(x: number): number {
  return Math.max(-1, Math.min(1, x))
}
