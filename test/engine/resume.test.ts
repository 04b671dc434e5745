import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { decodeCheckpoint, defaultCheckpointPolicy } from '../../src-main/engine/checkpoint'
import { initBackend, tf } from '../../src-main/engine/tf'
import { train, type Evaluation } from '../../src-main/engine/train'

const minibatch: RunConfigInput = {
  seed: 5,
  data: { kind: 'synthetic', n: 60, inputDim: 12, teacher: 'two-layer', teacherWidth: 20, teacherActivation: 'tanh' },
  model: { kind: 'two-layer', hidden: 24, activation: 'tanh', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.05, batchSize: 16, momentum: 0.5 },
  regularization: { outputL2: { kind: 'exp', initial: 0.2, rate: 0.01 }, dropout: 0.1 },
  steps: 200,
  evalEvery: 20,
  stopping: { minSteps: 150, checkEvery: 25, lossTolerance: 1e-9 },
}

async function trainWith(input: RunConfigInput, resumeFrom?: Uint8Array) {
  const config = parseRunConfig(input)
  const data = await loadDataset(config)
  const evaluations: Evaluation[] = []
  const saved = new Map<number, Uint8Array>()
  const result = await train(
    config,
    data,
    { onEvaluation: (e) => void evaluations.push(e), checkpoint: { everySteps: 30, minIntervalMs: 0, save: (bytes, step) => saved.set(step, bytes) } },
    resumeFrom && decodeCheckpoint(resumeFrom),
  )
  return { result, evaluations, saved }
}

const strip = (es: Evaluation[]) => es.map((e) => ({ step: e.step, metrics: e.metrics }))

beforeAll(async () => {
  await initBackend('auto')
})

describe('checkpoints and resume', () => {
  const cases: [string, RunConfigInput, ('dense' | 'kernel')?][] = [
    ['FA, mini-batches, momentum, dropout, a λ schedule and a convergence stop', minibatch],
    ['Kolen–Pollack (learned B with momentum)', { ...minibatch, rule: 'kp' }],
    ['sign-symmetry with batchwise magnitudes (the rule’s own generators)', { ...minibatch, rule: 'sign', feedbackMagnitude: 'batchwise', regularization: { outputL2: 0.1 } }],
    ['full batch with the fused step where it applies', { ...minibatch, optimizer: { learningRate: 0.05 }, regularization: { outputL2: 0.1 } }],
    [
      'full batch with n < d: the kernel path, its pre-activations in the checkpoint',
      { ...minibatch, data: { ...minibatch.data, n: 20, inputDim: 40 } as RunConfigInput['data'], optimizer: { learningRate: 0.05 }, regularization: { outputL2: 0.1, weightDecay: 0.01 } },
      'kernel',
    ],
  ]
  for (const [what, config, path] of cases)
    it(`a run resumed from a checkpoint half way ends exactly as the uninterrupted run: ${what}`, async () => {
      const whole = await trainWith(config)
      if (path === 'kernel') {
        expect(whole.result.trainingPath).toBe('kernel')
        expect(decodeCheckpoint(whole.saved.get(90)!).session.tensors.map((t) => t.name)).toContain('kernel.P')
      }
      expect([...whole.saved.keys()]).toEqual([30, 60, 90, 120, 150, 180])
      const before = tf.memory().numTensors
      const resumed = await trainWith(config, whole.saved.get(90))
      expect(tf.memory().numTensors).toBe(before)
      expect(resumed.result.steps).toBe(whole.result.steps)
      expect(resumed.result.stopReason).toBe(whole.result.stopReason)
      expect(resumed.result.final).toEqual(whole.result.final)
      // the resumed run logs exactly the evaluations after the checkpoint
      expect(strip(resumed.evaluations)).toEqual(strip(whole.evaluations.filter((e) => e.step > 90)))
      // wall times continue from the checkpoint's
      expect(resumed.evaluations[0].wallTimeMs).toBeGreaterThan(whole.evaluations.find((e) => e.step === 80)!.wallTimeMs)
    })

  it('refuses a checkpoint of another run', async () => {
    const whole = await trainWith({ ...minibatch, steps: 60, stopping: undefined })
    await expect(trainWith({ ...minibatch, seed: 6, steps: 60, stopping: undefined }, whole.saved.get(30))).rejects.toThrow(/another config/)
  })

  it('checkpoints the paper’s MNIST-sized network at most once per the default policy’s interval', async () => {
    const config: RunConfigInput = {
      seed: 1,
      data: { kind: 'synthetic', n: 100, inputDim: 784, teacher: 'linear' },
      model: { kind: 'two-layer', hidden: 1000, activation: 'relu', outputs: 10 },
      rule: 'fa',
      optimizer: { learningRate: 0.001 },
      theory: { enabled: false },
      steps: 32,
      evalEvery: 32,
    }
    const { result } = await trainWith(config)
    const perCheckpointMs = result.checkpoints.ms / result.checkpoints.count
    const perStepMs = result.durationMs / result.steps
    // one checkpoint per max(everySteps steps, minIntervalMs): the overhead is at most its cost over that time
    const overhead = perCheckpointMs / Math.max(defaultCheckpointPolicy.minIntervalMs, defaultCheckpointPolicy.everySteps * perStepMs)
    console.log(`checkpoint of a 784-1000-10 network: ${perCheckpointMs.toFixed(1)} ms; a step ${perStepMs.toFixed(1)} ms; overhead at the default policy ${(overhead * 100).toFixed(3)}%`)
    // The overhead itself (printed; a few hundredths of a percent on a quiet machine) is a speed
    // figure, and a busy machine's checkpoint can take ten times longer; what bounds it is the
    // policy, which the test checks: at least one checkpoint, and never more than one per
    // minIntervalMs however fast the steps come.
    expect(result.checkpoints.count).toBeGreaterThan(0)
    expect(result.checkpoints.count).toBeLessThanOrEqual(1 + Math.floor(result.durationMs / defaultCheckpointPolicy.minIntervalMs))
  })
})
