import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunConfig } from '../../src-shared/config'
import { expandExperiment } from '../../src-shared/experiment'
import { createRunner } from '../../src-main/runner/runner'
import { listPresets } from '../../src-main/services/presets'
import { queueExperiment } from '../../src-main/services/experiments'
import { createLabService } from '../../src-main/services/lab'
import { databaseOf } from '../../src-main/store/connection'
import { openStore } from '../../src-main/store/store'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-configs-'))
const config = { seed: 3, data: { kind: 'synthetic', n: 8, inputDim: 3 }, model: { kind: 'two-layer', hidden: 4 }, rule: 'fa', optimizer: { learningRate: 0.1 }, steps: 2 }

describe('the store hands back parsed run configs', () => {
  it('a stored config comes back parsed by the run schema (defaults filled, typed), each record its own copy', () => {
    const store = openStore(join(dir, 'parsed.sqlite'))
    const [id] = store.queueRuns([{ config }])
    const run = store.getRun(id)!
    expect(run.configError).toBeNull()
    expect(run.config.optimizer.batchSize).toBe(0)
    expect(run.config.evalEvery).toBe(100)
    expect(run.config.data.kind).toBe('synthetic')
    run.config.seed = 99
    expect(store.getRun(id)!.config.seed).toBe(3)
    store.close()
  })

  it('readOnlyConfigs: records share one frozen config instead of copies (the runs list and the queue only read them); plain records stay their own', () => {
    const store = openStore(join(dir, 'shared.sqlite'))
    const ids = store.queueRuns([{ config }, { config: { ...config, seed: 4 } }])
    const [a, b] = [store.listRuns({ ids, readOnlyConfigs: true }), store.listRuns({ ids, readOnlyConfigs: true })]
    expect(a[0].config).toBe(b[0].config)
    expect(a[1].config).toBe(b[1].config)
    expect(a[0].config.seed).toBe(3)
    expect(a[1].config.seed).toBe(4)
    expect(Object.isFrozen(a[0].config.optimizer)).toBe(true)
    expect(() => {
      ;(a[0].config.optimizer as { learningRate: number }).learningRate = 7
    }).toThrow(TypeError)
    // a plain record is a copy: changing it changes neither the shared one nor the next read
    const own = store.listRuns({ ids })[0]
    expect(own.config).not.toBe(a[0].config)
    own.config.optimizer.learningRate = 7
    expect(store.listRuns({ ids, readOnlyConfigs: true })[0].config.optimizer.learningRate).toBe(0.1)
    expect(store.getRun(ids[0])!.config.optimizer.learningRate).toBe(0.1)
    store.close()
  })

  it('a config today’s schema refuses comes back as stored with the reason, and the runner fails it with that reason', async () => {
    const store = openStore(join(dir, 'stale.sqlite'))
    const [id] = store.queueRuns([{ config: { ...config, optimizer: { learningRate: -1 } } }])
    const stale = store.getRun(id)!
    expect(stale.configError).toMatch(/optimizer\.learningRate/)
    expect(stale.config.optimizer.learningRate).toBe(-1)
    const runner = createRunner({ store, workers: 1 })
    runner.enqueue([id])
    await runner.whenIdle()
    expect(store.getRun(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/optimizer\.learningRate/) })
    await runner.close()
    store.close()
  })

  it('an experiment’s runs are read back without a second validation, as the schema would give them', async () => {
    // queueRuns({ parsed: true }) skips the schema on reading back: it gives a parsed config back unchanged
    for (const preset of await listPresets()) {
      const runs = expandExperiment(preset.experiment, { maxRuns: 100_000 }).runs
      for (const run of [runs[0], runs[runs.length - 1]]) {
        const stored = JSON.parse(JSON.stringify(run.config))
        expect(RunConfig.parse(stored), preset.name).toEqual(stored)
      }
    }
    const store = openStore(join(dir, 'experiment.sqlite'))
    const { runIds } = queueExperiment(store, { name: 'pair', base: config, grid: { seed: [1, 2] } })
    expect(store.getRun(runIds[1])!.config).toEqual(RunConfig.parse({ ...config, seed: 2, name: 'pair seed=2' }))
    // what another process reads (nothing remembered) is the same
    const row = databaseOf(store).prepare('SELECT config FROM runs WHERE id = ?').get(runIds[1]) as { config: string }
    expect(RunConfig.parse(JSON.parse(row.config))).toEqual(store.getRun(runIds[1])!.config)
    store.close()
  })

  it('a 1,000-run experiment is queued with one read of its runs, not one per run, and listed without a copy of each config (issue 27 D4: the start of a 10,000-run experiment)', async () => {
    const labPath = join(dir, 'start.sqlite')
    const seeds = Array.from({ length: 1000 }, (_, i) => i + 1)
    // the store as the runner sees it, its reads of runs counted
    const store = openStore(labPath)
    const reads = { getRun: 0, listRuns: 0 }
    const counted = new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key)
        if (key !== 'getRun' && key !== 'listRuns') return value
        return (...args: unknown[]) => {
          reads[key]++
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const { runIds } = queueExperiment(store, { name: 'start', base: { ...config, steps: 1000 }, grid: { seed: seeds } })
    const runner = createRunner({ store: counted, workers: 1 })
    runner.enqueue(runIds)
    // one query for the 1,000 runs; a getRun for each run a worker starts (at most the one worker's), not one per queued run
    expect(reads.listRuns).toBe(1)
    expect(reads.getRun).toBeLessThanOrEqual(1)
    runner.cancelAll()
    await runner.whenIdle()
    await runner.close()
    store.close()

    // runs:list hands out the store's one frozen parse of the experiment's base config, not a copy per listing,
    // and each run's config as its changes from it (the seed and the name it gives)
    const lab = createLabService({ labPath, mode: 'browser', workers: 1, dataDir: dir })
    try {
      const [first, second] = [await lab.service.listRuns({}), await lab.service.listRuns({})]
      expect(first.runs).toHaveLength(1000)
      expect(first.bases).toHaveLength(1)
      expect(first.bases[0]).toBe(second.bases[0])
      expect(Object.isFrozen(first.bases[0])).toBe(true)
      for (const i of [499, 999]) expect(first.runs[i].changes.map(([path]) => path.join('.'))).toContain('seed')
    } finally {
      await lab.close()
    }
  })
})
