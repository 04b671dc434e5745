/**
 * The fused training step of the `blas` backend: the same forward pass, rule signals and update as
 * network.ts + the session's optimiser, done as a handful of OpenBLAS products and single-pass C
 * kernels on the tensors' own WebAssembly memory.
 *
 * - The update is fused into the product: sgemm with alpha = −η·s and beta = 1 − η·decay
 *   accumulates W ← (1 − η·decay)·W − η·s·hᵀδ in place, so dW is never formed.
 * - Transposes go through sgemm's flags; nothing is transposed in memory.
 * - Activation (with bias), derivative gate, loss with its error, and the bias update are each one
 *   pass of the addon writing into buffers allocated once per session.
 * - Weights, biases, feedback matrices, momentum and the training data stay where tfjs keeps them
 *   (views into the wasm heap): nothing is copied between JavaScript and WebAssembly, and every
 *   other reader (measures, snapshots) sees the same numbers through the ordinary tensors.
 *
 * The reference path (network.ts with tf ops) stays the definition; test/engine/fused.test.ts
 * checks this one against it step by step and over seeded runs.
 */
import type { Activation, LossKind } from '../../src-shared/config'
import { computeMeasures, type MeasurePrimitives, type SplitFit } from '../../src-shared/measures'
import { blasMatMulEnabled, loadBlas, type BlasAddon } from './blas'
import { cached, type EvaluationSplits, type Evaluator, type Metrics } from './evaluation'
import type { Network } from './network'
import { layerDecay, type OptimizerSettings } from './optimizer'
import { directRules, type Rule } from './rules'
import { sparseRowSlice, sparseRowsOf, transposeSparse, type SparseRows } from './sparse-inputs'
import { chooseTrainingPath, createSparseBatcher, type MlpTrainingPath } from './step-paths'
import { tf } from './tf'

const activationCode: Record<Activation, number> = { linear: 0, relu: 1, tanh: 2, sigmoid: 3 }
const lossCode: Record<LossKind, number> = { mse: 0, 'cross-entropy': 1 }

interface WasmHeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array
}

/** Momentum buffers, shaped like each layer's W and b (the session owns them). */
export interface Velocity {
  W: tf.Tensor
  b: tf.Tensor | null
}

/** Per-layer buffers for a batch of `rows` samples. */
interface Workspace {
  rows: number
  /** Output of each layer: hidden activations ψ(a_l), then the network output. [rows, fanOut_l] */
  outputs: Float32Array[]
  /** The signal to each hidden layer, turned into its δ in place. [rows, fanIn_l] (index l ≥ 1) */
  signals: Float32Array[]
  /** ∂L/∂output. [rows, outputs] */
  error: Float32Array
  /** Gathered mini-batch inputs and targets. */
  x: Float32Array
  targets: Float32Array
}

export interface FusedTrainer {
  /**
   * One update on `count` rows of the training data: rows `order[start..start+count)` or, with
   * `order` null, the first `count` rows in order; `settings` are the optimiser's for this step.
   * Returns the loss at the parameters before the update.
   */
  step(order: Int32Array | null, start: number, count: number, settings: OptimizerSettings): number
  /** How the step computes the first layer's products (engine/step-paths.ts). */
  path: MlpTrainingPath
  /** Writes out any weights the path keeps implicitly (the kernel path's W₁): call before anything reads the weights. */
  sync(): void
  /** What a checkpoint needs beyond the session's variables (the kernel path's pre-activations). */
  state(): TrainerState[]
}


/** The blas backend's addon and heap, when the fused path can run at all. */
function fusedBackend(): { blas: BlasAddon; heap: (t: tf.TensorInfo) => Float32Array } | null {
  const blas = loadBlas()
  if (!blas || !blasMatMulEnabled() || tf.getBackend() !== 'wasm') return null
  const backend = tf.backend() as unknown as WasmHeapBackend
  return { blas, heap: (t) => backend.typedArrayFromHeap(t) }
}

/**
 * Forward pass and rule signals of a network as addon calls, shared by the trainer and the
 * evaluator. Heap views are taken afresh at every use: the wasm memory may have grown, or a
 * variable been reassigned, since the last call.
 */
