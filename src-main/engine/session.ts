/**
 * A training session: the network, the rule, the data as tensors, the batch order, the optimiser
 * and the evaluator of one run, stepped by the caller (engine/train.ts, benchmarks, tests).
 * Needs an initialised backend.
 */
import { theoryEnabled, type RunConfig } from '../../src-shared/config'
import { measureName } from '../../src-shared/measures'
import type { Dataset } from '../data/dataset'
import { createRng, deriveSeed } from '../lib/random'
import type { SessionState } from './checkpoint'
import { createEvaluator, effectiveForward, type Metrics } from './evaluation'
import { cosine } from './measures'
import { backward, createNetwork, disposeNetwork, forward, lossAndError, networkSpec, type Network, type Updates } from './network'
import { createFusedEvaluator, createFusedTrainer, isTrainerState } from './fused'
import { createOptimizer } from './optimizer'
import type { TrainingPath } from '../../src-shared/training-paths'
import { createRule, type Rule } from './rules'
import { createBatchOrder, disposeSplit, splitTensors } from './split-tensors'
import { tf } from './tf'
import { createTheoryTracker, type SpectrumHistory, type TheoryState } from './theory'

/** A named tensor copied out of the session: final weights, biases and feedback matrices. */
export interface Artifact {
  name: string
  shape: number[]
  values: Float32Array
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
  return { ...backward(net, pass, error, targets, rule.signal), loss: value }
}

/** What the training loop needs of a run's session, whatever its model (MLP here, conv in engine/conv-session.ts). */
export type RunSession = Omit<TrainingSession, 'net' | 'rule'>

export interface TrainingSession {
  net: Network
  rule: Rule
  /** How steps are computed: the fused step of the blas backend, or the reference path of tf ops. */
  path: 'fused' | 'reference'
  /** How the step computes its products (src-shared/training-paths.ts): an MLP's dense, kernel (samples' space) or sparse, the reference path's dense; a conv model's im2col (fused) or conv (tf ops). */
  trainingPath: TrainingPath
  /** The evaluation splits whose first-layer products run on sparse inputs (normalised digits' background; fused path only). */
  sparseInputs: readonly ('fit' | 'probe' | 'test')[]
  /** One parameter update on the next batch; returns the batch loss at the parameters before it. */
  step(): number
  /** Every measure at the current parameters, with λ_t as `outputL2`. */
  evaluate(): Metrics
  /** The training loss at the current parameters (as the `trainLoss` measure). */
  trainLoss(): number
  /** The weight alignment of the last hidden layer (cos(β, b) for two-layer nets) at the current parameters; null for a zero vector. */
  weightAlignment(): number | null
  /** Milliseconds spent on the theory measures so far; null when the run has them off. */
  theoryMs(): number | null
  /** The weights (`W1`, `b1`, …), feedback matrices (`B1`, …), spectra and, for image runs, the first layer at step 0 (`W1.init`). */
  snapshot(): Artifact[]
  /** Everything the next steps depend on, copied out (see engine/checkpoint.ts). */
  saveState(): SessionState
  dispose(): void
}

export interface SessionOptions {
  /**
   * Train and evaluate on the fused path of the blas backend (engine/fused.ts) where it applies;
   * false keeps the reference path of tf ops, which the fused path is tested against.
   */
  fused?: boolean
  /**
   * On the fused path, evaluate inputs that are mostly one value (normalised digits) with sparse
   * first-layer products (engine/sparse-inputs.ts); false keeps the dense products, for comparison.
   */
  sparseInputs?: boolean
  /** `dense` keeps the fused step's dense products, for comparison with the kernel and sparse paths (engine/step-paths.ts). */
  stepPaths?: 'auto' | 'dense'
  /** Continue from a checkpoint's state instead of step 0 (the run's seed still gives the initial weights the measures compare with). */
  resume?: SessionState
}

