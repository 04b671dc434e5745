/**
 * The bench's workloads as FA Lab run configs with their data, one definition for the bench and
 * its workers.
 *
 *   mnist          784 → 1000 relu → 10, batch 600, FA, cross-entropy, on the bundled MNIST digits
 *                  (standard normalisation: FA Lab's step takes the sparse path, step-paths.ts)  (600 samples a step)
 *   mnist-dense    the same with dense products (FA Lab's step before the sparse path)
 *   synthetic      n = 50, d = 150, p = 3200, full batch, FA, mse (FA Lab: the kernel path)
 *   synthetic-dense  the same with dense products
 *   synthetic-P    the same with p = P (for the width preset's projection)
 */
import { parseRunConfig, type RunConfig } from '../../src-shared/config'
import type { Dataset } from '../../src-main/data/dataset'
import { loadDataset } from '../../src-main/data/load'
import { createSyntheticDataset } from '../../src-main/data/synthetic'

export type BenchTaskName = 'mnist' | 'mnist-dense' | 'synthetic' | 'synthetic-dense' | `synthetic-${number}`

/** Samples a step of each task: throughput is reported in samples/s for MNIST, steps/s for the synthetic task. */
export const unitsPerStep = (name: BenchTaskName) => (name.startsWith('mnist') ? 600 : 1)

/** Which products FA Lab's step uses: the `-dense` tasks keep dense ones, for comparison. */
export const stepPathsOf = (name: BenchTaskName) => (name.endsWith('-dense') ? 'dense' : 'auto') as 'auto' | 'dense'

/** The MNIST step's data: the bundled digits as the preset normalises them (also what train-busy.ts hands `fa-lab train`). */
export const mnistStepData = { kind: 'mnist', source: 'bundled', normalize: 'standard' } as const

/**
 * A task's run config and data. The MNIST step trains on the bundled digits (the preset's data, as
 * normalised): random pixels would have no background, and the step's sparse products would not apply.
 */
export async function benchTask(name: BenchTaskName): Promise<{ config: RunConfig; data: Dataset; unitsPerStep: number }> {
  if (name === 'mnist' || name === 'mnist-dense') {
    const config = parseRunConfig({
      seed: 0,
      data: { kind: 'mnist' },
      model: { kind: 'mlp', hidden: [1000], activation: 'relu', outputs: 10, bias: false, init: 'he' },
      rule: 'fa',
      loss: 'cross-entropy',
      optimizer: { learningRate: 0.01, batchSize: 600 },
      steps: 1,
    })
    const digits = await loadDataset(parseRunConfig({ ...config, data: mnistStepData }))
    return { config, data: { ...digits, test: null }, unitsPerStep: 600 }
  }
  const hidden = name === 'synthetic' || name === 'synthetic-dense' ? 3200 : Number(name.slice('synthetic-'.length))
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
