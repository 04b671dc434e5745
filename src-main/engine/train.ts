/**
 * Training: one run of a learning rule on a dataset, with the measures logged as it goes.
 * No storage here; callers receive evaluations through hooks.
 */
import type { RunConfig } from '../../src-shared/config'
import type { Dataset, Split } from '../data/dataset'
import { createRng, deriveSeed } from '../lib/random'
import { cosine, frobeniusNorm, meanRowCosine } from './measures'
import {
  backpropSignal,
  backward,
  createNetwork,
  disposeNetwork,
  forward,
  lossAndError,
  networkSpec,
  type Network,
  type Updates,
} from './network'
import { createRule, type Rule } from './rules'
import { initBackend, tf, type BackendName } from './tf'

/** Measure name → value. Names are documented in README.md (Measures). */
export type Metrics = Record<string, number>

export interface Evaluation {
  /** Parameter updates done so far. */
  step: number
  metrics: Metrics
  /** Milliseconds since training started (after set-up). */
  wallTimeMs: number
}

export type TrainStatus = 'completed' | 'diverged' | 'cancelled'

export interface TrainResult {
  status: TrainStatus
  /** Parameter updates done. */
  steps: number
  /** The metrics of the last evaluation. */
  final: Metrics
  backend: BackendName
  durationMs: number
  /** Why the run ended early, for diverged and cancelled runs. */
  message?: string
  /** Final weights, biases and feedback matrices when `keepArtifacts` was asked for. */
  artifacts?: Artifact[]
}

export interface Artifact {
  name: string
  shape: number[]
  values: Float32Array
}

export interface TrainHooks {
  /** Called once the backend is up and the session built, before the first evaluation. */
  onStart?(info: { backend: BackendName }): void
  onEvaluation?(evaluation: Evaluation): void | Promise<void>
  /** Polled between steps; true cancels the run. */
  shouldStop?(): boolean
  /** Called with the step count at most every `progressIntervalMs` (default 200 ms). */
  onProgress?(step: number, totalSteps: number): void
  progressIntervalMs?: number
  keepArtifacts?: boolean
}

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

interface SplitTensors {
  x: tf.Tensor2D
  targets: tf.Tensor2D
  labels: tf.Tensor1D | null
  n: number
}

function splitTensors(split: Split, inputDim: number, outputs: number, rows = split.n): SplitTensors {
  const n = Math.min(rows, split.n)
  const x = tf.tensor2d(split.x.subarray(0, n * inputDim), [n, inputDim])
  const targets = tf.tensor2d(encodeTargets(split, outputs).subarray(0, n * outputs), [n, outputs])
  const labels = split.labels ? tf.tensor1d(Int32Array.from(split.labels.subarray(0, n)), 'int32') : null
  return { x, targets, labels, n }
}

function disposeSplit(s: SplitTensors | null): void {
  if (!s) return
  s.x.dispose()
  s.targets.dispose()
  s.labels?.dispose()
}

/** The rule's updates and the loss for one batch, with optional dropout. Call inside tf.tidy. */
export function ruleUpdates(
  net: Network,
  rule: Rule,
  loss: RunConfig['loss'],
  x: tf.Tensor2D,
  targets: tf.Tensor2D,
  dropoutMask?: (hidden: number, shape: [number, number]) => tf.Tensor2D | null,
): Updates & { loss: tf.Scalar } {
  const pass = forward(net, x, dropoutMask)
  const { loss: value, error } = lossAndError(loss, pass.output, targets)
  return { ...backward(net, pass, error, rule.signal), loss: value }
}

export interface TrainingSession {
  net: Network
  rule: Rule
  /** One parameter update on the next batch; returns the batch loss at the parameters before it. */
  step(): number
  /** Every measure at the current parameters. */
  evaluate(): Metrics
  snapshot(): Artifact[]
  dispose(): void
}