function createKernels(net: Network, rule: Rule, blas: BlasAddon, heap: (t: tf.TensorInfo) => Float32Array) {
  const layers = net.layers
  const L = layers.length
  const inputDim = layers[0].fanIn
  const outputs = layers[L - 1].fanOut
  const act = activationCode[net.spec.activation]
  const signBuffers = layers.map((layer, l) => (l > 0 ? new Float32Array(layer.fanIn * layer.fanOut) : null))
  const workspaces = new Map<number, Workspace>()
  let ones = new Float32Array(0)
  const firstLayerBackground = new Float32Array(layers[0].fanOut)

  /**
   * out [n] = c · 1ᵀM for M [k, n]: the background's share of a product with sparse inputs. Also
   * for c = 0: 0 · (1ᵀM) is NaN in the columns where M holds a NaN or an infinity, as the dense
   * product would be, so a diverged weight shows in the measures either way.
   */
  function backgroundTerm(c: number, M: Float32Array, k: number, n: number, out: Float32Array): Float32Array {
    if (ones.length < k) ones = new Float32Array(k).fill(1)
    // 1ᵀM first, then times c: BLAS skips reading M when alpha is 0, which would hide a NaN
    blas.sgemm(false, false, 1, n, k, ones.subarray(0, k), M, out, 1, 0)
    for (let j = 0; j < n; j++) out[j] *= c
    return out
  }

  function workspace(rows: number): Workspace {
    let w = workspaces.get(rows)
    if (!w) {
      w = {
        rows,
        outputs: layers.map((layer) => new Float32Array(rows * layer.fanOut)),
        signals: layers.map((layer, l) => new Float32Array(l > 0 ? rows * layer.fanIn : 0)),
        error: new Float32Array(rows * outputs),
        x: new Float32Array(rows * inputDim),
        targets: new Float32Array(rows * outputs),
      }
      workspaces.set(rows, w)
    }
    return w
  }

  /**
   * h_{l+1} = ψ(s_l · h_l W_l + b_l), the output layer linear; returns the output [rows, outputs].
   * With `sparse` (x as background + sparse rows, sparse-inputs.ts) the first product is the sparse one;
   * with `firstPreActivation` (s_0 · xW_0 kept by the kernel path, step-paths.ts) there is no first product.
   */
  function forward(w: Workspace, x: Float32Array, rows: number, sparse: SparseRows | null = null, firstPreActivation: Float32Array | null = null): Float32Array {
    let h = x
    for (let l = 0; l < L; l++) {
      const layer = layers[l]
      const out = w.outputs[l]
      if (l === 0 && firstPreActivation) out.set(firstPreActivation)
      else if (l === 0 && sparse) {
        const W = heap(layer.W)
        const add = backgroundTerm(sparse.background, W, layer.fanIn, layer.fanOut, firstLayerBackground)
        blas.sparseProduct(sparse.offsets, sparse.indices, sparse.values, rows, layer.fanIn, layer.fanOut, W, out, layer.scale, add)
      } else blas.sgemm(false, false, rows, layer.fanOut, layer.fanIn, h, heap(layer.W), out, layer.scale, 0)
      const kind = l < L - 1 ? act : 0
      if (kind !== 0 || layer.b) blas.activate(kind, out, layer.b ? heap(layer.b) : null, rows, layer.fanOut)
      h = out
    }
    return w.outputs[L - 1]
  }

  const batchwise = rule.kind === 'sign' && rule.magnitude === 'batchwise'

  /**
   * Forms what needs tf ops before any heap view is taken (a tf allocation may grow the wasm
   * memory and detach earlier views): batchwise sign's sign(W_l) ⊙ M_l, copied into its buffers.
   * W_l is updated only after its own signal is formed, so these stay the matrices of this step.
   */
  function prepare(): void {
    if (!batchwise) return
    for (let l = 1; l < L; l++) tf.tidy(() => signBuffers[l]!.set(rule.feedbackMatrix(l - 1).dataSync()))
  }

  /** The feedback matrix a rule uses for hidden layer l − 1 (shaped like W_l, or [h, k] for the direct rules). */
  function feedbackOf(kind: Rule['kind'], l: number): Float32Array {
    const hidden = l - 1
    switch (kind) {
      case 'bp':
        return heap(layers[l].W)
      case 'sign':
        if (!batchwise) blas.signOf(heap(layers[l].W), rule.magnitude === 'random' ? heap(rule.fixed[hidden]) : null, signBuffers[l]!)
        return signBuffers[l]!
      default:
        return heap(rule.fixed[hidden])
    }
  }

  /**
   * ε_{l−1} [rows, fanIn_l] into `out`: the signal rule `kind` sends to hidden layer l − 1, from
   * δ_l (bp, fa, kp, sign), the output error (dfa) or the targets (drtp).
   */
  function signal(kind: Rule['kind'], l: number, delta: Float32Array, error: Float32Array, targets: Float32Array, rows: number, out: Float32Array): void {
    const layer = layers[l]
    const direct = directRules.includes(kind)
    const source = kind === 'dfa' ? error : kind === 'drtp' ? targets : delta
    const scale = kind === 'drtp' ? layer.scale / rows : layer.scale
    // ε = scale · source [rows, cols] · feedbackᵀ, feedback [fanIn, cols]
    blas.sgemm(false, true, rows, layer.fanIn, direct ? outputs : layer.fanOut, source, feedbackOf(kind, l), out, scale, 0)
  }

  /** δ_{l−1} = ε ⊙ ψ'(a_{l−1}), in place, from the hidden output h_{l−1} = ψ(a_{l−1}). */
  function gate(signalToDelta: Float32Array, hiddenOutput: Float32Array, rows: number, cols: number): void {
    blas.gate(act, signalToDelta, hiddenOutput, rows, cols)
  }

  return { layers, L, inputDim, outputs, workspace, prepare, forward, feedbackOf, signal, gate, backgroundTerm }
}

