/**
 * The fused training step of the `blas` backend for convolutional networks: conv layers as
 * im2col + sgemm, pooling as single passes, then the dense layers as fused.ts does them, all on
 * the tensors' own WebAssembly memory.
 *
 * Images are NHWC and a conv layer's kernel is tf's [kernelHeight, kernelWidth, inChannels,
 * filters], so with P = imageToColumns(h) ([positions, kh·kw·c], positions = batch·outH·outW):
 *
 *   forward        a = s · P W + b                    one sgemm, then activate adds b and applies ψ
 *   input signal   ε = columnsToImage(s · δ Fᵀ)       the transposed convolution with the rule's
 *                                                     feedback kernel F: W (bp), B (fa, kp),
 *                                                     sign(W) ⊙ M (sign); a direct rule's ε is
 *                                                     s · e Bᵀ (dfa) or s/n · y* Bᵀ (drtp)
 *   update         W ← (1 − η·c)·W − η·s·Pᵀδ          fused into one sgemm (beta = 1 − η·c): dW is never formed
 *   pooling        max (argmax kept for the backward scatter) or average, and their transposes
 *
 * The shapes are src-shared/conv-shape.ts's (convLayerShapes: each weight layer with the pools that
 * follow it). The signal a rule sends to a layer lands on that layer's pooled output map (the next
 * layer's input), and the pools' backward passes carry it down to h_l = ψ(a_l), where ψ' gates it. Layers are numbered over
 * conv and dense layers together, input side first; the feedback for layer l's input is the
 * rule's B_{l−1} (index l − 1), as in rules.ts; a direct rule's B_{l−1} is [size of layer l − 1's
 * pooled output map, outputs], its signal landing there as engine/conv-network.ts's does.
 *
 * The reference is the tf path (tf.conv2d and its transposes); test/engine/conv-blas.test.ts
 * checks this one against it update by update, and test/native/conv-kernels.test.ts the kernels
 * against float64.
 */
import type { Activation, ConvModelConfig, LossKind, RuleKind } from '../../src-shared/config'
import { convLayerShapes, imageInputShape, outputSide, sizeOf, type MapShape, type PoolStage, type WeightLayerShape } from '../../src-shared/conv-shape'
import { blasMatMulEnabled, loadBlas, type BlasAddon } from './blas'
import { layerDecay, type OptimizerSettings } from './optimizer'
import { directRules } from './rules'
import { tf } from './tf'

const activationCode: Record<Activation, number> = { linear: 0, relu: 1, tanh: 2, sigmoid: 3 }
const lossCode: Record<LossKind, number> = { mse: 0, 'cross-entropy': 1 }

/** What the blas path reads of a conv model. */
export type ConvNetModel = Pick<ConvModelConfig, 'features' | 'hidden' | 'outputs' | 'activation'>

/** A conv or dense layer's parameters: W [k, k, in, out] or [fanIn, fanOut], b [out] or null. */
export interface ConvNetLayer {
  W: tf.Tensor
  b: tf.Tensor | null
  /** Forward multiplier on P·W (or h·W). */
  scale: number
}

/** The rule, as the blas path needs it: rules.ts's Rule over tensors of any shape. */
export interface ConvNetRule {
  kind: RuleKind
  /** For sign: M = 1, a fixed |R|, or |R| redrawn for every batch. */
  magnitude: 'unit' | 'random' | 'batchwise'
  /** B_l for layer l + 1's input (shaped like W_{l+1}; for dfa/drtp [size of h_l, outputs]); for kp the learned ones. */
  fixed: tf.Tensor[]
  /** For kp: B_l, trained with W_{l+1}'s update and decay. Empty otherwise. */
  learned: tf.Tensor[]
  /** The feedback kernel in use for layer l + 1's input now (sign: from the current W); call in tidy. */
  feedbackMatrix(hidden: number): tf.Tensor
  nextBatch(): void
}

/**
 * The addon's geometry (blas.c) of a window `kernel` × `kernel` moved by `stride` over a batch of
 * `input` maps padded by `padding`, giving `output` maps.
 */
export function convGeometry(batch: number, input: MapShape, kernel: number, stride: number, padding: number, output: MapShape): Int32Array {
  return Int32Array.from([batch, input[0], input[1], input[2], kernel, kernel, stride, stride, padding, padding, output[0], output[1]])
}

/** A pool stage's input and output maps. */
interface PlannedPool {
  pool: PoolStage
  input: MapShape
  output: MapShape
}

/** A weight layer with its pools' maps. */
interface PlannedLayer extends WeightLayerShape {
  planned: PlannedPool[]
  /** The next layer's input: the last pool's output, or this layer's. */
  after: MapShape
}

