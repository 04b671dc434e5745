/**
 * The fused step of the blas backend (engine/fused.ts) against the reference path of tf ops: the
 * same update from the same state, relative 1e-5 per step, on every rule, activation and loss and
 * on the model shapes the blas tests cover, with and without momentum, decay, biases and
 * mini-batches; every measure of the fused evaluator against the reference evaluator's; and
 * seeded runs whose curves agree within 1e-4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Activation, LossKind, ModelConfig, RuleKind, RunConfigInput } from '../../src-shared/config'
import { parseRunConfig } from '../../src-shared/config'
import type { Dataset } from '../../src-main/data/dataset'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import { initBackend, tf } from '../../src-main/engine/tf'
import { createSession } from '../../src-main/engine/session'
import { train, type Evaluation } from '../../src-main/engine/train'
import { createRng } from '../../src-main/lib/random'
import { compareCurves, compareMetrics, compareUpdates } from './record'

const inputDim = 12
const outputs = 3

/** The config's data field only has to agree with the task: the tests hand the dataset over themselves. */
const dataConfig = (loss: LossKind) => (loss === 'mse' ? { kind: 'synthetic', n: 40, inputDim } : { kind: 'mnist', classes: [0, 1, 2] }) as RunConfigInput['data']

function dataset(loss: LossKind, n = 40): Dataset {
  const rng = createRng(5, 'fused-test')
  const split = (rows: number) =>
    loss === 'mse'
      ? { n: rows, x: rng.normalArray(rows * inputDim), targets: rng.normalArray(rows * outputs) }
      : { n: rows, x: rng.normalArray(rows * inputDim), labels: new Uint8Array(rows).map(() => rng.integer(outputs)) }
  return {
    name: 'random',
    task: loss === 'mse' ? 'regression' : 'classification',
    inputDim,
    outputDim: outputs,
    train: split(n),
    test: split(25),
    identity: { kind: 'test', source: 'random', files: [], trainSize: n, testSize: 0, preprocessing: {}, fingerprint: '' },
  }
}

const models: ModelConfig[] = [
  { kind: 'two-layer', hidden: 40, activation: 'relu', outputs },
  { kind: 'mlp', hidden: [30, 20], activation: 'relu', outputs, bias: true, init: 'he' },
  { kind: 'mlp', hidden: [25], activation: 'relu', outputs, bias: false, init: 'standard' },
  { kind: 'mlp', hidden: [16, 12, 8], activation: 'relu', outputs, bias: true, init: 'glorot' },
]
const rules: RuleKind[] = ['bp', 'fa', 'kp', 'dfa', 'drtp', 'sign']
const activations: Activation[] = ['relu', 'tanh', 'sigmoid', 'linear']
const losses: LossKind[] = ['mse', 'cross-entropy']

function weights(session: ReturnType<typeof createSession>): Float32Array[] {
  const parameters = session.net.layers.flatMap((layer) => (layer.b ? [layer.W, layer.b] : [layer.W]))
  return [...parameters, ...session.rule.learned].map((t) => t.dataSync() as Float32Array)
}

/**
 * Steps a fused and a reference session side by side from the same seed (record.ts's
 * compareUpdates: every update and loss to relative 1e-5), their measures agreeing before the
 * first step and after the last.
 */
async function compareSteps(input: RunConfigInput, data: Dataset, steps: number, label: string, betweenSteps: (step: number) => void = () => {}): Promise<void> {
  const config = parseRunConfig(input)
  const fast = createSession(config, data)
  const reference = createSession(config, data, { fused: false })
  try {
    // the one combination the fused step leaves to the reference path (KP's B has its own momentum)
    expect(fast.path, label).toBe(config.rule === 'kp' && config.optimizer.momentum > 0 ? 'reference' : 'fused')
    expect(reference.path).toBe('reference')
    compareMetrics(fast.evaluate(), reference.evaluate(), `${label} at the start`, 1e-5)
    await compareUpdates(steppedSession(fast), steppedSession(reference), steps, label, { betweenSteps })
    compareMetrics(fast.evaluate(), reference.evaluate(), `${label} after ${steps} steps`, 1e-4)
  } finally {
    fast.dispose()
    reference.dispose()
  }
}

const steppedSession = (session: ReturnType<typeof createSession>) => ({ step: () => session.step(), parameters: () => weights(session).map((w) => Float32Array.from(w)) })

beforeAll(async () => {
  expect(loadBlas(), `the BLAS addon must be built here: ${blasUnavailableReason()}`).not.toBeNull()
  await initBackend('blas')
})
afterAll(async () => {
  await initBackend('auto')
})

