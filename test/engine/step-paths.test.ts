/**
 * The kernel and sparse paths of the fused step (engine/step-paths.ts) against the reference path
 * of tf ops, as test/engine/fused.test.ts checks the dense fused step: the same update from the
 * same state, relative 1e-5 per step, on every rule and on deep nets with biases, decay and λ;
 * seeded curves within 1e-4; and which configs take which path (those that must fall back do).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Activation, LossKind, ModelConfig, RuleKind, RunConfigInput } from '../../src-shared/config'
import { parseRunConfig } from '../../src-shared/config'
import type { Dataset } from '../../src-main/data/dataset'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import { createSession, type TrainingSession } from '../../src-main/engine/session'
import { chooseTrainingPath, firstLayerMultiplyAdds } from '../../src-main/engine/step-paths'
import { initBackend } from '../../src-main/engine/tf'
import { train, type Evaluation } from '../../src-main/engine/train'
import { createRng } from '../../src-main/lib/random'
import { compareCurves, compareMetrics, compareUpdates } from './record'

const outputs = 3

/**
 * Random data: `wide` rows of 30 Gaussian inputs (n = 20 < d, the kernel path's case), or rows of
 * 40 inputs that are mostly one background value (about one entry in five off it, as normalised
 * MNIST's pixels: the sparse path's case).
 */
function dataset(kind: 'wide' | 'sparse', loss: LossKind, n: number): Dataset {
  const rng = createRng(11, `step-paths-${kind}`)
  const inputDim = kind === 'wide' ? 30 : 40
  const background = -0.4242
  const inputs = (rows: number) =>
    kind === 'wide' ? rng.normalArray(rows * inputDim) : new Float32Array(rows * inputDim).map(() => (rng.uniform() < 0.2 ? background + 3 * rng.uniform() : background))
  const split = (rows: number) =>
    loss === 'mse'
      ? { n: rows, x: inputs(rows), targets: rng.normalArray(rows * outputs) }
      : { n: rows, x: inputs(rows), labels: new Uint8Array(rows).map(() => rng.integer(outputs)) }
  return {
    name: kind,
    task: loss === 'mse' ? 'regression' : 'classification',
    inputDim,
    outputDim: outputs,
    train: split(n),
    test: split(15),
    identity: { kind: 'test', source: 'random', files: [], trainSize: n, testSize: 15, preprocessing: {}, fingerprint: '' },
  }
}

/** The config's data field only has to agree with the task: the tests hand the dataset over themselves. */
const dataConfig = (loss: LossKind) => (loss === 'mse' ? { kind: 'synthetic', n: 20, inputDim: 30 } : { kind: 'mnist', classes: [0, 1, 2] }) as RunConfigInput['data']

/** Every parameter after writing out what the path keeps implicitly (snapshot() does). */
function weights(session: TrainingSession): Float32Array[] {
  const artifacts = session.snapshot().filter((a) => /^[Wb]\d+$/.test(a.name))
  return [...artifacts.map((a) => Float32Array.from(a.values)), ...session.rule.learned.map((t) => Float32Array.from(t.dataSync() as Float32Array))]
}

/** A session on `path` and a reference session stepped side by side (record.ts's compareUpdates): every update and loss agree to 1e-5. */
async function compareSteps(input: RunConfigInput, data: Dataset, steps: number, path: 'kernel' | 'sparse', label: string): Promise<void> {
  const config = parseRunConfig(input)
  const fast = createSession(config, data)
  const reference = createSession(config, data, { fused: false })
  try {
    expect(fast.path, label).toBe('fused')
    expect(fast.trainingPath, label).toBe(path)
    expect(reference.trainingPath).toBe('dense')
    compareMetrics(fast.evaluate(), reference.evaluate(), `${label} at the start`, 1e-5)
    const stepped = (session: TrainingSession) => ({ step: () => session.step(), parameters: () => weights(session) })
    await compareUpdates(stepped(fast), stepped(reference), steps, label)
    compareMetrics(fast.evaluate(), reference.evaluate(), `${label} after ${steps} steps`, 1e-4)
  } finally {
    fast.dispose()
    reference.dispose()
  }
}

