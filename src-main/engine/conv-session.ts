/**
 * A training session for a convolutional model: engine/session.ts's contract (step, evaluate,
 * snapshot, checkpoints) over the conv network and rules. On the blas backend its steps are the
 * fused im2col + sgemm step of engine/conv-blas.ts (training path `im2col`), as an MLP's are
 * engine/fused.ts's; elsewhere, with `fused: false`, and for KP with momentum they are tf ops
 * (`conv`), the reference the fused step is checked against update by update through
 * `convTrainingStep` (test/engine/conv-session-paths.test.ts). Evaluations take tf ops on both.
 *
 * Measures are the registry's own (src-shared/measures.ts), computed over the same primitives as
 * for MLPs: W_l is a kernel [k, k, in, out] for a convolution, B_l has W_{l+1}'s shape (DFA, DRTP:
 * [size(h_l), k]), signals are per-sample rows of h_l's map, so the weight alignment of a conv
 * layer is the cosine over its whole kernel, signal alignment the mean over samples of the cosine
 * of the signals to the layer's map, gradient alignment the cosine with backprop's kernel gradient.
 */
import type { RunConfig } from '../../src-shared/config'
import { convEvaluationRows } from '../../src-shared/conv-shape'
import { computeMeasures, measureName } from '../../src-shared/measures'
import type { Dataset } from '../data/dataset'
import { createRng } from '../lib/random'
import type { SessionState } from './checkpoint'
import { asImages, convBackpropSignal, convBackward, convForward, convRuleUpdates, createConvNetwork, disposeConvNetwork, type ConvNetwork } from './conv-network'
import { createConvBlasTrainer } from './conv-blas'
import { createConvRule, type ConvRule } from './conv-rules'
import { splitFit, tfPrimitives, type Metrics } from './evaluation'
import { cosine } from './measures'
import { lossAndError } from './network'
import { createOptimizer, type Optimizer } from './optimizer'
import { directRules } from './rules'
import type { RunSession, Artifact, SessionOptions } from './session'
import { createBatchOrder, disposeSplit, splitTensors, type SplitTensors } from './split-tensors'
import { tf } from './tf'

/**
 * One training step given the model's tensors: the rule's updates on the batch (x: [rows, 784],
 * targets [rows, outputs]) applied by the optimiser as update `step`. Returns the batch loss at the
 * parameters before the update. The seam other conv paths are compared with, update by update.
 */
export function convTrainingStep(net: ConvNetwork, rule: ConvRule, optimizer: Optimizer, loss: RunConfig['loss'], x: tf.Tensor2D, targets: tf.Tensor2D, step: number): number {
  const value = tf.tidy(() => {
    rule.nextBatch()
    const updates = convRuleUpdates(net, rule.signal, loss, x, targets)
    optimizer.apply(updates, step)
    return updates.loss
  })
  const out = value.dataSync()[0]
  value.dispose()
  return out
}

/**
 * The forward map B_l stands in for: W_{l+1}; for DFA and DRTP the product W_{l+1}⋯W_L where every
 * layer above is dense ([size(h_l), k]). Above a convolution the map from h_l to the output passes
 * ψ and pooling and is no matrix: then a zero tensor of B's shape, whose cosine is undefined, so
 * no weight alignment is logged for those layers under DFA and DRTP.
 */
export function convForwardMap(net: ConvNetwork, rule: ConvRule, hidden: number): tf.Tensor {
  return tf.tidy(() => {
    const above = net.layers[hidden + 1]
    if (!directRules.includes(rule.kind)) return tf.clone(above.W)
    if (net.layers.slice(hidden + 1).some((layer) => layer.kind === 'conv')) return tf.zerosLike(rule.fixed[hidden])
    let product = above.W as tf.Tensor2D
    for (let l = hidden + 2; l < net.layers.length; l++) product = tf.matMul(product, net.layers[l].W as tf.Tensor2D)
    return tf.clone(product)
  })
}