describe('the fused step makes the reference update', () => {
  for (const model of models)
    for (const rule of rules)
      it(`${model.kind} ${JSON.stringify(model.hidden)} ${rule}: every activation and loss`, async () => {
        for (const activation of activations)
          for (const loss of losses) {
            const input: RunConfigInput = {
              seed: 4,
              data: dataConfig(loss),
              model: { ...model, activation },
              rule,
              loss,
              optimizer: { learningRate: 0.05, batchSize: 0 },
              regularization: { outputL2: 0.1 },
              steps: 3,
            }
            await compareSteps(input, dataset(loss), 3, `${activation} ${loss}`)
          }
      })

  it('with momentum, weight decay, biases and shuffled mini-batches across epochs', async () => {
    for (const rule of rules)
      for (const loss of losses) {
        const input: RunConfigInput = {
          seed: 7,
          data: dataConfig(loss),
          model: { kind: 'mlp', hidden: [16, 8], activation: 'tanh', outputs, bias: true, init: 'glorot' },
          rule,
          loss,
          optimizer: { learningRate: 0.1, batchSize: 15, momentum: 0.9 },
          regularization: { outputL2: 0.05, weightDecay: 0.01 },
          steps: 8,
        }
        await compareSteps(input, dataset(loss), 8, `${rule} ${loss}`)
      }
  })

  for (const feedbackMagnitude of ['random', 'batchwise'] as const)
  it(`sign with ${feedbackMagnitude} magnitudes`, async () => {
    const input: RunConfigInput = {
      seed: 2,
      data: { kind: 'synthetic', n: 40, inputDim },
      model: { kind: 'mlp', hidden: [20, 10], activation: 'relu', outputs, bias: false, init: 'he' },
      rule: 'sign',
      feedbackMagnitude,
      loss: 'mse',
      optimizer: { learningRate: 0.05, batchSize: 0 },
      steps: 4,
    }
    await compareSteps(input, dataset('mse'), 4, `sign ${feedbackMagnitude}`)
  })
})

describe('the fused path holds no stale view of WebAssembly memory', () => {
  it('steps and measures correctly after the wasm heap grows', async () => {
    const input: RunConfigInput = {
      seed: 8,
      data: dataConfig('cross-entropy'),
      model: { kind: 'mlp', hidden: [20, 10], activation: 'relu', outputs, bias: true, init: 'he' },
      rule: 'sign',
      feedbackMagnitude: 'batchwise',
      loss: 'cross-entropy',
      optimizer: { learningRate: 0.05, batchSize: 10 },
      steps: 4,
    }
    const kept: tf.Tensor[] = []
    await compareSteps(input, dataset('cross-entropy'), 4, 'heap growth', (step) => {
      // 64 MiB more tensor memory: the wasm memory grows, and every earlier view of it is detached
      if (step === 1) kept.push(tf.zeros([16 << 20]))
    })
    kept.forEach((t) => t.dispose())
  })
})

describe('the fused evaluator', () => {
  it('reads the fit measures of a mini-batch run off the probe’s forward pass: 8 products, not 10', () => {
    const config = parseRunConfig({
      seed: 1,
      data: dataConfig('cross-entropy'),
      model: { kind: 'two-layer', hidden: 30, activation: 'relu', outputs },
      rule: 'fa',
      loss: 'cross-entropy',
      optimizer: { learningRate: 0.05, batchSize: 10 },
      steps: 2,
      evalSamples: 20,
    })
    const data = { ...dataset('cross-entropy'), test: null }
    const fast = createSession(config, data)
    const reference = createSession(config, data, { fused: false })
    try {
      fast.step()
      reference.step()
      const blas = loadBlas()!
      blas.resetSgemmTime()
      const metrics = fast.evaluate()
      // forward (2), the rule's backward (dW2, signal, dW1) and backprop's (3); no second forward for the fit
      expect(blas.sgemmTime().calls).toBe(8)
      compareMetrics(metrics, reference.evaluate(), 'fit from the probe', 1e-5)
    } finally {
      fast.dispose()
      reference.dispose()
    }
  })
})

describe('seeded runs give the same curves with the fused step', () => {
  const curves = async (input: RunConfigInput, backend: 'blas' | 'wasm') => {
    const config = parseRunConfig({ ...input, backend })
    const evaluations: Evaluation[] = []
    const result = await train(config, dataset(config.loss, 60), { onEvaluation: (e) => void evaluations.push(e) })
    expect(result.backend).toBe(backend)
    return evaluations
  }
  for (const rule of rules)
    it(`${rule}: every activation, against the reference path on tfjs-wasm`, async () => {
      for (const activation of activations) {
        // DRTP's weights grow without bound on unbounded units (rules.ts): such a curve amplifies
        // float32 rounding whichever path computes it, so only tanh and sigmoid are compared over a run.
        if (rule === 'drtp' && (activation === 'relu' || activation === 'linear')) continue
        const input: RunConfigInput = {
          seed: 3,
          data: dataConfig('cross-entropy'),
          model: { kind: 'mlp', hidden: [30, 20], activation, outputs, bias: true, init: 'he' },
          rule,
          loss: 'cross-entropy',
          optimizer: { learningRate: 0.05, batchSize: 20 },
          regularization: { outputL2: 0.1 },
          steps: 120,
          evalEvery: 40,
          evalSamples: 60,
        }
        const fast = await curves(input, 'blas')
        const reference = await curves(input, 'wasm')
        compareCurves(fast, reference, activation, 1e-4)
      }
    })
})
