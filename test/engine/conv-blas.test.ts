/**
 * The blas path's conv step (engine/conv-blas.ts: im2col + sgemm with the update fused) against the
 * tf path's step (test/engine/conv-net.ts: tf.conv2d, tf's pools and autodiff's products) update by
 * update: the same loss and the same change of every parameter from the same state, on every rule
 * (sign with each magnitude), activations, losses, both pools, strides and paddings, mini-batches
 * gathered in a shuffled order, and weight decay with λ on the output layer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Activation, LossKind, RuleKind } from '../../src-shared/config'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import { createConvBlasTrainer, type ConvNetLayer, type ConvNetRule } from '../../src-main/engine/conv-blas'
import { initBackend, tf } from '../../src-main/engine/tf'
import { createRng } from '../../src-main/lib/random'
import { createLayers, createRule, createVelocity, layerShapes, referenceStep, type ConvNetSpec } from './conv-net'
import { compareUpdates, updateError } from './record'

/** Two conv layers (padded, then not), a max and an average pool, a dense hidden layer. */
const small: ConvNetSpec = {
  input: [10, 10, 2],
  features: [
    { kind: 'conv', channels: 3, kernel: 3, stride: 1, padding: 1 },
    { kind: 'maxPool', size: 2 },
    { kind: 'conv', channels: 4, kernel: 2, stride: 1, padding: 0 },
    { kind: 'avgPool', size: 2, stride: 2 },
  ],
  hidden: [6],
  outputs: 3,
  activation: 'relu',
}

/** A strided conv, two convs in a row, an overlapping pool and another after it, no dense hidden layer. */
const strided: ConvNetSpec = {
  input: [9, 9, 1],
  features: [
    { kind: 'conv', channels: 3, kernel: 3, stride: 2, padding: 1 },
    { kind: 'conv', channels: 2, kernel: 2, stride: 1, padding: 0 },
    { kind: 'maxPool', size: 2, stride: 1 },
    { kind: 'avgPool', size: 2, stride: 1 },
  ],
  hidden: [],
  outputs: 4,
  activation: 'relu',
}

const rules: [RuleKind, ConvNetRule['magnitude']][] = [
  ['bp', 'unit'],
  ['fa', 'unit'],
  ['kp', 'unit'],
  ['sign', 'unit'],
  ['sign', 'random'],
  ['sign', 'batchwise'],
  ['dfa', 'unit'],
  ['drtp', 'unit'],
]

function data(spec: ConvNetSpec, loss: LossKind, n: number) {
  const rng = createRng(3, 'conv-blas test')
  const inputSize = spec.input[0] * spec.input[1] * spec.input[2]
  const x = tf.tensor2d(rng.normalArray(n * inputSize), [n, inputSize])
  const targets =
    loss === 'mse'
      ? tf.tensor2d(rng.normalArray(n * spec.outputs), [n, spec.outputs])
      : (tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: n }, () => rng.integer(spec.outputs)), 'int32'), spec.outputs), 'float32') as tf.Tensor2D)
  return { x, targets }
}

function parameters(layers: ConvNetLayer[], rule: ConvNetRule): Float32Array[] {
  return [...layers.flatMap((layer) => (layer.b ? [layer.W, layer.b] : [layer.W])), ...rule.learned].map((t) => Float32Array.from(t.dataSync() as Float32Array))
}

interface Case {
  spec: ConvNetSpec
  rule: [RuleKind, ConvNetRule['magnitude']]
  activation: Activation
  loss: LossKind
  batch: number
  n: number
  steps: number
  weightDecay?: number
  outputL2?: number
  momentum?: number
}

/**
 * Runs `make` on the cpu backend: the reference's tensors live there, because tfjs's wasm backend
 * has no Conv2DBackpropFilter kernel for autodiff to call (the blas path's own tensors stay in wasm).
 */
async function onCpu<T>(make: () => T): Promise<T> {
  await tf.setBackend('cpu')
  try {
    return make()
  } finally {
    await tf.setBackend('wasm')
  }
}

