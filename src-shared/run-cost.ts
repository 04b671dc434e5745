/**
 * What a run costs, known before it starts: parameters, the memory a worker needs to train it
 * (weights and their companions, activations at the batch size, the data arrays, evaluation
 * buffers) and the floating-point work of one step and of one evaluation. Estimates err on the generous side; they
 * exist to refuse at once what cannot fit, not to predict to the byte. How long the work takes on
 * this machine is src-main/estimates/'s business. Pure: no node imports.
 */
import { convEvaluationRows, convLayerShapes, sizeOf } from './conv-shape'
import { bundledSizes, ConfigError, parseRunConfig, type RunConfig } from './config'

export interface ResourceEstimate {
  /** Trainable weights and biases. */
  parameters: number
  /** Peak bytes a training worker holds for the run. */
  memoryBytes: number
  /** Floating-point operations of one training step (forward, feedback, weight updates). */
  flopsPerStep: number
  /**
   * Floating-point operations of one evaluation (engine/evaluation.ts): a forward pass over the
   * test split and the fit split (the whole training set under full batch, else the probe), and
   * over the probe a forward pass with the rule's and backprop's signals sent back down.
   */
  flopsPerEvaluation: number
  /** Evaluations logged: step 0, every evalEvery steps, and the last. */
  evaluations: number
}

/** The two kinds of network, whose steps run at different speeds per FLOP (a conv step's im2col is far less efficient than a dense product). */
export type ModelFamily = 'dense' | 'conv'

export function modelFamily(config: Pick<RunConfig, 'model'>): ModelFamily {
  return config.model.kind === 'conv' ? 'conv' : 'dense'
}

/** Evaluations a run makes in its first `steps` steps (train.ts): at step 0, at every multiple of evalEvery, and at its last step. */
export function evaluationsIn(config: Pick<RunConfig, 'evalEvery'>, steps: number): number {
  return 1 + Math.floor(steps / config.evalEvery) + (steps % config.evalEvery ? 1 : 0)
}

/**
 * The floating-point work of a run's first `steps` steps with their evaluations: what its time is
 * estimated from and its speed measured by (src-main/estimates/). Convergence checks (a forward
 * pass over the fit split every checkEvery steps, 1000 in the presets) are left out.
 */
export function runFlops(config: RunConfig, steps: number, estimate: ResourceEstimate = estimateResources(config)): number {
  return steps * estimate.flopsPerStep + evaluationsIn(config, steps) * estimate.flopsPerEvaluation
}

export interface ResourceLimits {
  /** Memory one training worker may use, in bytes. */
  memoryBytes: number
  /** Most evaluations one run may log. */
  maxEvaluations: number
}

/**
 * A worker's tensors live in the wasm backend's 32-bit address space (4 GiB), whatever the
 * machine has; main lowers this to its share of physical memory.
 */
export const defaultResourceLimits: ResourceLimits = { memoryBytes: 4 * 2 ** 30, maxEvaluations: 1_000_000 }

/** Bytes per float32 element. */
const float = 4
/**
 * Copies of each weight matrix a run keeps: the weights, their update, the fixed feedback matrix,
 * momentum, the initial weights for disentangled alignment, and the backprop gradient the
 * alignment measures compare against.
 */
const copiesPerWeight = 6
/** Per layer and sample: pre-activation, activation, the error signal, and its backprop twin. */
const activationCopies = 4

/** Rows of the training and test sets, and input width, as the run will load them. */
function dataShape(config: RunConfig): { input: number; train: number; test: number; rawBytes: number } {
  const data = config.data
  if (data.kind === 'synthetic') {
    const teacherWeights = data.teacher === 'linear' ? data.inputDim : data.teacherWidth * (data.inputDim + 1)
    return { input: data.inputDim, train: data.n, test: data.testN, rawBytes: teacherWeights * config.model.outputs * float }
  }
  const bundled = data.source === 'bundled'
  const trainAvailable = bundled ? bundledSizes(data).train : 60_000
  const testAvailable = bundled ? bundledSizes(data).test : 10_000
  // The raw bytes of every image stay cached in the worker while it trains.
  return { input: 784, train: Math.min(data.trainSize ?? trainAvailable, trainAvailable), test: Math.min(data.testSize ?? testAvailable, testAvailable), rawBytes: 70_000 * 785 }
}