/** Builds the network, rule, data tensors and optimiser state for a run. Needs an initialised backend. */
export function createSession(config: RunConfig, data: Dataset, options: SessionOptions = {}): TrainingSession {
  const spec = networkSpec(config.model, data.inputDim)
  const outputs = spec.outputs
  const net = createNetwork(spec, config.seed)
  const rule = createRule(config.rule, net, config.seed, config.feedbackMagnitude)
  const { dropout } = config.regularization

  const train = splitTensors(data.train, data.inputDim, outputs)
  const test = data.test ? splitTensors(data.test, data.inputDim, outputs) : null
  const shuffle = createRng(config.seed, 'shuffle')
  const batches = createBatchOrder(train.n, config.optimizer.batchSize, shuffle)
  const { fullBatch } = batches
  const probe = train.n <= config.evalSamples ? train : splitTensors(data.train, data.inputDim, outputs, config.evalSamples)
  const splits = { fit: fullBatch ? train : probe, probe, test }
  const evaluator = (options.fused === false ? null : createFusedEvaluator(net, rule, config.loss, splits, options.sparseInputs !== false)) ?? createEvaluator(net, rule, config.loss, splits)
  const optimizer = createOptimizer(net, config, rule.learned)
  const theory = theoryEnabled(config) ? createTheoryTracker(net, rule, config, data.train, data.inputDim, optimizer.settingsAt) : null

  let stepsDone = 0

  /** Every variable that changes during training, named for checkpoints. */
  const stateVariables = (): [string, tf.Variable][] => [
    ...net.layers.flatMap((layer, l): [string, tf.Variable][] => [[`W${l + 1}`, layer.W as tf.Variable], ...(layer.b ? [[`b${l + 1}`, layer.b as tf.Variable] as [string, tf.Variable]] : [])]),
    ...rule.state.variables.map((v, i): [string, tf.Variable] => [`rule.${i}`, v]),
    ...optimizer.stateVariables.map((v, i): [string, tf.Variable] => [`optimizer.${i}`, v]),
  ]
  const rngs = [shuffle, ...rule.state.rngs]

  function saveState(): SessionState {
    sync()
    return {
      step: stepsDone,
      tensors: [...stateVariables().map(([name, v]) => ({ name, shape: v.shape, values: Float32Array.from(v.dataSync() as Float32Array) })), ...(fused?.state() ?? [])],
      ...batches.state(),
      rngs: rngs.map((r) => r.state()),
      ...(theory ? { theory: theory.saveState() } : {}),
    }
  }

  function restoreState(state: SessionState): void {
    // the kernel path's own state (fused.ts) goes to the trainer, built after this
    const tensors = state.tensors.filter((t) => !isTrainerState(t.name))
    const saved = new Map(tensors.map((t) => [t.name, t]))
    const variables = stateVariables()
    if (variables.length !== tensors.length) throw new Error(`the checkpoint holds ${tensors.length} tensors, this run has ${variables.length}`)
    for (const [name, v] of variables) {
      const t = saved.get(name)
      if (!t || t.shape.join('x') !== v.shape.join('x')) throw new Error(`the checkpoint's ${name} does not fit this run (shape ${t?.shape.join('×') ?? 'missing'}, expected ${v.shape.join('×')})`)
      tf.tidy(() => v.assign(tf.tensor(t.values, v.shape)))
    }
    batches.restore(state)
    state.rngs.forEach((s, i) => rngs[i].restore(s))
    if (theory && state.theory) theory.restoreState(state.theory as TheoryState)
    stepsDone = state.step
  }

  // Image runs keep their first layer's initial weights, so the lab can show W1 − W1(0) beside W1.
  const initialW1 = config.data.kind === 'synthetic' ? null : Float32Array.from(net.layers[0].W.dataSync() as Float32Array)
  // Restored before the fused trainer exists; the evaluator above already kept the initial weights.
  if (options.resume) restoreState(options.resume)
  const fused = options.fused === false ? null : createFusedTrainer(net, rule, config.loss, train, optimizer.velocity, dropout, {
          fullBatch,
          paths: options.stepPaths ?? 'auto',
          resume: options.resume?.tensors.filter((t) => isTrainerState(t.name)),
        })
  /** Every reader of the weights goes through this: the kernel path keeps W₁ implicit between evaluations. */
  const sync = () => fused?.sync()

  function dropoutMask(hidden: number, shape: [number, number]): tf.Tensor2D {
    const u = tf.randomUniform(shape, 0, 1, 'float32', deriveSeed(config.seed, `dropout.${stepsDone}.${hidden}`))
    return tf.mul(tf.cast(tf.greaterEqual(u, dropout), 'float32'), 1 / (1 - dropout)) as tf.Tensor2D
  }

  function fusedStep(trainer: NonNullable<typeof fused>): number {
    const batch = batches.next()
    const value = trainer.step(batch.order, batch.start, batches.size, optimizer.settingsAt(stepsDone))
    stepsDone++
    return value
  }

  function step(): number {
    if (fused) return fusedStep(fused)
    const loss = tf.tidy(() => {
      const [x, targets] = batches.nextTensors(train)
      rule.nextBatch()
      const updates = ruleUpdates(net, rule, config.loss, x, targets, dropout > 0 ? dropoutMask : undefined)
      optimizer.apply(updates, stepsDone)
      return updates.loss
    })
    stepsDone++
    const value = loss.dataSync()[0]
    loss.dispose()
    return value
  }

  function snapshot(): Artifact[] {
    sync()
    const out: Artifact[] = []
    net.layers.forEach((layer, l) => {
      out.push({ name: `W${l + 1}`, shape: layer.W.shape, values: layer.W.dataSync() as Float32Array })
      if (layer.b) out.push({ name: `b${l + 1}`, shape: layer.b.shape, values: layer.b.dataSync() as Float32Array })
    })
    if (initialW1) out.push({ name: 'W1.init', shape: net.layers[0].W.shape, values: initialW1 })
    tf.tidy(() =>
      rule.fixed.forEach((_, hidden) => {
        const B = rule.feedbackMatrix(hidden)
        out.push({ name: `B${hidden + 1}`, shape: B.shape, values: B.dataSync() as Float32Array })
      }),
    )
    if (theory) out.push(...spectrumArtifacts(theory.history()))
    return out
  }

  function evaluate(): Metrics {
    sync()
    const metrics = { ...evaluator.evaluate(), [measureName('outputL2')]: optimizer.settingsAt(stepsDone).outputL2 }
    return theory ? { ...metrics, ...theory.measure(stepsDone) } : metrics
  }

  return {
    net,
    rule,
    path: fused ? 'fused' : 'reference',
    trainingPath: fused?.path ?? 'dense',
    sparseInputs: evaluator.sparseInputs ?? [],
    step,
    evaluate,
    theoryMs: () => theory?.costMs() ?? null,
    trainLoss: () => {
      sync()
      return evaluator.trainLoss()
    },
    weightAlignment: () => {
      sync()
      const last = net.layers.length - 2
      let value: number | null = null
      tf.tidy(() => {
        value = cosine(effectiveForward(net, rule.kind, last), rule.feedbackMatrix(last))
      })
      return value
    },
    snapshot,
    saveState,
    dispose() {
      disposeNetwork(net)
      rule.dispose()
      if (probe !== train) disposeSplit(probe)
      disposeSplit(train)
      disposeSplit(test)
      evaluator.dispose()
      optimizer.dispose()
      theory?.dispose()
    },
  }
}

/**
 * The stored spectra as artifacts: `spectrum.steps` [rows] and `spectrum.G`, `spectrum.H`
 * [rows, points], one row per kept logged step (see engine/theory.ts for the bounds).
 */
function spectrumArtifacts(history: SpectrumHistory): Artifact[] {
  const rows = history.steps.length
  if (rows === 0) return []
  const out: Artifact[] = [{ name: 'spectrum.steps', shape: [rows], values: Float32Array.from(history.steps) }]
  for (const name of ['G', 'H'] as const) {
    const points = history[name][0].length
    if (points === 0) continue
    const values = new Float32Array(rows * points)
    history[name].forEach((row, i) => values.set(row, i * points))
    out.push({ name: `spectrum.${name}`, shape: [rows, points], values })
  }
  return out
}