/** Builds the conv network, rule, data tensors and optimiser of a run. Needs an initialised backend. */
export function createConvSession(config: RunConfig, data: Dataset, options: Pick<SessionOptions, 'fused' | 'resume'> = {}): RunSession {
  if (config.model.kind !== 'conv') throw new Error('createConvSession needs a conv model')
  const outputs = config.model.outputs
  const net = createConvNetwork(config.model, config.seed)
  const rule = createConvRule(config.rule, net, config.seed, config.feedbackMagnitude)
  const train = splitTensors(data.train, data.inputDim, outputs)
  const test = data.test ? splitTensors(data.test, data.inputDim, outputs) : null
  const shuffle = createRng(config.seed, 'shuffle')
  const batches = createBatchOrder(train.n, config.optimizer.batchSize, shuffle)
  const { fullBatch } = batches
  const probe = train.n <= config.evalSamples ? train : splitTensors(data.train, data.inputDim, outputs, config.evalSamples)
  const fit = fullBatch ? train : probe
  const optimizer = createOptimizer(net, config, rule.learned)
  const L = net.layers.length
  const initialForward = net.layers.slice(0, -1).map((_, h) => tf.keep(convForwardMap(net, rule, h)))
  const initialW1 = Float32Array.from(net.layers[0].W.dataSync() as Float32Array)

  let stepsDone = 0

  const stateVariables = (): [string, tf.Variable][] => [
    ...net.layers.flatMap((layer, l): [string, tf.Variable][] => [[`W${l + 1}`, layer.W], ...(layer.b ? [[`b${l + 1}`, layer.b] as [string, tf.Variable]] : [])]),
    ...rule.state.variables.map((v, i): [string, tf.Variable] => [`rule.${i}`, v]),
    ...optimizer.stateVariables.map((v, i): [string, tf.Variable] => [`optimizer.${i}`, v]),
  ]
  const rngs = [shuffle, ...rule.state.rngs]

  if (options.resume) {
    const state = options.resume
    const saved = new Map(state.tensors.map((t) => [t.name, t]))
    const variables = stateVariables()
    if (variables.length !== state.tensors.length) throw new Error(`the checkpoint holds ${state.tensors.length} tensors, this run has ${variables.length}`)
    for (const [name, v] of variables) {
      const t = saved.get(name)
      if (!t || t.shape.join('x') !== v.shape.join('x')) throw new Error(`the checkpoint's ${name} does not fit this run (shape ${t?.shape.join('×') ?? 'missing'}, expected ${v.shape.join('×')})`)
      tf.tidy(() => v.assign(tf.tensor(t.values, v.shape)))
    }
    batches.restore(state)
    state.rngs.forEach((s, i) => rngs[i].restore(s))
    stepsDone = state.step
  }

  // Built after a resume's weights are in place; it steps the same tensors in their wasm memory.
  const fused = options.fused === false ? null : createConvBlasTrainer(config.model, net.layers, rule, config.loss, train, optimizer.velocity)
  let written = false
  /**
   * Before tf ops read what the fused step wrote in place: tfjs-wasm's convolutions and products
   * keep their weights packed per tensor (XNNPACK operators cached by tensor id), so a kernel
   * changed in its memory would still be read as it was packed. Each trained tensor is handed to
   * its variable as a new tensor (a copy of a few thousand numbers) whenever steps were taken since.
   */
  function sync(): void {
    if (!written) return
    written = false
    tf.tidy(() => {
      for (const v of [...net.layers.flatMap((layer) => (layer.b ? [layer.W, layer.b] : [layer.W])), ...rule.learned]) v.assign(tf.add(v, 0))
    })
  }

  function fusedStep(trainer: NonNullable<typeof fused>): number {
    const batch = batches.next()
    written = true
    return trainer.step(batch.order, batch.start, batches.size, optimizer.settingsAt(stepsDone++))
  }

  function step(): number {
    if (fused) return fusedStep(fused)
    const [x, targets] = tf.tidy(() => batches.nextTensors(train))
    try {
      return convTrainingStep(net, rule, optimizer, config.loss, x, targets, stepsDone++)
    } finally {
      if (!fullBatch) {
        x.dispose()
        targets.dispose()
      }
    }
  }

  const splitFitOf = (s: SplitTensors) => splitFit(s, convEvaluationRows, (x) => convForward(net, asImages(net, x)).output, config.loss)

  function evaluate(): Metrics {
    sync()
    const metrics = tf.tidy(() => {
      const pass = convForward(net, asImages(net, probe.x))
      const { error } = lossAndError(config.loss, pass.output, probe.targets)
      const byRule = convBackward(net, pass, error, probe.targets, rule.signal)
      const byBackprop = convBackward(net, pass, error, probe.targets, convBackpropSignal(net))
      const primitives = tfPrimitives({
        layers: L,
        fit: () => splitFitOf(fit),
        test: test ? () => splitFitOf(test) : null,
        weights: (l) => net.layers[l - 1].W,
        feedback: (l) => rule.feedbackMatrix(l - 1),
        forwardMap: (l) => convForwardMap(net, rule, l - 1),
        initialForwardMap: (l) => initialForward[l - 1],
        byRule,
        byBackprop,
      })
      return computeMeasures(primitives)
    })
    return { ...metrics, [measureName('outputL2')]: optimizer.settingsAt(stepsDone).outputL2 }
  }

  function snapshot(): Artifact[] {
    const out: Artifact[] = []
    net.layers.forEach((layer, l) => {
      out.push({ name: `W${l + 1}`, shape: layer.W.shape, values: layer.W.dataSync() as Float32Array })
      if (layer.b) out.push({ name: `b${l + 1}`, shape: layer.b.shape, values: layer.b.dataSync() as Float32Array })
    })
    out.push({ name: 'W1.init', shape: net.layers[0].W.shape, values: initialW1 })
    tf.tidy(() =>
      rule.fixed.forEach((_, hidden) => {
        const B = rule.feedbackMatrix(hidden)
        out.push({ name: `B${hidden + 1}`, shape: B.shape, values: B.dataSync() as Float32Array })
      }),
    )
    return out
  }

  function saveState(): SessionState {
    return {
      step: stepsDone,
      tensors: stateVariables().map(([name, v]) => ({ name, shape: v.shape, values: Float32Array.from(v.dataSync() as Float32Array) })),
      ...batches.state(),
      rngs: rngs.map((r) => r.state()),
    }
  }

  return {
    path: fused ? 'fused' : 'reference',
    trainingPath: fused?.path ?? 'conv',
    sparseInputs: [],
    step,
    evaluate,
    trainLoss: () => {
      sync()
      return splitFitOf(fit).loss
    },
    weightAlignment: () => {
      sync()
      let value: number | null = null
      tf.tidy(() => {
        value = cosine(convForwardMap(net, rule, L - 2), rule.feedbackMatrix(L - 2))
      })
      return value
    },
    theoryMs: () => null,
    snapshot,
    saveState,
    dispose() {
      disposeConvNetwork(net)
      rule.dispose()
      initialForward.forEach((t) => t.dispose())
      if (probe !== train) disposeSplit(probe)
      disposeSplit(train)
      disposeSplit(test)
      optimizer.dispose()
    },
  }
}