const models: ModelConfig[] = [
  { kind: 'two-layer', hidden: 40, activation: 'relu', outputs },
  { kind: 'mlp', hidden: [30, 20], activation: 'relu', outputs, bias: true, init: 'he' },
  { kind: 'mlp', hidden: [25], activation: 'relu', outputs, bias: false, init: 'standard' },
]
const rules: RuleKind[] = ['bp', 'fa', 'kp', 'dfa', 'drtp', 'sign']
const activations: Activation[] = ['relu', 'tanh', 'sigmoid', 'linear']

beforeAll(async () => {
  expect(loadBlas(), `the BLAS addon must be built here: ${blasUnavailableReason()}`).not.toBeNull()
  await initBackend('blas')
})
afterAll(async () => {
  await initBackend('auto')
})

describe('the path a step takes', () => {
  const base = (optimizer: RunConfigInput['optimizer'], regularization: RunConfigInput['regularization'] = {}): RunConfigInput => ({
    seed: 1,
    data: dataConfig('mse'),
    model: { kind: 'two-layer', hidden: 20, activation: 'relu', outputs },
    rule: 'fa',
    loss: 'mse',
    optimizer,
    regularization,
    steps: 1,
  })
  const pathOf = (input: RunConfigInput, data: Dataset) => {
    const session = createSession(parseRunConfig(input), data)
    try {
      return [session.path, session.trainingPath]
    } finally {
      session.dispose()
    }
  }
  it('kernel for full-batch runs with n < d, with decay and λ; dense with momentum, mini-batches or n ≥ d', () => {
    const wide = dataset('wide', 'mse', 20)
    expect(pathOf(base({ learningRate: 0.1 }, { weightDecay: 0.01, outputL2: 0.2 }), wide)).toEqual(['fused', 'kernel'])
    expect(pathOf(base({ learningRate: 0.1, momentum: 0.9 }), wide)).toEqual(['fused', 'dense'])
    expect(pathOf(base({ learningRate: 0.1, batchSize: 10 }), wide)).toEqual(['fused', 'dense'])
    expect(pathOf(base({ learningRate: 0.1 }), dataset('wide', 'mse', 40))).toEqual(['fused', 'dense'])
    // dropout takes the reference path of tf ops, dense
    expect(pathOf(base({ learningRate: 0.1 }, { dropout: 0.2 }), wide)).toEqual(['reference', 'dense'])
  })
  it('sparse for inputs that are mostly one value, mini-batch or full batch, with momentum; kernel before sparse', () => {
    expect(pathOf(base({ learningRate: 0.1, batchSize: 10, momentum: 0.9 }), dataset('sparse', 'mse', 60))).toEqual(['fused', 'sparse'])
    expect(pathOf(base({ learningRate: 0.1 }), dataset('sparse', 'mse', 60))).toEqual(['fused', 'sparse'])
    expect(pathOf(base({ learningRate: 0.1 }), dataset('sparse', 'mse', 30))).toEqual(['fused', 'kernel'])
  })
  it('is chosen by one rule, and its cost falls with n²p against 2ndp', () => {
    const facts = { fullBatch: true, trainRows: 50, inputDim: 150, momentum: 0, sparseInputs: false }
    expect(chooseTrainingPath(facts)).toBe('kernel')
    expect(chooseTrainingPath({ ...facts, momentum: 0.9 })).toBe('dense')
    expect(chooseTrainingPath({ ...facts, momentum: 0.9, sparseInputs: true })).toBe('sparse')
    expect(chooseTrainingPath({ ...facts, trainRows: 150 })).toBe('dense')
    expect(firstLayerMultiplyAdds('dense', 50, 150, 3200)).toBe(2 * 50 * 150 * 3200)
    expect(firstLayerMultiplyAdds('kernel', 50, 150, 3200)).toBe(50 * 50 * 3200 + 50 * 3200)
    expect(firstLayerMultiplyAdds('sparse', 600, 784, 1000, 0.2)).toBeCloseTo(2 * 0.2 * 600 * 784 * 1000 + 784 * 1000 + 600 * 1000)
  })
})