/** Both paths' state from the same seeds: the blas path's on wasm, the reference's on cpu. */
async function pair(spec: ConvNetSpec, kind: RuleKind, magnitude: ConvNetRule['magnitude'], loss: LossKind, n: number) {
  const fast = { layers: createLayers(spec, 11), rule: null as unknown as ConvNetRule, ...data(spec, loss, n) }
  fast.rule = createRule(kind, magnitude, spec, fast.layers, 12)
  const reference = await onCpu(() => {
    const layers = createLayers(spec, 11)
    return { layers, rule: createRule(kind, magnitude, spec, layers, 12), ...data(spec, loss, n) }
  })
  const dispose = () => {
    for (const side of [fast, reference]) {
      for (const layer of side.layers) {
        layer.W.dispose()
        layer.b?.dispose()
      }
      for (const t of [...side.rule.fixed, side.x, side.targets]) t.dispose()
    }
  }
  return { fast, reference, dispose }
}

/** Steps both paths side by side from the same parameters; every step's loss and updates agree to `tolerance`. */
async function compareSteps(c: Case, tolerance = 2e-5): Promise<void> {
  const spec = { ...c.spec, activation: c.activation }
  const [kind, magnitude] = c.rule
  const label = `${kind}${kind === 'sign' ? ` ${magnitude}` : ''} ${c.activation} ${c.loss} ${spec.input.join('×')}`
  const { fast, reference, dispose } = await pair(spec, kind, magnitude, c.loss, c.n)
  const momentum = c.momentum ?? 0
  const fastVelocity = momentum > 0 ? createVelocity(fast.layers) : null
  const referenceVelocity = momentum > 0 ? await onCpu(() => createVelocity(reference.layers)) : null
  const trainer = createConvBlasTrainer(spec, fast.layers, fast.rule, c.loss, { x: fast.x, targets: fast.targets }, fastVelocity, spec.input)
  const order = Int32Array.from(createRng(5, 'order').permutation(c.n))
  const settings = { learningRate: 0.05, momentum, weightDecay: c.weightDecay ?? 0, outputL2: c.outputL2 ?? 0 }
  if (kind === 'kp' && momentum > 0) {
    // KP's B has its own momentum buffer in the optimiser: with momentum it stays on the tf path
    expect(trainer, label).toBeNull()
    dispose()
    return
  }
  expect(trainer, label).not.toBeNull()
  const minibatch = c.batch < c.n
  /** The batch step s trains on: rows order[start..] of a shuffled order, or every row. */
  const startOf = (s: number) => (minibatch ? (s * c.batch) % c.n : 0)
  try {
    await compareUpdates(
      { step: (s) => trainer!.step(minibatch ? order : null, startOf(s), c.batch, settings), parameters: () => parameters(fast.layers, fast.rule) },
      {
        step: (s) => {
          const rows = Array.from(order.subarray(startOf(s), startOf(s) + c.batch))
          return onCpu(() =>
            tf.tidy(() =>
              referenceStep(spec, reference.layers, reference.rule, c.loss, (minibatch ? tf.gather(reference.x, rows) : reference.x) as tf.Tensor2D, (minibatch ? tf.gather(reference.targets, rows) : reference.targets) as tf.Tensor2D, settings, referenceVelocity),
            ),
          )
        },
        parameters: () => parameters(reference.layers, reference.rule),
      },
      c.steps,
      label,
      { tolerance },
    )
  } finally {
    dispose()
    for (const v of [...(fastVelocity ?? []), ...(referenceVelocity ?? [])]) {
      v.W.dispose()
      v.b?.dispose()
    }
  }
}

beforeAll(async () => {
  expect(loadBlas(), `the BLAS addon must be built here: ${blasUnavailableReason()}`).not.toBeNull()
  await initBackend('blas')
})
afterAll(async () => {
  await initBackend('auto')
})

