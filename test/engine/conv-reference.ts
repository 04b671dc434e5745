/**
 * An independent float64 implementation of a small convolutional network's forward pass and of
 * each learning rule's updates, written as plain loops from the definitions (engine/conv-rules.ts'
 * header), not from the engine's code. Maps are [n, h, w, c] row-major, kernels [k, k, in, out].
 */
export interface Map4 {
  shape: [number, number, number, number]
  v: Float64Array
}

const at = (m: Map4, n: number, y: number, x: number, c: number) => ((n * m.shape[1] + y) * m.shape[2] + x) * m.shape[3] + c
export const map4 = (shape: [number, number, number, number], values?: ArrayLike<number>): Map4 => ({ shape, v: values ? Float64Array.from(values) : new Float64Array(shape[0] * shape[1] * shape[2] * shape[3]) })

export type RefStage = { kind: 'conv'; k: number; stride: number; padding: number } | { kind: 'maxPool' | 'avgPool'; size: number; stride: number }

/** One weight layer: a convolution (with its pooling stages after ψ) or a dense layer. */
export interface RefLayer {
  kind: 'conv' | 'dense'
  /** [k,k,in,out] or [in,out], flat */
  W: Float64Array
  b: Float64Array
  k: number
  stride: number
  padding: number
  pools: { kind: 'maxPool' | 'avgPool'; size: number; stride: number }[]
  cin: number
  cout: number
}

function conv(x: Map4, layer: RefLayer, W: Float64Array): Map4 {
  const [n, h, w] = x.shape
  const { k, stride, padding: p, cin, cout } = layer
  const ho = Math.floor((h + 2 * p - k) / stride) + 1
  const wo = Math.floor((w + 2 * p - k) / stride) + 1
  const out = map4([n, ho, wo, cout])
  for (let i = 0; i < n; i++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let co = 0; co < cout; co++) {
          let s = layer.b[co]
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * stride + ky - p
              const ix = ox * stride + kx - p
              if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue
              for (let ci = 0; ci < cin; ci++) s += x.v[at(x, i, iy, ix, ci)] * W[((ky * k + kx) * cin + ci) * cout + co]
            }
          out.v[at(out, i, oy, ox, co)] = s
        }
  return out
}

/** ε[n, iy, ix, ci] = Σ δ[n, oy, ox, co] K[ky, kx, ci, co] over iy = oy·s + ky − p: the transposed convolution. */
function convTranspose(delta: Map4, layer: RefLayer, K: Float64Array, input: [number, number, number]): Map4 {
  const [n, ho, wo] = delta.shape
  const [h, w] = input
  const { k, stride, padding: p, cin, cout } = layer
  const out = map4([n, h, w, cin])
  for (let i = 0; i < n; i++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let co = 0; co < cout; co++) {
          const d = delta.v[at(delta, i, oy, ox, co)]
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * stride + ky - p
              const ix = ox * stride + kx - p
              if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue
              for (let ci = 0; ci < cin; ci++) out.v[at(out, i, iy, ix, ci)] += d * K[((ky * k + kx) * cin + ci) * cout + co]
            }
        }
  return out
}

function filterGradient(x: Map4, delta: Map4, layer: RefLayer): Float64Array {
  const [n, h, w] = x.shape
  const [, ho, wo] = delta.shape
  const { k, stride, padding: p, cin, cout } = layer
  const g = new Float64Array(k * k * cin * cout)
  for (let i = 0; i < n; i++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let co = 0; co < cout; co++) {
          const d = delta.v[at(delta, i, oy, ox, co)]
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * stride + ky - p
              const ix = ox * stride + kx - p
              if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue
              for (let ci = 0; ci < cin; ci++) g[((ky * k + kx) * cin + ci) * cout + co] += x.v[at(x, i, iy, ix, ci)] * d
            }
        }
  return g
}

/** Pooling forward, and for each output the input positions it reads (max: the first maximum; avg: all, each weighted 1/size²). */
function poolForward(x: Map4, stage: { kind: 'maxPool' | 'avgPool'; size: number; stride: number }): { out: Map4; routes: [number, number, number][][] } {
  const [n, h, w, c] = x.shape
  const ho = Math.floor((h - stage.size) / stage.stride) + 1
  const wo = Math.floor((w - stage.size) / stage.stride) + 1
  const out = map4([n, ho, wo, c])
  const routes: [number, number, number][][] = []
  for (let i = 0; i < n; i++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let ch = 0; ch < c; ch++) {
          const cells: number[] = []
          for (let dy = 0; dy < stage.size; dy++) for (let dx = 0; dx < stage.size; dx++) cells.push(at(x, i, oy * stage.stride + dy, ox * stage.stride + dx, ch))
          const o = at(out, i, oy, ox, ch)
          if (stage.kind === 'maxPool') {
            let best = cells[0]
            for (const cell of cells) if (x.v[cell] > x.v[best]) best = cell
            out.v[o] = x.v[best]
            routes[o] = [[best, 1, o]]
          } else {
            out.v[o] = cells.reduce((s, cell) => s + x.v[cell], 0) / cells.length
            routes[o] = cells.map((cell) => [cell, 1 / cells.length, o])
          }
        }
  return { out, routes }
}

export interface RefResult {
  dW: Float64Array[]
  db: Float64Array[]
  /** Signals to each hidden layer, flat in [n, h, w, c] order. */
  signals: Float64Array[]
  loss: number
}

