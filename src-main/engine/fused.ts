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
import { blasMatMulEnabled, loadBlas, type BlasAddon } from './blas'
import type { Network } from './network'
import { layerDecay, type OptimizerSettings } from './optimizer'
import type { Rule } from './rules'
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
): FusedTrainer | null {
  const blas = loadBlas()
  if (!blas || !blasMatMulEnabled() || tf.getBackend() !== 'wasm' || dropout > 0) return null
  // KP's B has its own momentum buffer inside the optimiser: with momentum, KP stays on the reference path.
  if (rule.kind === 'kp' && velocity) return null
  const backend = tf.backend() as unknown as WasmHeapBackend
  const heap = (t: tf.Tensor) => backend.typedArrayFromHeap(t)
  const layers = net.layers
  const L = layers.length
  const inputDim = layers[0].fanIn
  const outputs = layers[L - 1].fanOut
  const act = activationCode[net.spec.activation]
  const signBuffers = layers.map((layer, l) => (rule.kind === 'sign' && l > 0 ? new Float32Array(layer.fanIn * layer.fanOut) : null))
  const workspaces = new Map<number, Workspace>()

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

  function step(order: Int32Array | null, start: number, count: number, settings: OptimizerSettings): number {
    rule.nextBatch()
    const w = workspace(count)
    let x = heap(train.x)
    let targets = heap(train.targets)
    if (order) {
      blas!.gatherRows(x, inputDim, order, start, count, w.x)
      blas!.gatherRows(targets, outputs, order, start, count, w.targets)
      x = w.x
      targets = w.targets
    } else if (start !== 0 || count * inputDim !== x.length) {
      x = x.subarray(start * inputDim, (start + count) * inputDim)
      targets = targets.subarray(start * outputs, (start + count) * outputs)
    }
    forwardInto(blas!, w, x, count)
    const value = blas!.lossError(lossCode[loss], w.outputs[L - 1], targets, count, outputs, w.error)
    backwardAndUpdate(blas!, w, x, targets, count, settings)
    return value
  }

  /** h_{l+1} = ψ(s_l · h_l W_l + b_l), the output layer linear. */
  function forwardInto(blas: BlasAddon, w: Workspace, x: Float32Array, rows: number): void {
    let h = x
    for (let l = 0; l < L; l++) {
      const layer = layers[l]
      const out = w.outputs[l]
      blas.sgemm(false, false, rows, layer.fanOut, layer.fanIn, h, heap(layer.W), out, layer.scale, 0)
      const kind = l < L - 1 ? act : 0
      if (kind !== 0 || layer.b) blas.activate(kind, out, layer.b ? heap(layer.b) : null, rows, layer.fanOut)
      h = out
    }
  }

  /**
   * From the output error down: each hidden layer's signal is formed from the weights before their
   * update (as the reference computes every dW first), then the layer above is updated in place.
   */
  function backwardAndUpdate(blas: BlasAddon, w: Workspace, x: Float32Array, targets: Float32Array, rows: number, settings: OptimizerSettings): void {
    const { learningRate, momentum } = settings
    let delta = w.error
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l]
      const W = heap(layer.W)
      const input = l === 0 ? x : w.outputs[l - 1]
      if (l > 0) {
        const hidden = l - 1
        const signal = w.signals[l]
        let feedback: Float32Array
        let drawn: tf.Tensor | null = null
        let source = delta
        let sourceCols = layer.fanOut
        let scale = layer.scale
        switch (rule.kind) {
          case 'bp':
            feedback = W
            break
          case 'fa':
          case 'kp':
            feedback = heap(rule.fixed[hidden])
            break
          case 'dfa':
            feedback = heap(rule.fixed[hidden])
            source = w.error
            sourceCols = outputs
            break
          case 'drtp':
            feedback = heap(rule.fixed[hidden])
            source = targets
            sourceCols = outputs
            scale = layer.scale / rows
            break
          case 'sign':
            if (rule.magnitude === 'batchwise') {
              // sign(W) ⊙ this batch's magnitudes, formed by the rule itself
              drawn = tf.tidy(() => rule.feedbackMatrix(hidden))
              feedback = heap(drawn)
            } else {
              feedback = signBuffers[l]!
              blas.signOf(W, rule.magnitude === 'random' ? heap(rule.fixed[hidden]) : null, feedback)
            }
            break
          default:
            throw new Error(`the fused step has no ${rule.kind} rule`)
        }
        // ε [rows, fanIn] = scale · source [rows, cols] · feedbackᵀ, feedback [fanIn, cols]
        blas.sgemm(false, true, rows, layer.fanIn, sourceCols, source, feedback, signal, scale, 0)
        drawn?.dispose()
      }
      const decay = layerDecay(settings, l, L)
      const v = velocity?.[l]
      if (momentum > 0 && v) {
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
        blas.gate(act, w.signals[l], w.outputs[l - 1], rows, layer.fanIn)
        delta = w.signals[l]
      }
    }
  }

  return { step }
}