/** Builds the network, rule, data tensors and optimiser state for a run. Needs an initialised backend. */
export function createSession(config: RunConfig, data: Dataset): TrainingSession {
  const spec = networkSpec(config.model, data.inputDim)
  const outputs = spec.outputs
  const net = createNetwork(spec, config.seed)
  const rule = createRule(config.rule, net, config.seed, config.feedbackMagnitude)
  const L = net.layers.length
  const single = L === 2
  const { learningRate, momentum } = config.optimizer
  const { outputL2, weightDecay, dropout } = config.regularization

  const train = splitTensors(data.train, data.inputDim, outputs)
  const test = data.test ? splitTensors(data.test, data.inputDim, outputs) : null
  const fullBatch = config.optimizer.batchSize === 0 || config.optimizer.batchSize >= train.n
  const batchSize = fullBatch ? train.n : config.optimizer.batchSize
  const probe = train.n <= config.evalSamples ? train : splitTensors(data.train, data.inputDim, outputs, config.evalSamples)
  const initialForward = net.layers.map((_, i) => (i < L - 1 ? tf.keep(effectiveForward(i)) : null))
  const velocity =
    momentum > 0
      ? net.layers.map((layer) => ({
          W: tf.tidy(() => tf.variable(tf.zerosLike(layer.W))),
          b: layer.b ? tf.tidy(() => tf.variable(tf.zerosLike(layer.b!))) : null,
        }))
      : null

  const shuffle = createRng(config.seed, 'shuffle')
  let order: Int32Array = shuffle.permutation(train.n)
  let cursor = 0
  let stepsDone = 0

  /** The forward map that B_l stands in for: W_{l+1}, or for DFA the product W_{l+1}⋯W_L. */
  function effectiveForward(hidden: number): tf.Tensor2D {
    return tf.tidy(() => {
      let product = net.layers[hidden + 1].W as tf.Tensor2D
      if (config.rule === 'dfa') for (let l = hidden + 2; l < L; l++) product = tf.matMul<tf.Tensor2D>(product, net.layers[l].W as tf.Tensor2D)
      return tf.clone(product)
    })
  }

  function nextBatch(): [tf.Tensor2D, tf.Tensor2D] {
    if (fullBatch) return [train.x, train.targets]
    if (cursor + batchSize > train.n) {
      order = shuffle.permutation(train.n)
      cursor = 0
    }
    const indices = tf.tensor1d(order.subarray(cursor, cursor + batchSize), 'int32')
    cursor += batchSize
    return [tf.gather(train.x, indices), tf.gather(train.targets, indices)]
  }

  function dropoutMask(hidden: number, shape: [number, number]): tf.Tensor2D {
    const u = tf.randomUniform(shape, 0, 1, 'float32', deriveSeed(config.seed, `dropout.${stepsDone}.${hidden}`))
    return tf.mul(tf.cast(tf.greaterEqual(u, dropout), 'float32'), 1 / (1 - dropout)) as tf.Tensor2D
  }

  function apply(updates: Updates): void {
    for (let l = 0; l < L; l++) {
      const layer = net.layers[l]
      const decay = weightDecay + (l === L - 1 ? outputL2 : 0)
      let g: tf.Tensor = decay > 0 ? tf.add(updates.dW[l], tf.mul(layer.W, decay)) : updates.dW[l]
      let gb: tf.Tensor | null = updates.db[l]
      if (velocity) {
        const v = velocity[l]
        v.W.assign(tf.add(tf.mul(v.W, momentum), g))
        g = v.W
        if (v.b && gb) {
          v.b.assign(tf.add(tf.mul(v.b, momentum), gb))
          gb = v.b
        }
      }
      layer.W.assign(tf.sub(layer.W, tf.mul(g, learningRate)))
      if (layer.b && gb) layer.b.assign(tf.sub(layer.b, tf.mul(gb, learningRate)))
    }
  }

  function step(): number {
    const loss = tf.tidy(() => {
      const [x, targets] = nextBatch()
      const updates = ruleUpdates(net, rule, config.loss, x, targets, dropout > 0 ? dropoutMask : undefined)
      apply(updates)
      return updates.loss
    })
    stepsDone++
    const value = loss.dataSync()[0]
    loss.dispose()
    return value
  }

  /** Summed loss and correct count over a split, in chunks to bound memory. */
  function splitLossAndAccuracy(s: SplitTensors): { loss: number; accuracy: number | null } {
    const chunk = 2000
    let lossSum = 0
    let correct = 0
    for (let start = 0; start < s.n; start += chunk) {
      const size = Math.min(chunk, s.n - start)
      const [l, c] = tf.tidy(() => {
        const x = tf.slice(s.x, [start, 0], [size, -1])
        const t = tf.slice(s.targets, [start, 0], [size, -1])
        const out = forward(net, x).output
        const chunkLoss = tf.mul(lossAndError(config.loss, out, t).loss, size)
        const hits = s.labels ? countCorrect(out, tf.slice(s.labels, [start], [size])) : tf.scalar(0)
        return [chunkLoss.dataSync()[0], hits.dataSync()[0]]
      })
      lossSum += l
      correct += c
    }
    return { loss: lossSum / s.n, accuracy: s.labels ? correct / s.n : null }
  }

  function evaluate(): Metrics {
    const metrics: Metrics = {}
    const put = (name: string, value: number | null) => {
      if (value !== null && Number.isFinite(value)) metrics[name] = value
    }
    const suffix = (hidden: number) => (single ? '' : `.${hidden + 1}`)

    const trainFit = splitLossAndAccuracy(fullBatch ? train : probe)
    put('trainLoss', trainFit.loss)
    put('trainAccuracy', trainFit.accuracy)
    if (test) {
      const testFit = splitLossAndAccuracy(test)
      put('testLoss', testFit.loss)
      put('testAccuracy', testFit.accuracy)
    }

    tf.tidy(() => {
      const pass = forward(net, probe.x)
      const { error } = lossAndError(config.loss, pass.output, probe.targets)
      const byRule = backward(net, pass, error, rule.signal)
      const byBackprop = backward(net, pass, error, backpropSignal(net))
      for (let hidden = 0; hidden < L - 1; hidden++) {
        const B = rule.feedbackMatrix(hidden)
        const forwardMap = effectiveForward(hidden)
        put(`weightAlignment${suffix(hidden)}`, cosine(forwardMap, B))
        put(`disentangledAlignment${suffix(hidden)}`, cosine(tf.sub(forwardMap, initialForward[hidden]!), B))
        put(`signalAlignment${suffix(hidden)}`, meanRowCosine(byRule.signals[hidden], byBackprop.signals[hidden]))
        put(`norm.B${hidden + 1}`, frobeniusNorm(B))
      }
      for (let l = 0; l < L; l++) {
        put(`gradientAlignment.${l + 1}`, cosine(byRule.dW[l], byBackprop.dW[l]))
        put(`norm.W${l + 1}`, frobeniusNorm(net.layers[l].W))
      }
    })
    return metrics
  }

  function snapshot(): Artifact[] {
    const out: Artifact[] = []
    net.layers.forEach((layer, l) => {
      out.push({ name: `W${l + 1}`, shape: layer.W.shape, values: layer.W.dataSync() as Float32Array })
      if (layer.b) out.push({ name: `b${l + 1}`, shape: layer.b.shape, values: layer.b.dataSync() as Float32Array })
    })
    tf.tidy(() =>
      rule.fixed.forEach((_, hidden) => {
        const B = rule.feedbackMatrix(hidden)
        out.push({ name: `B${hidden + 1}`, shape: B.shape, values: B.dataSync() as Float32Array })
      }),
    )
    return out
  }

  return {
    net,
    rule,
    step,
    evaluate,
    snapshot,
    dispose() {
      disposeNetwork(net)
      rule.dispose()
      if (probe !== train) disposeSplit(probe)
      disposeSplit(train)
      disposeSplit(test)
      initialForward.forEach((t) => t?.dispose())
      velocity?.forEach((v) => {
        v.W.dispose()
        v.b?.dispose()
      })
    },
  }
}