/**
 * The rule's updates for a cross-entropy loss (mean over the batch) with tanh or relu units.
 * `feedback[l]` is the kernel/matrix used in place of W_{l+1} (fa, kp, sign: as the engine's rule
 * reports it), or DFA/DRTP's [size(h_l), k] projection.
 */
export function referenceConvUpdates(layers: RefLayer[], activation: 'tanh' | 'relu', x: Map4, y: Float64Array, rule: string, feedback: Float64Array[]): RefResult {
  const psi = activation === 'tanh' ? Math.tanh : (a: number) => Math.max(0, a)
  const dpsi = activation === 'tanh' ? (a: number) => 1 - Math.tanh(a) ** 2 : (a: number) => (a > 0 ? 1 : 0)
  const L = layers.length
  const n = x.shape[0]
  const inputs: Map4[] = []
  const pre: Map4[] = []
  const poolRoutes: { input: Map4; routes: [number, number, number][][] }[][] = []
  let h = x
  let logits!: Float64Array
  for (let l = 0; l < L; l++) {
    const layer = layers[l]
    if (layer.kind === 'dense') h = map4([n, 1, 1, h.v.length / n], h.v)
    inputs.push(h)
    let a: Map4
    if (layer.kind === 'conv') a = conv(h, layer, layer.W)
    else {
      a = map4([n, 1, 1, layer.cout])
      for (let i = 0; i < n; i++)
        for (let o = 0; o < layer.cout; o++) {
          let s = layer.b[o]
          for (let j = 0; j < layer.cin; j++) s += h.v[i * layer.cin + j] * layer.W[j * layer.cout + o]
          a.v[i * layer.cout + o] = s
        }
    }
    if (l === L - 1) {
      logits = a.v
      break
    }
    pre.push(a)
    let z: Map4 = { shape: a.shape, v: a.v.map(psi) }
    const stages: { input: Map4; routes: [number, number, number][][] }[] = []
    for (const stage of layer.pools) {
      const { out, routes } = poolForward(z, stage)
      stages.push({ input: z, routes })
      z = out
    }
    poolRoutes.push(stages)
    h = z
  }
  const k = layers[L - 1].cout
  // cross-entropy: e = (softmax(f) − y) / n
  const e = new Float64Array(n * k)
  let loss = 0
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * k, (i + 1) * k)
    const max = Math.max(...row)
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0)
    for (let j = 0; j < k; j++) {
      const p = Math.exp(row[j] - max) / sum
      e[i * k + j] = (p - y[i * k + j]) / n
      loss -= (y[i * k + j] * Math.log(p)) / n
    }
  }
  const dW: Float64Array[] = new Array(L)
  const db: Float64Array[] = new Array(L)
  const signals: Float64Array[] = new Array(L - 1)
  let delta: Map4 = map4([n, 1, 1, k], e)
  for (let l = L - 1; l >= 0; l--) {
    const layer = layers[l]
    const input = inputs[l]
    if (layer.kind === 'conv') dW[l] = filterGradient(input, delta, layer)
    else {
      const g = new Float64Array(layer.cin * layer.cout)
      for (let i = 0; i < n; i++) for (let j = 0; j < layer.cin; j++) for (let o = 0; o < layer.cout; o++) g[j * layer.cout + o] += input.v[i * layer.cin + j] * delta.v[i * layer.cout + o]
      dW[l] = g
    }
    const bias = new Float64Array(layer.cout)
    delta.v.forEach((d, i) => (bias[i % layer.cout] += d))
    db[l] = bias
    if (l === 0) break
    const hidden = l - 1
    const hShape = poolRoutes[hidden].length ? poolRoutes[hidden].at(-1)!.routes.length : pre[hidden].v.length
    let eps: Float64Array
    if (rule === 'dfa' || rule === 'drtp') {
      const source = rule === 'dfa' ? e : y.map((v) => v / n)
      const rows = hShape / n
      eps = new Float64Array(n * rows)
      for (let i = 0; i < n; i++) for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) eps[i * rows + r] += source[i * k + j] * feedback[hidden][r * k + j]
    } else {
      const K = rule === 'bp' ? layer.W : feedback[hidden]
      if (layer.kind === 'conv') {
        const [, hh, ww, cc] = input.shape
        eps = convTranspose(delta, layer, K, [hh, ww, cc]).v
      } else {
        eps = new Float64Array(n * layer.cin)
        for (let i = 0; i < n; i++) for (let j = 0; j < layer.cin; j++) for (let o = 0; o < layer.cout; o++) eps[i * layer.cin + j] += delta.v[i * layer.cout + o] * K[j * layer.cout + o]
      }
    }
    signals[hidden] = eps
    // back through the pooling stages, then ψ'
    let g = eps
    for (let j = poolRoutes[hidden].length - 1; j >= 0; j--) {
      const { input: stageInput, routes } = poolRoutes[hidden][j]
      const back = new Float64Array(stageInput.v.length)
      routes.forEach((route) => route.forEach(([cell, weight, o]) => (back[cell] += weight * g[o])))
      g = back
    }
    const a = pre[hidden]
    delta = { shape: a.shape, v: g.map((v, i) => v * dpsi(a.v[i])) }
  }
  return { dW, db, signals, loss }
}