/** How the trainer may compute its first layer. */
export interface FusedTrainerOptions {
  /** Every step on all training rows, in order (the kernel path needs it). */
  fullBatch: boolean
  /** `auto`: the path step-paths.ts chooses; `dense`: dense products always (for comparison). */
  paths?: 'auto' | 'dense'
  /** The trainer's own state from a checkpoint (`state()`), when resuming. */
  resume?: TrainerState[]
}

/** A named array of the trainer's own state, saved with a checkpoint's tensors. */
export interface TrainerState {
  name: string
  shape: number[]
  values: Float32Array
}

/** The kernel path's pre-activations P, kept in checkpoints so a resumed run continues bit for bit. */
const preActivationName = 'kernel.P'

/** Whether a checkpoint tensor is the trainer's own state rather than a session variable. */
export function isTrainerState(name: string): boolean {
  return name === preActivationName
}

/**
 * The fused trainer for a network on the blas backend, or null where it does not apply (another
 * backend is active, the addon is missing, or the run uses dropout, which the reference path does).
 */
export function createFusedTrainer(
  net: Network,
  rule: Rule,
  loss: LossKind,
  train: { x: tf.Tensor2D; targets: tf.Tensor2D },
  velocity: Velocity[] | null,
  dropout: number,
  options: FusedTrainerOptions = { fullBatch: false },
): FusedTrainer | null {
  const backend = fusedBackend()
  if (!backend || dropout > 0) return null
  // KP's B has its own momentum buffer inside the optimiser: with momentum, KP stays on the reference path.
  if (rule.kind === 'kp' && velocity) return null
  const { blas, heap } = backend
  const k = createKernels(net, rule, blas, heap)
  const { layers, L, inputDim, outputs } = k
  const first = layers[0]
  const trainRows = train.x.shape[0]
  const sparseAll = options.paths === 'dense' ? null : sparseRowsOf(heap(train.x), trainRows, inputDim)
  const path: MlpTrainingPath =
    options.paths === 'dense'
      ? 'dense'
      : chooseTrainingPath({ fullBatch: options.fullBatch, trainRows, inputDim, momentum: velocity ? 1 : 0, sparseInputs: sparseAll !== null })
  const kernel = path === 'kernel' ? createSamplesSpace() : null
  const batcher = path === 'sparse' ? createSparseBatcher(sparseAll!, blas) : null
  const background = new Float32Array(first.fanOut)

  /** The kernel path's state (step-paths.ts): K = XXᵀ, P = s·XW, W = g·W(t₀) + XᵀA. */
  function createSamplesSpace() {
    const x = heap(train.x)
    const K = new Float32Array(trainRows * trainRows)
    blas.sgemm(false, true, trainRows, trainRows, inputDim, x, x, K)
    const P = new Float32Array(trainRows * first.fanOut)
    const saved = options.resume?.find((t) => t.name === preActivationName)
    if (saved && saved.values.length === P.length) P.set(saved.values)
    else blas.sgemm(false, false, trainRows, first.fanOut, inputDim, x, heap(first.W), P, first.scale, 0)
    return { K, P, A: new Float32Array(trainRows * first.fanOut), g: 1, pending: false }
  }

  /**
   * Writes the kernel path's W out (W ← g·W + XᵀA, then A = 0, g = 1). P is left as its recursion
   * made it: training reads only P, so the trajectory does not depend on when W was written out
   * (evaluations, or a checkpoint whose timing depends on the clock).
   */
  function sync(): void {
    if (!kernel?.pending) return
    blas.sgemm(true, false, inputDim, first.fanOut, trainRows, heap(train.x), kernel.A, heap(first.W), 1, kernel.g)
    kernel.A.fill(0)
    kernel.g = 1
    kernel.pending = false
  }

  /** The state a checkpoint needs beyond the session's variables: the kernel path's P. */
  function state(): TrainerState[] {
    return kernel ? [{ name: preActivationName, shape: [trainRows, first.fanOut], values: Float32Array.from(kernel.P) }] : []
  }

  function step(order: Int32Array | null, start: number, count: number, settings: OptimizerSettings): number {
    rule.nextBatch()
    k.prepare()
    const w = k.workspace(count)
    const sparse = batcher?.gather(order, start, count) ?? null
    let x = heap(train.x)
    let targets = heap(train.targets)
    if (order) {
      if (!sparse) blas.gatherRows(x, inputDim, order, start, count, w.x)
      blas.gatherRows(targets, outputs, order, start, count, w.targets)
      x = w.x
      targets = w.targets
    } else if (start !== 0 || count * inputDim !== x.length) {
      x = x.subarray(start * inputDim, (start + count) * inputDim)
      targets = targets.subarray(start * outputs, (start + count) * outputs)
    }
    const output = k.forward(w, x, count, sparse?.rows ?? null, kernel?.P ?? null)
    const value = blas.lossError(lossCode[loss], output, targets, count, outputs, w.error)
    backwardAndUpdate(w, x, targets, count, settings, sparse?.columns ?? null)
    return value
  }

  /** The first layer's update on the kernel or sparse path: W ← (1 − η·c)·W − η·s·xᵀδ (with momentum, through v). */
  function updateFirstLayer(delta: Float32Array, rows: number, columns: SparseRows | null, settings: OptimizerSettings, decay: number): void {
    const { learningRate, momentum } = settings
    const shrink = 1 - learningRate * decay
    if (kernel) {
      // A ← (1 − η·c)·A − η·s·δ,  g ← (1 − η·c)·g,  P ← (1 − η·c)·P − η·s²·Kδ
      blas.axpby(-learningRate * first.scale, delta, shrink, kernel.A)
      kernel.g *= shrink
      blas.sgemm(false, false, rows, first.fanOut, rows, kernel.K, delta, kernel.P, -learningRate * first.scale * first.scale, shrink)
      kernel.pending = true
      return
    }
    // xᵀδ = Sᵀδ + c·1·(1ᵀδ)
    const c = columns!
    const add = k.backgroundTerm(c.background, delta, rows, first.fanOut, background)
    const W = heap(first.W)
    const v = velocity?.[0]
    if (momentum > 0 && v) {
      const vW = heap(v.W)
      blas.axpby(decay, W, momentum, vW)
      blas.sparseUpdate(c.offsets, c.indices, c.values, inputDim, rows, first.fanOut, delta, vW, first.scale, add, 1)
      blas.axpby(-learningRate, vW, 1, W)
    } else blas.sparseUpdate(c.offsets, c.indices, c.values, inputDim, rows, first.fanOut, delta, W, -learningRate * first.scale, add, shrink)
  }

  /**
   * From the output error down: each hidden layer's signal is formed from the weights before their
   * update (as the reference computes every dW first), then the layer above is updated in place.
   */
  function backwardAndUpdate(w: Workspace, x: Float32Array, targets: Float32Array, rows: number, settings: OptimizerSettings, columns: SparseRows | null): void {
    const { learningRate, momentum } = settings
    let delta = w.error
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l]
      const W = heap(layer.W)
      const input = l === 0 ? x : w.outputs[l - 1]
      if (l > 0) k.signal(rule.kind, l, delta, w.error, targets, rows, w.signals[l])
      const decay = layerDecay(settings, l, L)
      const v = velocity?.[l]
      if (l === 0 && path !== 'dense') {
        updateFirstLayer(delta, rows, columns, settings, decay)
        if (layer.b) blas.biasUpdate(delta, rows, layer.fanOut, heap(layer.b), learningRate, v ? momentum : 0, v?.b ? heap(v.b) : null)
      } else if (momentum > 0 && v) {
        // v ← μ·v + decay·W + s·inputᵀδ;  W ← W − η·v
        const vW = heap(v.W)
        blas.axpby(decay, W, momentum, vW)
        blas.sgemm(true, false, layer.fanIn, layer.fanOut, rows, input, delta, vW, layer.scale, 1)
        blas.axpby(-learningRate, vW, 1, W)
        if (layer.b) blas.biasUpdate(delta, rows, layer.fanOut, heap(layer.b), learningRate, momentum, v.b ? heap(v.b) : null)
      } else {
        // W ← (1 − η·decay)·W − η·s·inputᵀδ
        blas.sgemm(true, false, layer.fanIn, layer.fanOut, rows, input, delta, W, -learningRate * layer.scale, 1 - learningRate * decay)
        // KP: B_{l−1} receives W_l's update and decay (its signal above used B before the update)
        if (rule.kind === 'kp' && l > 0)
          blas.sgemm(true, false, layer.fanIn, layer.fanOut, rows, input, delta, heap(rule.learned[l - 1]), -learningRate * layer.scale, 1 - learningRate * decay)
        if (layer.b) blas.biasUpdate(delta, rows, layer.fanOut, heap(layer.b), learningRate, 0, null)
      }
      if (l > 0) {
        k.gate(w.signals[l], w.outputs[l - 1], rows, layer.fanIn)
        delta = w.signals[l]
      }
    }
  }

  return { step, path, sync, state }
}