/** Number of rows whose prediction matches the label; one output means the sign decides 0/1. */
function countCorrect(output: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const predicted = output.shape[1] === 1 ? tf.cast(tf.greater(tf.reshape(output, [-1]), 0), 'int32') : tf.argMax(output, 1)
  return tf.sum(tf.cast(tf.equal(predicted, labels), 'float32'))
}

/**
 * Trains one run. Evaluations happen at step 0, every `evalEvery` steps and at the end. A
 * non-finite loss ends the run as `diverged` at the step whose parameters produced it.
 */
export async function train(config: RunConfig, data: Dataset, hooks: TrainHooks = {}): Promise<TrainResult> {
  const backend = await initBackend(config.backend)
  const session = createSession(config, data)
  hooks.onStart?.({ backend })
  const started = performance.now()
  let lastYield = started
  let lastProgress = started
  const progressInterval = hooks.progressIntervalMs ?? 200
  let final: Metrics = {}
  let status: TrainStatus = 'completed'
  let message: string | undefined
  let step = 0

  const report = async () => {
    final = session.evaluate()
    await hooks.onEvaluation?.({ step, metrics: final, wallTimeMs: performance.now() - started })
  }

  try {
    await report()
    while (step < config.steps) {
      if (hooks.shouldStop?.()) {
        status = 'cancelled'
        message = `cancelled at step ${step}`
        break
      }
      const loss = session.step()
      if (!Number.isFinite(loss)) {
        status = 'diverged'
        message = `training loss became ${loss} at step ${step} (learning rate ${config.optimizer.learningRate}); the run stopped there`
        break
      }
      step++
      if (step % config.evalEvery === 0 || step === config.steps) await report()
      if (hooks.onProgress && performance.now() - lastProgress >= progressInterval) {
        hooks.onProgress(step, config.steps)
        lastProgress = performance.now()
      }
      if (performance.now() - lastYield > 50) {
        // Let cancellation and progress messages through when training runs in a worker.
        await new Promise((resolve) => setImmediate(resolve))
        lastYield = performance.now()
      }
    }
    const artifacts = hooks.keepArtifacts ? session.snapshot() : undefined
    return { status, steps: step, final, backend, durationMs: performance.now() - started, message, artifacts }
  } finally {
    session.dispose()
  }
}
