/**
 * A 10,000-run experiment (the default limit) through the real runner and store: it starts, the
 * lab answers while it trains, and cancelling it (the request, Ctrl-C to `fa-lab run`, Ctrl-C to
 * `fa-lab serve`) leaves every run finished or cancelled with nothing lost. How fast is the bench's
 * "sweep scale" section; here only what happens.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startServer } from '../../src-main/server/server'
import { createLabService } from '../../src-main/services/lab'
import { openStore, type RunRecord } from '../../src-main/store/store'
import { tinySweep } from '../../scripts/bench/sweep-scale'
import { labApi, serveLab } from '../e2e/harness'
import type { RunList } from '../../src-shared/contract'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-large-queue-'))
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const runCount = 10_000
/** The bench's sweep-scale experiment (20 steps, measures at 0, 10 and 20), at the run limit. */
const experiment = tinySweep(runCount)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Every run ended: completed ones with their whole series, the rest cancelled, none queued or running. */
function expectNothingLost(labPath: string): Record<string, number> {
  const store = openStore(labPath, { mustExist: true })
  try {
    expect(store.integrityCheck()).toBe('ok')
    const runs = store.listRuns()
    expect(runs).toHaveLength(runCount)
    const counts: Record<string, number> = {}
    for (const run of runs) counts[run.status] = (counts[run.status] ?? 0) + 1
    expect(Object.keys(counts).sort()).toEqual(['cancelled', 'completed'])
    const completed = runs.filter((r) => r.status === 'completed')
    for (const run of completed) {
      expect(run.stepsDone).toBe(20)
      expect(Array.from(store.metricSeries(run.id, 'trainLoss').steps)).toEqual([0, 10, 20])
    }
    const neverStarted = runs.filter((r: RunRecord) => r.status === 'cancelled' && r.startedAt === null)
    expect(neverStarted.length).toBeGreaterThan(runCount - completed.length - 3)
    for (const run of neverStarted) expect(run.error).toBe('cancelled before it started')
    return counts
  } finally {
    store.close()
  }
}

describe('a 10,000-run experiment', () => {
  it('starts, runs:list answers while it trains, and cancelling it cancels every run not done', async () => {
    const labPath = join(dir, 'service.sqlite')
    const staticDir = join(dir, 'renderer')
    mkdirSync(staticDir, { recursive: true })
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>lab</title>')
    const lab = createLabService({ labPath, mode: 'browser', workers: 2, dataDir: dir })
    const server = await startServer({ lab, staticDir })
    try {
      const api = labApi(server.url)
      let finished = 0
      lab.on('runFinished', () => finished++)
      const { experimentId, runIds } = await api<{ experimentId: number; runIds: number[] }>('experiments:start', experiment)
      expect(runIds).toHaveLength(runCount)
      while (finished < 3) await sleep(50)
      // answered while the runner holds the queue, with what each run is doing
      const listed = (await api<RunList>('runs:list', { experimentId })).runs
      expect(listed).toHaveLength(runCount)
      expect(listed.filter((r) => r.status === 'completed').length).toBeGreaterThanOrEqual(3)
      expect(listed.filter((r) => r.activity === 'queued').length).toBeGreaterThan(runCount / 2)
      await api('experiments:cancel', experimentId)
      await lab.runner.whenIdle()
      expect((await api<RunList>('runs:list', { experimentId, status: ['queued', 'running'] })).runs).toEqual([])
    } finally {
      await server.close()
      await lab.close()
    }
    expectNothingLost(labPath)
  })

  it('Ctrl-C to `fa-lab run` stops it: exit 130, every run not done cancelled, nothing lost', async () => {
    const labPath = join(dir, 'cli.sqlite')
    const file = join(dir, 'experiment.json')
    writeFileSync(file, JSON.stringify(experiment))
    const child = spawn(process.execPath, [cli, 'run', file, '--db', labPath, '--workers', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FA_LAB_HOME: dir } })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (c) => (stderr += c))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        stdout += c
        if ((stdout.match(/"event":"finished"/g) ?? []).length >= 3) resolve()
      })
      child.once('exit', (code) => reject(new Error(`fa-lab run exited (${code}) before 3 runs finished: ${stderr}`)))
    })
    child.kill('SIGINT')
    expect(await exited, stderr).toBe(130)
    const done = JSON.parse(stdout.trim().split('\n').at(-1)!)
    expect(done).toMatchObject({ event: 'done', runs: runCount })
    expect(done.statuses).toEqual(expectNothingLost(labPath))
  })

  it('Ctrl-C to `fa-lab serve` stops it while a 10,000-run experiment trains, and nothing is lost', async () => {
    const home = mkdtempSync(join(dir, 'serve-'))
    const { server, url } = await serveLab(home, { workers: 2 })
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve))
    const api = labApi(url)
    const { experimentId } = await api<{ experimentId: number }>('experiments:start', experiment)
    let listed: { status: string }[] = []
    do {
      await sleep(200)
      listed = (await api<RunList>('runs:list', { experimentId })).runs
      expect(listed).toHaveLength(runCount)
    } while (!listed.some((r) => r.status === 'completed'))
    server.kill('SIGINT')
    expect(await exited).toBe(0)
    expectNothingLost(join(home, 'lab.sqlite'))
  })
})
