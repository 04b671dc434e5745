import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { train, type Evaluation } from '../../src-main/engine/train'

/** Trains one run config on its dataset, recording every evaluation the engine logs. */
export async function trainRecorded(input: RunConfigInput) {
  const config = parseRunConfig(input)
  const evaluations: Evaluation[] = []
  const result = await train(config, await loadDataset(config), { onEvaluation: (e) => void evaluations.push(e) })
  return { result, evaluations }
}
