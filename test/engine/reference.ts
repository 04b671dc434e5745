/**
 * An independent, plain-JavaScript (float64) implementation of the forward pass and of each
 * learning rule's weight updates, written from the equations rather than from the engine's code.
 */
export type Matrix = { rows: number; cols: number; v: Float64Array }

export const matrix = (rows: number, cols: number, values: ArrayLike<number>): Matrix => ({ rows, cols, v: Float64Array.from(values) })

export function matmul(a: Matrix, b: Matrix, transposeA = false, transposeB = false): Matrix {
  const ar = transposeA ? a.cols : a.rows
  const ac = transposeA ? a.rows : a.cols
  const br = transposeB ? b.cols : b.rows
  const bc = transposeB ? b.rows : b.cols
  if (ac !== br) throw new Error(`shape mismatch ${ar}x${ac} · ${br}x${bc}`)
  const out = new Float64Array(ar * bc)
  const A = (i: number, k: number) => (transposeA ? a.v[k * a.cols + i] : a.v[i * a.cols + k])
  const B = (k: number, j: number) => (transposeB ? b.v[j * b.cols + k] : b.v[k * b.cols + j])
  for (let i = 0; i < ar; i++)
    for (let j = 0; j < bc; j++) {
      let s = 0
      for (let k = 0; k < ac; k++) s += A(i, k) * B(k, j)
      out[i * bc + j] = s
    }
  return { rows: ar, cols: bc, v: out }
}

const map = (a: Matrix, f: (x: number, i: number) => number): Matrix => ({ ...a, v: a.v.map(f) })
const zip = (a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix => ({ ...a, v: a.v.map((x, i) => f(x, b.v[i])) })

const psi: Record<string, (a: number) => number> = {
  linear: (a) => a,
  relu: (a) => Math.max(0, a),
  tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
}
const dpsi: Record<string, (a: number) => number> = {
  linear: () => 1,
  relu: (a) => (a > 0 ? 1 : 0),
  tanh: (a) => 1 - Math.tanh(a) ** 2,
  sigmoid: (a) => psi.sigmoid(a) * (1 - psi.sigmoid(a)),
}

export interface ReferenceNet {
  W: Matrix[] // [fanIn, fanOut]
  b: (Float64Array | null)[]
  scale: number[]
  activation: string
}

/**
 * Returns ∂L/∂W_l estimates for the given rule, with B: FA/KP feedback or sign magnitudes per
 * hidden layer, or DFA/DRTP [h_l, k]. DRTP's signal is the target y (divided by the batch size n,
 * as the error of a batch-mean loss is) in place of DFA's error.
 */
export function referenceUpdates(net: ReferenceNet, x: Matrix, y: Matrix, loss: 'mse' | 'cross-entropy', rule: string, B: Matrix[]): Matrix[] {
  const L = net.W.length
  const inputs: Matrix[] = [x]
  const pre: Matrix[] = []
  let h = x
  let out!: Matrix
  for (let l = 0; l < L; l++) {
    let a = map(matmul(h, net.W[l]), (v) => v * net.scale[l])
    const bias = net.b[l]
    if (bias) a = map(a, (v, i) => v + bias[i % a.cols])
    if (l === L - 1) out = a
    else {
      pre.push(a)
      h = map(a, psi[net.activation])
      inputs.push(h)
    }
  }
  const n = x.rows
  const k = out.cols
  let e: Matrix
  if (loss === 'mse') e = zip(out, y, (f, t) => (2 * (f - t)) / (n * k))
  else {
    const p = new Float64Array(out.v.length)
    for (let i = 0; i < n; i++) {
      const row = Array.from(out.v.slice(i * k, i * k + k))
      const m = Math.max(...row)
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0)
      for (let j = 0; j < k; j++) p[i * k + j] = (Math.exp(row[j] - m) / z - y.v[i * k + j]) / n
    }
    e = { rows: n, cols: k, v: p }
  }
  const grads: Matrix[] = new Array(L)
  let delta = e
  for (let l = L - 1; l >= 0; l--) {
    grads[l] = map(matmul(inputs[l], delta, true, false), (v) => v * net.scale[l])
    if (l === 0) break
    let feedback: Matrix
    let source = delta
    if (rule === 'bp') feedback = net.W[l]
    else if (rule === 'fa' || rule === 'kp') feedback = B[l - 1]
    else if (rule === 'sign') feedback = zip(net.W[l], B[l - 1], (w, m) => Math.sign(w) * m)
    else if (rule === 'dfa') {
      feedback = B[l - 1]
      source = e
    } else if (rule === 'drtp') {
      feedback = B[l - 1]
      source = map(y, (t) => t / n)
    } else throw new Error(`no reference for rule ${rule}`)
    const eps = map(matmul(source, feedback, false, true), (v) => v * net.scale[l])
    delta = zip(eps, pre[l - 1], (s, a) => s * dpsi[net.activation](a))
  }
  return grads
}

/** Largest |a−b| over max(|b|) — a relative error for whole tensors. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  return diff / (scale || 1)
}
