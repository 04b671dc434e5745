/**
 * A lab file of many finished runs, written through the store's own API (the real schema, the
 * real SQLite), for the runs-table bench and the runs-table e2e test: one experiment sweeping
 * rule × λ × p, seed after seed, until `count` runs; each completed with final measures that
 * follow from its settings, every tenth tagged `paper`. Fast: a few seconds for 10,000 runs.
 */
import { openStore } from '../../src-main/store/store'

export const bigLabRules = ['bp', 'fa', 'dfa', 'kp', 'sign'] as const
export const bigLabLambdas = [0, 0.01, 0.1, 1] as const
export const bigLabWidths = [100, 400, 800, 1600] as const

export interface BigLabRun {
  id: number
  rule: string
  outputL2: number
  hidden: number
  seed: number
  tags: string[]
}

/** Writes `count` completed runs into the lab file at `path` (created if missing); returns them in id order. */
export function fillLab(path: string, count: number): { experimentId: number; runs: BigLabRun[] } {
  const store = openStore(path)
  try {
    const configs: { rule: string; outputL2: number; hidden: number; seed: number }[] = []
    for (let seed = 1; configs.length < count; seed++)
      for (const rule of bigLabRules)
        for (const outputL2 of bigLabLambdas)
          for (const hidden of bigLabWidths) if (configs.length < count) configs.push({ rule, outputL2, hidden, seed })
    return store.transaction(() => {
      const experimentId = store.createExperiment({ name: `${count.toLocaleString('en-US')}-run sweep`, definition: { grid: { rule: bigLabRules, 'regularization.outputL2': bigLabLambdas, 'model.hidden': bigLabWidths } } })
      const ids = store.queueRuns(
        configs.map((c, sweepIndex) => ({
          experimentId,
          sweepIndex,
          config: {
            name: `${c.rule}-λ${c.outputL2}-p${c.hidden}-seed${c.seed}`,
            seed: c.seed,
            rule: c.rule,
            data: { kind: 'synthetic', n: 50, inputDim: 150, testN: 200 },
            model: { kind: 'two-layer', hidden: c.hidden },
            optimizer: { learningRate: 0.01 },
            regularization: { outputL2: c.outputL2 },
            steps: 2000,
            evalEvery: 100,
          },
        })),
      )
      const runs = ids.map((id, i) => {
        const c = configs[i]
        const tags = i % 10 === 0 ? ['paper'] : []
        const wobble = ((id * 2654435761) % 1000) / 1000
        store.markRunning(id, 'blas', { fingerprint: 'bench', kind: 'synthetic' })
        store.finishRun(id, {
          status: 'completed',
          durationMs: 400 + 3 * c.hidden + Math.round(100 * wobble),
          stepsDone: 2000,
          finalMetrics: { trainLoss: 0.01 + 0.1 * wobble / (1 + c.outputL2), testLoss: 0.2 + 0.3 * wobble, weightAlignment: c.rule === 'bp' ? 1 : Math.tanh(c.outputL2 * 3) - 0.2 * wobble, signalAlignment: 0.5 + 0.4 * wobble },
        })
        if (tags.length) store.setTags(id, tags)
        return { id, ...c, tags }
      })
      return { experimentId, runs }
    })
  } finally {
    store.close()
  }
}