/** Estimates a validated run config's cost. */
export function estimateResources(config: RunConfig): ResourceEstimate {
  const { input, train, test, rawBytes } = dataShape(config)
  const outputs = config.model.outputs
  const { weights, units, biases, multiplyAdds, columns } = modelSize(config, input)
  const batch = config.optimizer.batchSize === 0 ? train : Math.min(config.optimizer.batchSize, train)
  const probe = Math.min(config.evalSamples, train)
  // the engine's splits (session.ts, conv-session.ts): under full batch the fit is the training set
  const fit = batch === train ? train : probe
  const layerWidth = units + input
  const memoryBytes =
    float *
      ((weights + biases) * copiesPerWeight +
        batch * layerWidth * activationCopies +
        // a conv model's im2col columns for the batch (engine/conv-blas.ts) and the transposed
        // convolution's columns of the signal, at most as many
        batch * columns * 2 +
        // evaluation forward passes over the whole training set, the test set and the probe (a conv
        // model's go through the sets in chunks of convEvaluationRows)
        ((config.model.kind === 'conv' ? Math.min(train + test, convEvaluationRows) : train + test) + probe) * layerWidth * 2 +
        // data arrays: on the JS side and as tensors
        (train + test) * (input + outputs) * 2) +
    rawBytes
  const evaluations = Math.floor(config.steps / config.evalEvery) + 2
  // forward passes 2 FLOP per multiply-add; the probe's also sends two signals back down (2 + 2 + 2)
  const flopsPerEvaluation = 2 * multiplyAdds * (test + fit) + 6 * multiplyAdds * probe
  return { parameters: weights + biases, memoryBytes, flopsPerStep: 6 * batch * multiplyAdds, flopsPerEvaluation, evaluations }
}

/**
 * A model's weights, its units per sample (every layer's output map, a conv layer's before and
 * after pooling), biases, the multiply-adds of one sample's forward pass (a convolution's
 * kernel applied at every output position; a dense layer's fanIn·fanOut), and the im2col columns
 * per sample that the blas step keeps for each conv layer's update (a patch per output position).
 */
function modelSize(config: RunConfig, input: number): { weights: number; units: number; biases: number; multiplyAdds: number; columns: number } {
  const model = config.model
  if (model.kind === 'conv') {
    let weights = 0
    let units = 0
    let biases = 0
    let multiplyAdds = 0
    let columns = 0
    for (const layer of convLayerShapes(model).layers) {
      const size = sizeOf(layer.shape)
      const positions = layer.output[0] * layer.output[1]
      weights += size
      multiplyAdds += size * positions
      if (layer.kind === 'conv') columns += positions * layer.fanIn
      units += sizeOf(layer.output) * (layer.pools.length + 1)
      biases += model.bias ? layer.shape.at(-1)! : 0
    }
    return { weights, units, biases, multiplyAdds, columns }
  }
  const hidden = model.kind === 'mlp' ? model.hidden : [model.hidden]
  const widths = [input, ...hidden, model.outputs]
  let weights = 0
  let units = 0
  for (let i = 0; i + 1 < widths.length; i++) {
    weights += widths[i] * widths[i + 1]
    units += widths[i + 1]
  }
  return { weights, units, biases: model.kind === 'mlp' && model.bias ? units : 0, multiplyAdds: weights, columns: 0 }
}

/** Human-readable bytes: 1.5 GB, 300 MB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return unit === units.length - 1 && value >= 1000 ? `${bytes.toExponential(2)} B` : `${Number(value.toPrecision(3))} ${units[unit]}`
}

/** Why a run cannot be trained within `limits`, or null when it fits. */
export function resourceFault(estimate: ResourceEstimate, limits: ResourceLimits): string | null {
  if (estimate.memoryBytes > limits.memoryBytes) {
    return `needs about ${formatBytes(estimate.memoryBytes)} of memory (${estimate.parameters.toExponential(2)} parameters, activations and data), more than the ${formatBytes(limits.memoryBytes)} a training worker has: make the model, the data or the batch smaller`
  }
  if (estimate.evaluations > limits.maxEvaluations) {
    return `would log ${estimate.evaluations.toExponential(2)} evaluations (steps / evalEvery), more than the ${limits.maxEvaluations.toLocaleString('en-US')} a run may store: raise evalEvery`
  }
  return null
}

/** parseRunConfig, then refuses (ConfigError) a run that cannot be trained within `limits`. */
export function parseBoundedRunConfig(input: unknown, limits: ResourceLimits = defaultResourceLimits): RunConfig {
  const config = parseRunConfig(input)
  const fault = resourceFault(estimateResources(config), limits)
  if (fault) throw new ConfigError([{ path: '', message: fault }])
  return config
}