describe('the blas conv step makes the tf path’s update', () => {
  for (const rule of rules)
    it(`${rule[0]}${rule[0] === 'sign' ? ` (${rule[1]})` : ''}: relu and tanh, cross-entropy and mse, both nets`, async () => {
      for (const spec of [small, strided])
        for (const activation of ['relu', 'tanh'] as Activation[])
          for (const loss of ['cross-entropy', 'mse'] as LossKind[]) await compareSteps({ spec, rule, activation, loss, batch: 8, n: 8, steps: 3 })
    })

  it('shuffled mini-batches, weight decay and λ on the output layer, on every rule', async () => {
    for (const rule of rules) await compareSteps({ spec: small, rule, activation: 'relu', loss: 'cross-entropy', batch: 5, n: 15, steps: 4, weightDecay: 0.01, outputL2: 0.1 })
  })

  it('momentum with weight decay, on every rule (KP with momentum is left to the tf path)', async () => {
    for (const rule of rules) await compareSteps({ spec: small, rule, activation: 'tanh', loss: 'cross-entropy', batch: 5, n: 15, steps: 4, weightDecay: 0.01, momentum: 0.9 })
  })

  it('a test that can fail: FA’s step checked against BP’s reference differs in the layers below the output', async () => {
    const fa = await pair(small, 'fa', 'unit', 'cross-entropy', 8)
    const bp = await pair(small, 'bp', 'unit', 'cross-entropy', 8)
    try {
      const trainer = createConvBlasTrainer(small, fa.fast.layers, fa.fast.rule, 'cross-entropy', { x: fa.fast.x, targets: fa.fast.targets }, null, small.input)!
      const settings = { learningRate: 0.05, momentum: 0, weightDecay: 0, outputL2: 0 }
      const before = parameters(fa.fast.layers, fa.fast.rule)
      const referenceBefore = parameters(bp.reference.layers, bp.reference.rule)
      trainer.step(null, 0, 8, settings)
      await onCpu(() => referenceStep(small, bp.reference.layers, bp.reference.rule, 'cross-entropy', bp.reference.x as tf.Tensor2D, bp.reference.targets as tf.Tensor2D, settings))
      const after = parameters(fa.fast.layers, fa.fast.rule)
      const referenceAfter = parameters(bp.reference.layers, bp.reference.rule)
      // the output layer's update is the same under both rules; the first conv layer's δ came through B, not W
      expect(updateError(before[6], after[6], referenceBefore[6], referenceAfter[6])).toBeLessThan(2e-5)
      expect(updateError(before[0], after[0], referenceBefore[0], referenceAfter[0])).toBeGreaterThan(0.05)
    } finally {
      fa.dispose()
      bp.dispose()
    }
  })
})

describe('the blas conv step’s memory', () => {
  it('leaves the tensor count where it was across steps (batchwise sign forms its kernels with tf ops)', async () => {
    const { fast, dispose } = await pair(small, 'sign', 'batchwise', 'cross-entropy', 8)
    try {
      const trainer = createConvBlasTrainer(small, fast.layers, fast.rule, 'cross-entropy', { x: fast.x, targets: fast.targets }, null, small.input)!
      const settings = { learningRate: 0.05, momentum: 0, weightDecay: 0, outputL2: 0 }
      trainer.step(null, 0, 8, settings)
      const count = tf.memory().numTensors
      for (let s = 0; s < 5; s++) trainer.step(null, 0, 8, settings)
      expect(tf.memory().numTensors).toBe(count)
    } finally {
      dispose()
    }
  })
})

describe('the layers the blas path plans', () => {
  it('refuses weights that are not the model’s shapes, naming the layer', () => {
    const layers = createLayers(small, 11)
    try {
      const rule = createRule('fa', 'unit', small, layers, 12)
      const wrong = { ...small, features: [{ ...small.features[0], channels: 5 }, ...small.features.slice(1)] } as ConvNetSpec
      const x = tf.zeros([2, 200])
      const targets = tf.zeros([2, 3])
      expect(() => createConvBlasTrainer(wrong, layers, rule, 'mse', { x, targets }, null, small.input)).toThrow(/layer 1's W has 54 entries where its model makes \[3, 3, 2, 5\]/)
      x.dispose()
      targets.dispose()
      rule.fixed.forEach((t) => t.dispose())
    } finally {
      layers.forEach((layer) => {
        layer.W.dispose()
        layer.b?.dispose()
      })
    }
  })

  it('the test nets have what the comparison needs: both pools, a strided conv, convs in a row', () => {
    expect(layerShapes(strided).map((l) => l.output)).toEqual([[5, 5, 3], [4, 4, 2], [1, 1, 4]])
    expect(layerShapes(small).map((l) => l.pools.map((p) => p.kind))).toEqual([['maxPool'], ['avgPool'], [], []])
  })
})