/** A row-major float32 matrix [rows, cols]: what the fused path hands the measures. */
interface Matrix {
  values: Float32Array
  rows: number
  cols: number
}

/** cos(a, b) from ⟨a,b⟩, ‖a‖², ‖b‖²; null where a vector is zero (measures.ts's convention). */
function cosineOf([dot, aa, bb]: [number, number, number]): number | null {
  if (!(aa > 0) || !(bb > 0)) return null
  return Math.max(-1, Math.min(1, dot / Math.sqrt(aa * bb)))
}

/**
 * The evaluator of evaluation.ts (the same measures, names and conventions) on the fused path:
 * forward passes, both backward passes and every cosine as addon calls on preallocated buffers,
 * with a handful of calls per layer instead of dozens of tf ops. Null where the fused path does
 * not apply. test/engine/fused.test.ts compares its curves with the reference evaluator's.
 */
export function createFusedEvaluator(net: Network, rule: Rule, loss: LossKind, splits: EvaluationSplits, sparseInputs = true): Evaluator | null {
  const backend = fusedBackend()
  if (!backend) return null
  const { blas, heap } = backend
  const k = createKernels(net, rule, blas, heap)
  const { layers, L, outputs } = k
  const direct = directRules.includes(rule.kind)
  const chunk = 2000
  const labelsOf = (t: tf.Tensor1D | null) => (t ? Float32Array.from(t.dataSync()) : null)
  const fitLabels = labelsOf(splits.fit.labels)
  const testLabels = splits.test ? labelsOf(splits.test.labels) : null
  const probeRows = splits.probe.n
  // ψ-gated copies of the signals, per-layer gradients of the rule and of backprop, forward maps
  const deltas = layers.map((layer, l) => new Float32Array(l > 0 ? probeRows * layer.fanIn : 0))
  const ruleSignals = layers.map((layer, l) => new Float32Array(l > 0 ? probeRows * layer.fanIn : 0))
  const bpSignals = layers.map((layer, l) => new Float32Array(l > 0 ? probeRows * layer.fanIn : 0))
  const ruleGradients = layers.map((layer) => new Float32Array(layer.fanIn * layer.fanOut))
  const bpGradients = layers.map((layer) => new Float32Array(layer.fanIn * layer.fanOut))
  const rowCosines = new Float32Array(probeRows)
  const forwardMaps = layers.slice(0, L - 1).map((_, hidden) => new Float32Array(direct ? layers[hidden + 1].fanIn * outputs : layers[hidden + 1].fanIn * layers[hidden + 1].fanOut))
  // buffers for the measures' differences, and how many the current evaluation has handed out
  const scratch: Float32Array[] = []
  let differencesUsed = 0
  // Inputs that are mostly one value (normalised MNIST's background) as that value plus sparse
  // rows, built once: the splits never change during a run. The first layer's products on them
  // (the test set's forward pass, the probe's forward and weight gradients: most of an
  // evaluation's arithmetic) then cost in proportion to the other entries.
  const sparseOf = (s: EvaluationSplits['fit']) => (sparseInputs ? sparseRowsOf(heap(s.x), s.n, k.inputDim) : null)
  const probeSparse = sparseOf(splits.probe)
  const probeSparseT = probeSparse && transposeSparse(probeSparse)
  const fitSparse = splits.fit === splits.probe ? probeSparse : sparseOf(splits.fit)
  const testSparse = splits.test ? sparseOf(splits.test) : null
  const gradientBackground = new Float32Array(layers[0].fanOut)

  /** W_{h+1}, or for the direct rules W_{h+1}⋯W_L, into forwardMaps[h]. */
  function effectiveForward(hidden: number): Float32Array {
    const out = forwardMaps[hidden]
    if (!direct || hidden + 2 >= L) {
      out.set(heap(layers[hidden + 1].W))
      return out
    }
    let product = heap(layers[hidden + 1].W)
    let rows = layers[hidden + 1].fanIn
    for (let l = hidden + 2; l < L; l++) {
      const target = l === L - 1 ? out : new Float32Array(rows * layers[l].fanOut)
      blas.sgemm(false, false, rows, layers[l].fanOut, layers[l].fanIn, product, heap(layers[l].W), target)
      product = target
    }
    return out
  }
  const initialForward = forwardMaps.map((_, hidden) => Float32Array.from(effectiveForward(hidden)))

  function splitLossAndAccuracy(s: EvaluationSplits['fit'], labels: Float32Array | null, sparse: SparseRows | null): SplitFit {
    const x = heap(s.x)
    const targets = heap(s.targets)
    let lossSum = 0
    let correct = 0
    for (let start = 0; start < s.n; start += chunk) {
      const size = Math.min(chunk, s.n - start)
      const w = k.workspace(size)
      const output = k.forward(w, x.subarray(start * k.inputDim, (start + size) * k.inputDim), size, sparse && sparseRowSlice(sparse, start, size))
      lossSum += size * blas.lossError(lossCode[loss], output, targets.subarray(start * outputs, (start + size) * outputs), size, outputs, w.error)
      if (labels) correct += blas.rowArgmaxHits(output, labels.subarray(start, start + size), size, outputs)
    }
    return { loss: lossSum / s.n, accuracy: labels ? correct / s.n : null }
  }

  /** The backward pass of rule `kind` on the probe: its signals and its per-layer gradients. */
  function backward(kind: Rule['kind'], w: Workspace, x: Float32Array, targets: Float32Array, signals: Float32Array[], gradients: Float32Array[]): void {
    let delta = w.error
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l]
      const input = l === 0 ? x : w.outputs[l - 1]
      if (l === 0 && probeSparseT) {
        // xᵀδ = Sᵀδ + c·1·(1ᵀδ)
        const add = k.backgroundTerm(probeSparseT.background, delta, probeRows, layer.fanOut, gradientBackground)
        blas.sparseProduct(probeSparseT.offsets, probeSparseT.indices, probeSparseT.values, layer.fanIn, probeRows, layer.fanOut, delta, gradients[l], layer.scale, add)
      } else blas.sgemm(true, false, layer.fanIn, layer.fanOut, probeRows, input, delta, gradients[l], layer.scale, 0)
      if (l === 0) break
      k.signal(kind, l, delta, w.error, targets, probeRows, signals[l])
      deltas[l].set(signals[l])
      k.gate(deltas[l], w.outputs[l - 1], probeRows, layer.fanIn)
      delta = deltas[l]
    }
  }

  /** Every computed measure of the registry, over addon calls on the probe's two backward passes. */
  function evaluate(): Metrics {
    // The probe's forward pass first: when the fit split is the probe (mini-batch runs) and fits in
    // one chunk, its loss and accuracy are read off this pass instead of a second one.
    k.prepare()
    const w = k.workspace(probeRows)
    const x = heap(splits.probe.x)
    const targets = heap(splits.probe.targets)
    k.forward(w, x, probeRows, probeSparse)
    const probeLoss = blas.lossError(lossCode[loss], w.outputs[L - 1], targets, probeRows, outputs, w.error)
    const fitIsProbe = splits.fit === splits.probe && probeRows <= chunk
    const probeHits = fitIsProbe && fitLabels ? blas.rowArgmaxHits(w.outputs[L - 1], fitLabels, probeRows, outputs) : 0
    backward(rule.kind, w, x, targets, ruleSignals, ruleGradients)
    backward('bp', w, x, targets, bpSignals, bpGradients)
    differencesUsed = 0

    let fitValue: SplitFit | undefined
    let testValue: SplitFit | undefined
    const matrix = (values: Float32Array, rows: number, cols: number): Matrix => ({ values, rows, cols })
    const primitives: MeasurePrimitives<Matrix> = {
      layers: L,
      fit: () => (fitValue ??= fitIsProbe ? { loss: probeLoss, accuracy: fitLabels ? probeHits / probeRows : null } : splitLossAndAccuracy(splits.fit, fitLabels, fitSparse)),
      test: () => (splits.test ? (testValue ??= splitLossAndAccuracy(splits.test, testLabels, testSparse)) : null),
      weights: (l) => matrix(heap(layers[l - 1].W), layers[l - 1].fanIn, layers[l - 1].fanOut),
      // the rule's B for the measures: bp reports the fixed B as its null baseline
      feedback: cached((l) => matrix(rule.kind === 'bp' ? heap(rule.fixed[l - 1]) : k.feedbackOf(rule.kind, l), layers[l].fanIn, forwardMaps[l - 1].length / layers[l].fanIn)),
      forwardMap: cached((l) => matrix(effectiveForward(l - 1), layers[l].fanIn, forwardMaps[l - 1].length / layers[l].fanIn)),
      initialForwardMap: (l) => matrix(initialForward[l - 1], layers[l].fanIn, forwardMaps[l - 1].length / layers[l].fanIn),
      signal: (l, by) => matrix((by === 'rule' ? ruleSignals : bpSignals)[l], probeRows, layers[l].fanIn),
      gradient: (l, by) => matrix((by === 'rule' ? ruleGradients : bpGradients)[l - 1], layers[l - 1].fanIn, layers[l - 1].fanOut),
      cosine: (a, b) => cosineOf(blas.dotNorms(a.values, b.values)),
      meanRowCosine(a, b) {
        const cosines = rowCosines.subarray(0, a.rows)
        blas.rowCosines(a.values, b.values, a.rows, a.cols, cosines)
        let total = 0
        let counted = 0
        for (const c of cosines)
          if (!Number.isNaN(c)) {
            total += c
            counted++
          }
        return counted > 0 ? Math.max(-1, Math.min(1, total / counted)) : null
      },
      norm: (a) => Math.sqrt(blas.dotNorms(a.values, a.values)[1]),
      difference(a, b) {
        // buffers reused across evaluations: each evaluation asks for the same differences in the same order
        const at = differencesUsed++
        if (scratch.length <= at || scratch[at].length !== a.values.length) scratch[at] = new Float32Array(a.values.length)
        const out = scratch[at]
        out.set(a.values)
        blas.axpby(-1, b.values, 1, out)
        return matrix(out, a.rows, a.cols)
      },
    }
    return computeMeasures(primitives)
  }

  return {
    evaluate,
    trainLoss: () => splitLossAndAccuracy(splits.fit, fitLabels, fitSparse).loss,
    dispose() {},
    sparseInputs: (
      [
        ['fit', fitSparse],
        ['probe', probeSparse],
        ['test', testSparse],
      ] as const
    )
      .filter(([, sparse]) => sparse !== null)
      .map(([name]) => name),
  }
}
