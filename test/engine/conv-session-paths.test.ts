/**
 * A conv run's two paths through the run engine: on the blas backend its session steps through
 * engine/conv-blas.ts's fused im2col step (training path `im2col`), with `fused: false` (or on
 * another backend) through the tf path's convTrainingStep (`conv`). The two make the same update
 * from the same state, step by step, on every rule (sign with each magnitude: uSF, frSF, brSF),
 * with momentum and decay too, and seeded runs through the training loop give the same curves,
 * every measure within float32 rounding. The evaluations after fused steps read the weights the
 * step wrote in place (tfjs-wasm packs a convolution's kernel per tensor: without the session's
 * sync every curve here kept the initial weights' loss).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type FeedbackMagnitude, type RuleKind, type RunConfigInput } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import { createConvSession } from '../../src-main/engine/conv-session'
import { initBackend } from '../../src-main/engine/tf'
import { compareCurves, compareMetrics, compareUpdates, trainRecorded } from './record'

/** A small LeNet-shaped net on a slice of the bundled digits: both pools, two convolutions, a dense hidden layer. */
const small: RunConfigInput = {
  seed: 5,
  data: { kind: 'mnist', trainSize: 64, testSize: 32 },
  model: {
    kind: 'conv',
    features: [
      { kind: 'conv', channels: 3, kernel: 5, padding: 2 },
      { kind: 'maxPool', size: 2 },
      { kind: 'conv', channels: 4, kernel: 3, stride: 2 },
      { kind: 'avgPool', size: 2 },
    ],
    hidden: [12],
    outputs: 10,
    activation: 'tanh',
    init: 'glorot',
  },
  rule: 'fa',
  loss: 'cross-entropy',
  optimizer: { learningRate: 0.05, batchSize: 16 },
  steps: 20,
  evalEvery: 10,
  evalSamples: 32,
}

const rules: [RuleKind, FeedbackMagnitude][] = [
  ['bp', 'unit'],
  ['fa', 'unit'],
  ['kp', 'unit'],
  ['sign', 'unit'],
  ['sign', 'random'],
  ['sign', 'batchwise'],
  ['dfa', 'unit'],
  ['drtp', 'unit'],
]
const name = ([rule, magnitude]: [RuleKind, FeedbackMagnitude]) => (rule === 'sign' ? `sign (${magnitude})` : rule)

/** Steps a session on each path side by side (record.ts's compareUpdates), measures compared before and after. */
async function compareSessions(input: RunConfigInput, steps: number, label: string, expectedPath: 'im2col' | 'conv' = 'im2col'): Promise<void> {
  const config = parseRunConfig(input)
  const data = await loadDataset(config)
  const fast = createConvSession(config, data)
  const reference = createConvSession(config, data, { fused: false })
  const stepped = (session: typeof fast) => ({
    step: () => session.step(),
    parameters: () => session.snapshot().filter((a) => /^[Wb]\d+$|^B\d+$/.test(a.name)).map((a) => Float32Array.from(a.values)),
  })
  try {
    expect([fast.path, fast.trainingPath], label).toEqual(expectedPath === 'im2col' ? ['fused', 'im2col'] : ['reference', 'conv'])
    expect([reference.path, reference.trainingPath]).toEqual(['reference', 'conv'])
    compareMetrics(fast.evaluate(), reference.evaluate(), `${label} at the start`, 1e-5)
    // A first-layer kernel's or bias's update sums 16 images × 28 × 28 positions (12,544 terms, much
    // cancelled) in another order on each path: float32 rounding of that size reaches 1e-4 of the
    // update's largest entry at times (test/engine/conv-blas.test.ts's 10×10 nets hold 2e-5).
    await compareUpdates(stepped(fast), stepped(reference), steps, label, { tolerance: 2e-4 })
    compareMetrics(fast.evaluate(), reference.evaluate(), `${label} after ${steps} steps`, 1e-4)
  } finally {
    fast.dispose()
    reference.dispose()
  }
}

beforeAll(async () => {
  expect(loadBlas(), `the BLAS addon must be built here: ${blasUnavailableReason()}`).not.toBeNull()
  await initBackend('blas')
})
afterAll(async () => {
  await initBackend('auto')
})

describe('a conv session on the blas backend makes the tf path’s update', () => {
  for (const rule of rules)
    it(`${name(rule)}: shuffled mini-batches across epochs, then momentum with decay and λ`, async () => {
      const [kind, feedbackMagnitude] = rule
      await compareSessions({ ...small, rule: kind, feedbackMagnitude }, 6, `${name(rule)} plain`)
      // KP's B has its own momentum buffer in the optimiser: with momentum the run takes the tf path
      await compareSessions(
        { ...small, rule: kind, feedbackMagnitude, optimizer: { learningRate: 0.05, batchSize: 16, momentum: 0.9 }, regularization: { weightDecay: 0.01, outputL2: 0.05 } },
        3,
        `${name(rule)} momentum`,
        kind === 'kp' ? 'conv' : 'im2col',
      )
    })

  it('a test that can fail: FA’s session checked against BP’s reference differs', async () => {
    const fa = parseRunConfig({ ...small, rule: 'fa' })
    const data = await loadDataset(fa)
    const fast = createConvSession(fa, data)
    const reference = createConvSession(parseRunConfig({ ...small, rule: 'bp' }), data, { fused: false })
    const weights = (session: typeof fast) => session.snapshot().filter((a) => /^W\d+$/.test(a.name)).map((a) => Float32Array.from(a.values))
    try {
      await expect(compareUpdates({ step: () => fast.step(), parameters: () => weights(fast) }, { step: () => reference.step(), parameters: () => weights(reference) }, 1, 'fa against bp')).rejects.toThrow(/parameter 0 at step 0/)
    } finally {
      fast.dispose()
      reference.dispose()
    }
  })
})

describe('seeded conv runs give the same curves on the blas and tf paths', () => {
  for (const rule of rules)
    it(`${name(rule)}: every measure, ${small.steps} steps`, async () => {
      const [kind, feedbackMagnitude] = rule
      const input = { ...small, rule: kind, feedbackMagnitude }
      const fast = await trainRecorded({ ...input, backend: 'blas' })
      const reference = await trainRecorded({ ...input, backend: 'wasm' })
      expect([fast.result.backend, fast.result.trainingPath]).toEqual(['blas', 'im2col'])
      expect([reference.result.backend, reference.result.trainingPath]).toEqual(['wasm', 'conv'])
      compareCurves(fast.evaluations, reference.evaluations, name(rule), 1e-4)
      compareMetrics(fast.result.final, reference.result.final, `${name(rule)} final`, 1e-4)
    })
})
