/**
 * The bench's workloads as FA Lab run configs with their data, one definition for the bench and
 * its workers.
 *
 *   mnist          784 → 1000 relu → 10, batch 600, FA, cross-entropy, on MNIST-shaped data  (600 samples a step)
 *   synthetic      n = 50, d = 150, p = 3200, full batch, FA, mse
 *   synthetic-P    the same with p = P (for the width preset's projection)
 */
import { parseRunConfig, type RunConfig } from '../../src-shared/config'
import type { Dataset } from '../../src-main/data/dataset'
import { createSyntheticDataset } from '../../src-main/data/synthetic'
import { createRng } from '../../src-main/lib/random'

export type BenchTaskName = 'mnist' | 'synthetic' | `synthetic-${number}`

/** Random MNIST-shaped data: throughput does not depend on the pixel values. */
export function mnistShaped(n: number, testN = 0): Dataset {
  const rng = createRng(0, 'bench')
  const split = (rows: number) => ({
    n: rows,
    x: new Float32Array(rows * 784).map(() => rng.uniform()),
    labels: new Uint8Array(rows).map(() => rng.integer(10)),
  })
  return {
    name: 'random 28×28',
    task: 'classification',
    inputDim: 784,
    outputDim: 10,
    train: split(n),
    test: testN > 0 ? split(testN) : null,
    identity: { kind: 'bench', source: 'random', files: [], trainSize: n, testSize: testN, preprocessing: {}, fingerprint: '' },
  }
}

export function benchTask(name: BenchTaskName): { config: RunConfig; data: Dataset; unitsPerStep: number } {
  if (name === 'mnist') {
    const config = parseRunConfig({
      seed: 0,
      data: { kind: 'mnist' },
      model: { kind: 'mlp', hidden: [1000], activation: 'relu', outputs: 10, bias: false, init: 'he' },
      rule: 'fa',
      loss: 'cross-entropy',
      optimizer: { learningRate: 0.01, batchSize: 600 },
      steps: 1,
    })
    return { config, data: mnistShaped(6000), unitsPerStep: 600 }
  }
  const hidden = name === 'synthetic' ? 3200 : Number(name.slice('synthetic-'.length))
  const config = parseRunConfig({
    seed: 0,
    data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'linear' },
    model: { kind: 'two-layer', hidden, activation: 'relu', outputs: 1 },
    rule: 'fa',
    loss: 'mse',
    optimizer: { learningRate: 0.01, batchSize: 0 },
    steps: 1,
  })
  return { config, data: createSyntheticDataset(config.data as never, 1, 0), unitsPerStep: 1 }
}