describe('the kernel path makes the reference update', () => {
  for (const model of models)
    for (const rule of rules)
      it(`${model.kind} ${JSON.stringify(model.hidden)} ${rule}: every activation, mse and cross-entropy, with decay and λ`, async () => {
        for (const activation of activations)
          for (const loss of ['mse', 'cross-entropy'] as const)
            await compareSteps(
              {
                seed: 4,
                data: dataConfig(loss),
                model: { ...model, activation },
                rule,
                loss,
                optimizer: { learningRate: 0.05, batchSize: 0 },
                regularization: { outputL2: 0.1, weightDecay: 0.02 },
                steps: 3,
              },
              dataset('wide', loss, 20),
              3,
              'kernel',
              `${activation} ${loss}`,
            )
      })

  it('follows the same trajectory whenever W is written out (an evaluation or a checkpoint in between changes nothing)', () => {
    const config = parseRunConfig({
      seed: 6,
      data: dataConfig('mse'),
      model: { kind: 'mlp', hidden: [24, 12], activation: 'tanh', outputs, bias: true, init: 'glorot' },
      rule: 'fa',
      loss: 'mse',
      optimizer: { learningRate: 0.05, batchSize: 0 },
      regularization: { weightDecay: 0.01 },
      steps: 30,
    })
    const data = dataset('wide', 'mse', 20)
    const often = createSession(config, data)
    const never = createSession(config, data)
    try {
      expect(often.trainingPath).toBe('kernel')
      for (let s = 0; s < 30; s++) {
        expect(often.step()).toBe(never.step())
        if (s % 3 === 0) often.saveState()
        if (s % 7 === 0) often.evaluate()
      }
      // W written out at the end only agrees with W written out every few steps to float32 rounding
      const a = weights(often)
      const b = weights(never)
      a.forEach((values, i) => values.forEach((v, j) => expect(Math.abs(v - b[i][j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(v)))))
    } finally {
      often.dispose()
      never.dispose()
    }
  })
})

describe('the sparse path makes the reference update', () => {
  for (const rule of rules)
    it(`${rule}: mini-batches across epochs with momentum, decay and biases; full batch; every activation`, async () => {
      for (const loss of ['mse', 'cross-entropy'] as const) {
        await compareSteps(
          {
            seed: 7,
            data: dataConfig(loss),
            model: { kind: 'mlp', hidden: [16, 8], activation: 'tanh', outputs, bias: true, init: 'glorot' },
            rule,
            loss,
            optimizer: { learningRate: 0.1, batchSize: 15, momentum: rule === 'kp' ? 0 : 0.9 },
            regularization: { outputL2: 0.05, weightDecay: 0.01 },
            steps: 6,
          },
          dataset('sparse', loss, 40),
          6,
          'sparse',
          `${rule} ${loss} mini-batch`,
        )
        for (const activation of activations)
          await compareSteps(
            {
              seed: 3,
              data: dataConfig(loss),
              model: { kind: 'two-layer', hidden: 40, activation, outputs },
              rule,
              loss,
              optimizer: { learningRate: 0.05, batchSize: 0 },
              regularization: { outputL2: 0.1 },
              steps: 3,
            },
            dataset('sparse', loss, 50),
            3,
            'sparse',
            `${rule} ${activation} ${loss} full batch`,
          )
      }
    })
})

describe('seeded runs give the same curves on the kernel and sparse paths', () => {
  const curves = async (input: RunConfigInput, data: Dataset, backend: 'blas' | 'wasm') => {
    const config = parseRunConfig({ ...input, backend })
    const evaluations: Evaluation[] = []
    const result = await train(config, data, { onEvaluation: (e) => void evaluations.push(e) })
    expect(result.backend).toBe(backend)
    return { evaluations, result }
  }
  for (const [path, kind, batchSize] of [
    ['kernel', 'wide', 0],
    ['sparse', 'sparse', 20],
  ] as const)
    for (const rule of rules)
      it(`${path}, ${rule}: against the reference path on tfjs-wasm`, async () => {
        for (const activation of ['tanh', 'sigmoid'] as const) {
          const input: RunConfigInput = {
            seed: 3,
            data: dataConfig('cross-entropy'),
            model: { kind: 'mlp', hidden: [30, 20], activation, outputs, bias: true, init: 'he' },
            rule,
            loss: 'cross-entropy',
            optimizer: { learningRate: 0.05, batchSize },
            regularization: { outputL2: 0.1 },
            steps: 120,
            evalEvery: 40,
            evalSamples: 60,
          }
          const data = dataset(kind, 'cross-entropy', kind === 'wide' ? 20 : 60)
          const fast = await curves(input, data, 'blas')
          const reference = await curves(input, data, 'wasm')
          expect(fast.result.trainingPath).toBe(path)
          expect(reference.result.trainingPath).toBe('dense')
          compareCurves(fast.evaluations, reference.evaluations, activation, 1e-4)
        }
      })
})
