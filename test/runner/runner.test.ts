import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRunner, type RunProgress, type Runner } from '../../src-main/runner/runner'
import { queueExperiment } from '../../src-main/services/experiments'
import { databaseOf } from '../../src-main/store/connection'
import { openStore, type Store } from '../../src-main/store/store'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-runner-'))
let n = 0
const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer' },
  model: { kind: 'two-layer', hidden: 200, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  regularization: { outputL2: 0.1 },
  steps: 600,
  evalEvery: 50,
}

let open: { store: Store; runner: Runner }[] = []
function setup(workers: number, extra: Partial<Parameters<typeof createRunner>[0]> = {}) {
  const store = openStore(join(dir, `lab-${++n}.sqlite`))
  const runner = createRunner({ store, workers, ...extra })
  open.push({ store, runner })
  return { store, runner }
}
afterEach(async () => {
  for (const { store, runner } of open) {
    await runner.close()
    store.close()
  }
  open = []
})

describe('runner', () => {
  it('cancels runs a stopped process left queued or running, and refuses runs a live process trains (defect 5)', () => {
    const { store, runner } = setup(1)
    const { runIds, experimentId } = queueExperiment(store, { name: 'orphans', base, grid: { seed: [1, 2, 3] } })
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    databaseOf(store).prepare('UPDATE runs SET owner_pid = ? WHERE id IN (?, ?)').run(dead, runIds[0], runIds[1])
    runner.cancelRun(runIds[0])
    expect(store.getRun(runIds[0])).toMatchObject({ status: 'cancelled', error: 'cancelled after the process that owned it stopped' })
    expect(() => runner.cancelRun(runIds[2])).toThrow(`run ${runIds[2]} belongs to another live process (pid ${process.pid}`)
    runner.cancelExperiment(experimentId)
    expect(store.listRuns({ experimentId }).map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'queued'])
  })

  it('trains a sweep in workers, stores every evaluation, and reports bounded-rate progress', async () => {
    const { store, runner } = setup(2, { progressIntervalMs: 100 })
    const { runIds } = queueExperiment(store, { name: 'lambda', base, grid: { 'regularization.outputL2': [0, 0.2], seed: [1, 2] } })
    const events: (RunProgress & { at: number })[] = []
    runner.onProgress((p) => events.push({ ...p, at: performance.now() }))
    runner.enqueue(runIds)
    await runner.whenIdle()
    const runs = store.listRuns({ ids: runIds })
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed'])
    for (const run of runs) {
      expect(run.backend).toMatch(/tensorflow|blas|wasm|cpu/)
      // full batch, n = 50 < d = 150: the blas backend's kernel path (engine/step-paths.ts), recorded with the run
      expect(run.trainingPath).toBe(run.backend === 'blas' ? 'kernel' : 'dense')
      expect(run.datasetFingerprint).toHaveLength(64)
      expect(run.finalMetrics?.weightAlignment).toBeTypeOf('number')
      const series = store.metricSeries(run.id, 'weightAlignment')
      expect(Array.from(series.steps)).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600])
      expect(series.values.at(-1)).toBe(run.finalMetrics!.weightAlignment)
      expect(store.artifacts(run.id).map((a) => a.name)).toEqual(['B1', 'W1', 'W2', 'spectrum.G', 'spectrum.H', 'spectrum.steps'])
    }
    // λ = 0.2 aligns more than λ = 0 for the same seed (the paper's effect, through the whole stack)
    expect(runs[2].finalMetrics!.weightAlignment).toBeGreaterThan(runs[0].finalMetrics!.weightAlignment)
    const last = events.at(-1)!
    expect(last).toMatchObject({ runsDone: 4, runsTotal: 4 })
    // once a run has finished, its measured speed gives every later report an ETA (these runs are
    // shorter than the second a running run needs before its own rate counts)
    const afterFirst = events.filter((e) => e.runsDone >= 1 && e.runsDone < 4)
    expect(afterFirst.length).toBeGreaterThan(0)
    // the ETA is computed once per progress interval and shared by its reports, so a report in the
    // interval where the first run finished may still carry the earlier null: from the first report
    // with an ETA on, every one has it
    const firstEstimate = afterFirst.findIndex((e) => e.etaMs !== null)
    expect(firstEstimate).toBeGreaterThanOrEqual(0)
    expect(afterFirst.slice(firstEstimate).filter((e) => e.etaMs === null)).toEqual([])
    // measures travel with the step they were taken at (an evaluation step, at or behind the run's
    // step), so a live chart draws them there and not flat out to the current step
    const measured = events.filter((e) => e.metrics)
    expect(measured.length).toBeGreaterThan(0)
    for (const e of measured) {
      expect(e.metricsStep! % 50, JSON.stringify(e)).toBe(0)
      expect(e.metricsStep!).toBeLessThanOrEqual(e.step)
    }
    for (const id of runIds) {
      const running = events.filter((e) => e.runId === id && e.status === 'running')
      for (let i = 2; i < running.length; i++) expect(running[i].at - running[i - 1].at).toBeGreaterThanOrEqual(99)
    }
  })

  it('two workers train two runs at the same time', async () => {
    // What a second worker buys in wall time is measured by the bench (npm run bench -- --sections
    // sweep); the test checks what makes it possible: both runs are mid-training at once. The runs
    // are far too long to finish, so however fast or slow the machine, neither ends before the other
    // starts; once both have reported progress they are cancelled.
    const { store, runner } = setup(2, { blasThreads: 1, progressIntervalMs: 50 })
    const { runIds, experimentId } = queueExperiment(store, { name: 'pair', base: { ...base, steps: 10_000_000, evalEvery: 1_000_000 }, grid: { seed: [1, 2] } })
    const events: RunProgress[] = []
    const both = new Promise<void>((resolve) => {
      runner.onProgress((p) => {
        events.push(p)
        if (runIds.every((id) => events.some((e) => e.runId === id && e.status === 'running' && e.step > 0))) resolve()
      })
    })
    runner.enqueue(runIds)
    await both
    runner.cancelExperiment(experimentId)
    await runner.whenIdle()
    // each reported progress while the other was mid-training: neither had finished, and both stopped mid-run
    expect(events.some((e) => e.status === 'completed')).toBe(false)
    const runs = store.listRuns({ ids: runIds })
    expect(runs.map((r) => r.status)).toEqual(['cancelled', 'cancelled'])
    runs.forEach((r) => expect(r.stepsDone).toBeGreaterThan(0))
  })

  it('cancels a running run mid-training, and queued runs before they start', async () => {
    const { store, runner } = setup(1)
    const { runIds } = queueExperiment(store, { name: 'long', base: { ...base, steps: 200000, evalEvery: 1000 }, grid: { seed: [1, 2] } })
    runner.enqueue(runIds)
    await new Promise<void>((resolve) => {
      const off = runner.onProgress((p) => {
        if (p.runId === runIds[0] && p.step > 100) {
          off()
          resolve()
        }
      })
    })
    runner.cancelExperiment(store.getRun(runIds[0])!.experimentId!)
    await runner.whenIdle()
    const [first, second] = store.listRuns({ ids: runIds })
    expect(first.status).toBe('cancelled')
    // stopped mid-run (at 200,000 steps it would have run for minutes), its progress kept
    expect(first.stepsDone).toBeGreaterThan(100)
    expect(first.stepsDone).toBeLessThan(200000)
    expect(second).toMatchObject({ status: 'cancelled', error: 'cancelled before it started' })
  })

  it('a run that fails or runs out of memory is marked failed with its message; the others go on', async () => {
    // 28 MiB: a window, not a wide margin. A small synthetic run on wasm is about 22 MiB live after
    // loading (at 24 MiB one ran out now and then); parsing the bundled digits, file by file, ran
    // out at 32 MiB every time tried, but completed once at 36 in a full run (garbage collection
    // timing), and squeezes through at 48.
    const { store, runner } = setup(2, { memoryLimitMb: 28 })
    const mnist = { ...base, model: { ...base.model, outputs: 10 }, loss: 'cross-entropy', steps: 100 }
    const missing = queueExperiment(store, { name: 'missing data', base: { ...mnist, data: { kind: 'mnist', source: { dir: join(dir, 'no-such-folder') } } } }).runIds
    // parsing the bundled digits' 21 MB of JSON needs far more heap than the limit allows
    const huge = queueExperiment(store, { name: 'too big', base: { ...mnist, data: { kind: 'mnist', source: 'bundled' } } }).runIds
    // the small runs use tfjs-wasm: on the blas backend the same run needs more than 32 MiB of worker
    // heap (it completes at 48), and at 48 MiB the digits squeeze through
    const fine = queueExperiment(store, { name: 'fine', base: { ...base, steps: 100, backend: 'wasm' }, grid: { seed: [1, 2] } }).runIds
    runner.enqueue([...missing, ...huge, ...fine])
    await runner.whenIdle()
    const [a, b, c, d] = store.listRuns({ ids: [...missing, ...huge, ...fine] })
    expect(a.status).toBe('failed')
    expect(a.error).toMatch(/no-such-folder: no such folder/)
    expect(b.status).toBe('failed')
    expect(b.error).toMatch(/ran out of memory \(worker heap limit \d+ MiB\)/)
    expect([c.status, d.status], `${c.error} / ${d.error}`).toEqual(['completed', 'completed'])
  })
})
