import Database from 'better-sqlite3'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { unpackRunList } from '../../src-shared/run-list'
import { createLabService } from '../../src-main/services/lab'
import { openStore } from '../../src-main/store/store'
import { bigLabLambdas, fillLab } from '../../scripts/bench/big-lab'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-run-list-'))
const labPath = join(dir, 'lab.sqlite')

// a lab of several experiments and runs of none: the bench's 400-run rule × λ × p sweep, an MNIST
// sweep, two runs started alone (one MNIST, one synthetic), one run whose stored config is not JSON
// and one renamed
const sweep = fillLab(labPath, 400)
const store = openStore(labPath)
const mnistBase = { seed: 1, rule: 'bp', data: { kind: 'mnist' }, model: { kind: 'two-layer', hidden: 100, outputs: 10 }, loss: 'cross-entropy', optimizer: { learningRate: 0.1 }, steps: 50 }
const mnistExperiment = store.createExperiment({ name: 'mnist', definition: {} })
const mnistRuns = store.queueRuns([1, 2, 3].map((seed, sweepIndex) => ({ experimentId: mnistExperiment, sweepIndex, config: { ...mnistBase, seed, name: `mnist seed ${seed}`, ...(seed === 3 ? { optimizer: { learningRate: 0.05, momentum: 0.9 }, rule: 'kp' } : {}) } })))
const [aloneMnist, aloneSynthetic, damaged] = store.queueRuns([
  { config: { ...mnistBase, seed: 9 } },
  { config: { seed: 4, rule: 'dfa', data: { kind: 'synthetic', n: 20, inputDim: 5, teacher: 'relu' }, model: { kind: 'two-layer', hidden: [30, 20] }, optimizer: { learningRate: 0.01 }, steps: 10 } },
  { config: { ...mnistBase, seed: 10 } },
])
store.renameRun(sweep.runs[3].id, 'renamed run')
store.close()
const db = new Database(labPath)
db.prepare('UPDATE runs SET config = ? WHERE id = ?').run('{"seed": 1,', damaged)
db.close()

const lab = createLabService({ labPath, mode: 'browser', workers: 1, dataDir: dir })
afterAll(() => lab.close())

describe('runs:list sends each experiment’s base config once and each run’s changes (the runs table at 10,000 runs)', () => {
  it('every run of a lab of several experiments unpacks to the run getRun answers, whole config included', async () => {
    const list = await lab.service.listRuns({})
    const runs = unpackRunList(JSON.parse(JSON.stringify(list)))
    expect(runs.map((r) => r.id)).toEqual([...sweep.runs.map((r) => r.id), ...mnistRuns, aloneMnist, aloneSynthetic, damaged])
    for (const run of runs) {
      // a run's page has more (its dataset, measures, checkpoint); what the list has is the same
      const detail = (await lab.service.getRun(run.id)) as unknown as Record<string, unknown>
      const summaryKeys = Object.keys(detail).filter((k) => !['dataset', 'metricNames', 'resumeFrom'].includes(k))
      expect(Object.keys(run).sort()).toEqual(summaryKeys.sort())
      expect(run).toEqual(Object.fromEntries(summaryKeys.map((k) => [k, detail[k]])))
    }
    expect(runs.find((r) => r.id === damaged)?.error).toMatch(/the stored config is not JSON/)
    expect(runs.find((r) => r.id === sweep.runs[3].id)).toMatchObject({ name: 'renamed run', renamed: true })
  })

  it('bases: one per experiment and one for the runs of none; a sweep run carries only its swept fields and the name they give', async () => {
    const list = await lab.service.listRuns({})
    expect(list.bases).toHaveLength(3)
    const swept = new Set(['name', 'seed', 'rule', 'model.hidden', 'regularization.outputL2'])
    const sweepRows = list.runs.filter((r) => r.experimentId === sweep.experimentId)
    expect(sweepRows).toHaveLength(400)
    for (const row of sweepRows) for (const [path] of row.changes) expect(swept).toContain(path.join('.'))
    // λ, the least often changing of the swept fields, differs from the first run's in 3 of its 4 values
    expect(sweepRows.filter((r) => r.changes.some(([path]) => path.join('.') === 'regularization.outputL2')).length).toBe((400 * (bigLabLambdas.length - 1)) / bigLabLambdas.length)
    // a listing of one experiment has that experiment's base alone
    expect((await lab.service.listRuns({ experimentId: mnistExperiment })).bases).toHaveLength(1)
  })
})
