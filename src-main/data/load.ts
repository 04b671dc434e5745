/**
 * Resolves a run's `data` config to an in-memory dataset.
 */
import type { RunConfig } from '../../src-shared/config'
import type { Dataset } from './dataset'
import { createSyntheticDataset } from './synthetic'

export interface DataOptions {
  /** The lab's data folder (downloads live here). */
  dataDir?: string
}

export async function loadDataset(config: RunConfig, options: DataOptions = {}): Promise<Dataset> {
  const data = config.data
  if (data.kind === 'synthetic') return createSyntheticDataset(data, config.model.outputs, config.seed)
  const { loadImageDataset } = await import('./images')
  return loadImageDataset(data, config.seed, options)
}

/**
 * The inputs a dataset is drawn from: its data config, the model's output count (synthetic
 * targets), the seed (synthetic draws, image subsets) and the data folder. Equal keys, equal data.
 */
function datasetKey(config: RunConfig, options: DataOptions): string {
  return JSON.stringify([config.data, config.model.outputs, config.seed, options.dataDir ?? null])
}

/**
 * A loader that keeps the last dataset it loaded and hands it out again while runs ask for the
 * same data, so a worker training a sweep parses a dataset once, not once per run. The engine
 * only reads a Dataset's arrays, so runs can share one.
 */
export function createDatasetCache(): (config: RunConfig, options?: DataOptions) => Promise<Dataset> {
  let last: { key: string; dataset: Promise<Dataset> } | null = null
  return (config, options = {}) => {
    const key = datasetKey(config, options)
    if (last?.key !== key) {
      const dataset = loadDataset(config, options)
      last = { key, dataset }
      // a failed load is not kept: the next run tries again
      dataset.catch(() => {
        if (last?.dataset === dataset) last = null
      })
    }
    return last.dataset
  }
}