function planLayers(model: ConvNetModel, input: MapShape): PlannedLayer[] {
  return convLayerShapes(model, input).layers.map((layer) => {
    let map = layer.output
    const planned = layer.pools.map((pool) => {
      const stride = pool.stride ?? pool.size
      const output: MapShape = [outputSide(map[0], pool.size, stride), outputSide(map[1], pool.size, stride), map[2]]
      const p = { pool, input: map, output }
      map = output
      return p
    })
    return { ...layer, planned, after: map }
  })
}

interface WasmHeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array
}

/** Momentum buffers shaped like each layer's W and b. */
export interface ConvVelocity {
  W: tf.Tensor
  b: tf.Tensor | null
}

export interface ConvBlasTrainer {
  /**
   * One update on `count` rows of the training data (rows order[start..start+count), or the first
   * `count` in order when `order` is null), with the optimiser's settings for this step. Returns
   * the loss at the parameters before the update.
   */
  step(order: Int32Array | null, start: number, count: number, settings: OptimizerSettings): number
  /** Which path the step takes, as runs record it next to the backend. */
  path: 'im2col'
}

/** One layer's buffers for a batch. */
interface LayerWork {
  /** h_l = ψ(a_l): [positions, out] (conv) or [rows, fanOut] (dense). */
  output: Float32Array
  /** A conv layer's columns P, kept from the forward pass for its update. */
  columns: Float32Array | null
  geometry: Int32Array | null
  /** Each pool's output, argmax (max pools) and geometry, and the gradient at its input. */
  pooled: Float32Array[]
  argmax: (Int32Array | null)[]
  poolGeometry: Int32Array[]
  poolSignals: Float32Array[]
  /** The signal at this layer's input (layer ≥ 1): the layer below's pooled output map. */
  inputSignal: Float32Array
}

interface Workspace {
  layers: LayerWork[]
  /** δFᵀ of a conv layer before columnsToImage (the largest conv's size). */
  columnSignal: Float32Array
  error: Float32Array
  x: Float32Array
  targets: Float32Array
}

/**
 * The fused conv trainer on the blas backend, or null where it does not apply: another backend is
 * active or the addon is missing, or KP with momentum (its B's momentum buffer lives in the
 * optimiser, as on the MLP path). `layers` holds the conv layers input side first, then the dense ones.
 */
export function createConvBlasTrainer(
  model: ConvNetModel,
  layers: ConvNetLayer[],
  rule: ConvNetRule,
  loss: LossKind,
  train: { x: tf.Tensor; targets: tf.Tensor },
  velocity: ConvVelocity[] | null,
  input: MapShape = imageInputShape,
): ConvBlasTrainer | null {
  const blas = loadBlas()
  if (!blas || !blasMatMulEnabled() || tf.getBackend() !== 'wasm') return null
  if (rule.kind === 'kp' && velocity) return null
  const backend = tf.backend() as unknown as WasmHeapBackend
  return createConvSteps(blas, (t) => backend.typedArrayFromHeap(t), model, input, layers, rule, loss, train, velocity)
}

