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
