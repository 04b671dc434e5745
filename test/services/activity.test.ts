import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunActivity, RunList } from '../../src-shared/contract'
import { createLabService } from '../../src-main/services/lab'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-activity-'))
const lab = createLabService({ labPath: join(dir, 'lab.sqlite'), mode: 'browser', workers: 2, dataDir: dir, runner: { progressIntervalMs: 50 } })
afterAll(() => lab.close())

describe('run statuses follow the workers (issue 12: "queued" was shown while training)', () => {
  it('at sampled moments of a sweep on 2 workers, the requests say what the workers do, and the experiment counts agree', async () => {
    const base = {
      seed: 1,
      data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer' },
      model: { kind: 'two-layer', hidden: 200, activation: 'relu', outputs: 1 },
      rule: 'fa',
      optimizer: { learningRate: 0.01 },
      steps: 3000,
      evalEvery: 500,
      theory: { enabled: false },
    }
    // What the workers report, from the lab's event stream: a run is training once its worker
    // reported it started (status running), done once it finished.
    const trained = new Set<number>()
    const finished = new Set<number>()
    lab.on('runProgress', (p) => {
      if (p.status === 'running') trained.add(p.runId)
    })
    lab.on('runFinished', (f) => finished.add(f.runId))
    const { experimentId, runIds } = lab.service.startExperiment({ name: 'activity', base, grid: { seed: [1, 2, 3, 4, 5] } }) as { experimentId: number; runIds: number[] }

    const seen = new Set<string>()
    let samples = 0
    while (finished.size < runIds.length) {
      const { runs } = lab.service.listRuns({ experimentId }) as RunList
      const unfinished = runIds.filter((id) => !finished.has(id))
      const activity = new Map(runs.map((r) => [r.id, r.activity]))
      for (const id of runIds) {
        if (finished.has(id)) expect(activity.get(id)).toBeNull()
        else if (trained.has(id)) expect(activity.get(id), `run ${id} trains`).toBe('training')
        else expect(activity.get(id), `run ${id} has not trained yet`).not.toBe('training')
      }
      const tally = (a: RunActivity) => unfinished.filter((id) => activity.get(id) === a).length
      // both workers are busy while runs wait: exactly the runs no worker has are queued
      expect(tally('queued'), `sample ${samples}`).toBe(Math.max(0, unfinished.length - 2))
      expect(tally('starting') + tally('training')).toBe(Math.min(2, unfinished.length))
      // the experiment's counts are the same tally
      const summary = (lab.service.listExperiments(undefined as never) as { id: number; activityCounts: Partial<Record<RunActivity, number>> }[]).find((e) => e.id === experimentId)!
      for (const a of ['queued', 'starting', 'training'] as const) expect(summary.activityCounts[a] ?? 0).toBe(tally(a))
      for (const a of ['queued', 'starting', 'training'] as const) if (tally(a)) seen.add(a)
      samples++
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(samples).toBeGreaterThan(20)
    // the sweep was seen in every state: waiting, loading on a worker, training
    expect([...seen].sort()).toEqual(['queued', 'starting', 'training'])
    expect((lab.service.listRuns({ experimentId }) as RunList).runs.map((r) => [r.status, r.activity])).toEqual(runIds.map(() => ['completed', null]))
  }, 60_000)
})