function createConvSteps(
  blas: BlasAddon,
  heap: (t: tf.TensorInfo) => Float32Array,
  model: ConvNetModel,
  input: MapShape,
  layers: ConvNetLayer[],
  rule: ConvNetRule,
  loss: LossKind,
  train: { x: tf.Tensor; targets: tf.Tensor },
  velocity: ConvVelocity[] | null,
): ConvBlasTrainer {
  const plan = planLayers(model, input)
  if (layers.length !== plan.length) throw new Error(`the network has ${layers.length} weight layers where its model makes ${plan.length}`)
  plan.forEach((p, l) => {
    if (layers[l].W.size !== sizeOf(p.shape)) throw new Error(`layer ${l + 1}'s W has ${layers[l].W.size} entries where its model makes [${p.shape.join(', ')}]`)
  })
  const L = plan.length
  const act = activationCode[model.activation]
  const inputSize = sizeOf(input)
  const outputs = model.outputs
  const direct = directRules.includes(rule.kind)
  const batchwise = rule.kind === 'sign' && rule.magnitude === 'batchwise'
  const signBuffers = layers.map((layer, l) => (l > 0 && rule.kind === 'sign' ? new Float32Array(layer.W.size) : null))
  const workspaces = new Map<number, Workspace>()
  /** Output positions of layer l per image (1 for a dense layer), and its patch (fanIn). */
  const positionsOf = (l: number) => plan[l].output[0] * plan[l].output[1]
  const patchOf = (l: number) => plan[l].fanIn

  function workspace(rows: number): Workspace {
    let w = workspaces.get(rows)
    if (w) return w
    const columnSizes = plan.map((p, l) => (p.kind === 'conv' ? rows * positionsOf(l) * patchOf(l) : 0))
    w = {
      layers: plan.map((p, l) => {
        const stage = p.kind === 'conv' ? (model.features.filter((f) => f.kind === 'conv')[l] as Extract<ConvModelConfig['features'][number], { kind: 'conv' }>) : null
        return {
          output: new Float32Array(rows * sizeOf(p.output)),
          columns: columnSizes[l] > 0 ? new Float32Array(columnSizes[l]) : null,
          geometry: stage ? convGeometry(rows, p.input, stage.kernel, stage.stride, stage.padding, p.output) : null,
          pooled: p.planned.map((q) => new Float32Array(rows * sizeOf(q.output))),
          argmax: p.planned.map((q) => (q.pool.kind === 'maxPool' ? new Int32Array(rows * sizeOf(q.output)) : null)),
          poolGeometry: p.planned.map((q) => convGeometry(rows, q.input, q.pool.size, q.pool.stride ?? q.pool.size, 0, q.output)),
          poolSignals: p.planned.map((q) => new Float32Array(rows * sizeOf(q.input))),
          inputSignal: new Float32Array(l > 0 ? rows * sizeOf(p.input) : 0),
        }
      }),
      columnSignal: new Float32Array(Math.max(0, ...columnSizes)),
      error: new Float32Array(rows * outputs),
      x: new Float32Array(rows * inputSize),
      targets: new Float32Array(rows * outputs),
    }
    workspaces.set(rows, w)
    return w
  }

  /** Layer l's input for this batch: x, or the layer below's output after its pools. */
  function inputOf(w: Workspace, l: number, x: Float32Array): Float32Array {
    if (l === 0) return x
    const below = w.layers[l - 1]
    return below.pooled.length ? below.pooled[below.pooled.length - 1] : below.output
  }

  /** The network's output [rows, outputs] for images x [rows, inputSize]. */
  function forward(w: Workspace, x: Float32Array, rows: number): Float32Array {
    for (let l = 0; l < L; l++) {
      const p = plan[l]
      const work = w.layers[l]
      const layer = layers[l]
      const h = inputOf(w, l, x)
      const positions = rows * positionsOf(l)
      if (p.kind === 'conv') {
        blas.imageToColumns(h, work.geometry!, work.columns!)
        blas.sgemm(false, false, positions, p.output[2], patchOf(l), work.columns!, heap(layer.W), work.output, layer.scale, 0)
      } else blas.sgemm(false, false, rows, p.fanOut, p.fanIn, h, heap(layer.W), work.output, layer.scale, 0)
      const kind = l < L - 1 ? act : 0
      if (kind !== 0 || layer.b) blas.activate(kind, work.output, layer.b ? heap(layer.b) : null, positions, p.output[2])
      let pooledInput = work.output
      p.planned.forEach((q, j) => {
        if (q.pool.kind === 'maxPool') blas.maxPool(pooledInput, work.poolGeometry[j], work.pooled[j], work.argmax[j]!)
        else blas.avgPool(pooledInput, work.poolGeometry[j], work.pooled[j])
        pooledInput = work.pooled[j]
      })
    }
    return w.layers[L - 1].output
  }

  /** Batchwise sign's sign(W) ⊙ M_l comes from tf ops: formed before any heap view of this step is taken. */
  function prepare(): void {
    if (!batchwise) return
    for (let l = 1; l < L; l++) tf.tidy(() => signBuffers[l]!.set(rule.feedbackMatrix(l - 1).dataSync()))
  }

  /** The kernel or matrix layer l's input signal goes through: W (bp), sign(W) ⊙ M (sign), else B_{l−1}. */
  function feedbackOf(l: number): Float32Array {
    switch (rule.kind) {
      case 'bp':
        return heap(layers[l].W)
      case 'sign':
        if (!batchwise) blas.signOf(heap(layers[l].W), rule.magnitude === 'random' ? heap(rule.fixed[l - 1]) : null, signBuffers[l]!)
        return signBuffers[l]!
      default:
        return heap(rule.fixed[l - 1])
    }
  }

  /**
   * The rule's signal for layer l − 1, carried to its output h_{l−1} and gated there into
   * δ_{l−1} (in place in the returned buffer): from δ_l through the feedback kernel, or straight
   * from the output error (dfa) or targets (drtp), then back through layer l − 1's pools.
   */
  function signalDown(w: Workspace, l: number, delta: Float32Array, targets: Float32Array, rows: number): Float32Array {
    const p = plan[l]
    const layer = layers[l]
    const below = w.layers[l - 1]
    const belowSize = sizeOf(plan[l - 1].output)
    // ε at layer l − 1's pooled output (layer l's input), then back through layer l − 1's pools to h_{l−1}
    let epsilon = w.layers[l].inputSignal
    if (direct) {
      // s · e Bᵀ (dfa) or s/n · y* Bᵀ (drtp), B [size of the pooled map, outputs]
      const source = rule.kind === 'dfa' ? w.error : targets
      const scale = rule.kind === 'drtp' ? layer.scale / rows : layer.scale
      blas.sgemm(false, true, rows, sizeOf(plan[l - 1].after), outputs, source, feedbackOf(l), epsilon, scale, 0)
    } else if (p.kind === 'conv') {
      // the transposed convolution: δ Fᵀ [positions, patch], then each patch added back where it was read
      const positions = rows * positionsOf(l)
      const cols = w.columnSignal.subarray(0, positions * patchOf(l))
      blas.sgemm(false, true, positions, patchOf(l), p.output[2], delta, feedbackOf(l), cols, layer.scale, 0)
      blas.columnsToImage(cols, w.layers[l].geometry!, epsilon)
    } else blas.sgemm(false, true, rows, p.fanIn, p.fanOut, delta, feedbackOf(l), epsilon, layer.scale, 0)
    for (let j = plan[l - 1].planned.length - 1; j >= 0; j--) {
      const into = below.poolSignals[j]
      if (plan[l - 1].planned[j].pool.kind === 'maxPool') blas.maxPoolBackward(epsilon, below.argmax[j]!, into)
      else blas.avgPoolBackward(epsilon, below.poolGeometry[j], into)
      epsilon = into
    }
    blas.gate(act, epsilon, below.output, rows, belowSize)
    return epsilon
  }

  /** W ← (1 − η·c)·W − η·s·inputᵀδ, or through momentum; KP's B_{l−1} takes the same update. */
  function update(l: number, input: Float32Array, delta: Float32Array, positions: number, settings: OptimizerSettings): void {
    const { learningRate, momentum } = settings
    const layer = layers[l]
    const [fanIn, fanOut] = [plan[l].fanIn, plan[l].output[2]]
    const decay = layerDecay(settings, l, L)
    const W = heap(layer.W)
    const v = velocity?.[l]
    if (momentum > 0 && v) {
      // v ← μ·v + decay·W + s·inputᵀδ;  W ← W − η·v
      const vW = heap(v.W)
      blas.axpby(decay, W, momentum, vW)
      blas.sgemm(true, false, fanIn, fanOut, positions, input, delta, vW, layer.scale, 1)
      blas.axpby(-learningRate, vW, 1, W)
      if (layer.b) blas.biasUpdate(delta, positions, fanOut, heap(layer.b), learningRate, momentum, v.b ? heap(v.b) : null)
      return
    }
    blas.sgemm(true, false, fanIn, fanOut, positions, input, delta, W, -learningRate * layer.scale, 1 - learningRate * decay)
    if (rule.kind === 'kp' && l > 0) blas.sgemm(true, false, fanIn, fanOut, positions, input, delta, heap(rule.learned[l - 1]), -learningRate * layer.scale, 1 - learningRate * decay)
    if (layer.b) blas.biasUpdate(delta, positions, fanOut, heap(layer.b), learningRate, 0, null)
  }

  function step(order: Int32Array | null, start: number, count: number, settings: OptimizerSettings): number {
    rule.nextBatch()
    prepare()
    const w = workspace(count)
    let x = heap(train.x)
    let targets = heap(train.targets)
    if (order) {
      blas.gatherRows(x, inputSize, order, start, count, w.x)
      blas.gatherRows(targets, outputs, order, start, count, w.targets)
      x = w.x
      targets = w.targets
    } else if (start !== 0 || count * inputSize !== x.length) {
      x = x.subarray(start * inputSize, (start + count) * inputSize)
      targets = targets.subarray(start * outputs, (start + count) * outputs)
    }
    const output = forward(w, x, count)
    const value = blas.lossError(lossCode[loss], output, targets, count, outputs, w.error)
    // From the output down: each layer's input signal is formed with its weights before their update.
    let delta = w.error
    for (let l = L - 1; l >= 0; l--) {
      const next = l > 0 ? signalDown(w, l, delta, targets, count) : null
      update(l, plan[l].kind === 'conv' ? w.layers[l].columns! : inputOf(w, l, x), delta, count * positionsOf(l), settings)
      if (next) delta = next
    }
    return value
  }

  return { step, path: 'im2col' }
}
