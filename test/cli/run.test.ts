import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { openStore } from '../../src-main/store/store'
import { tinySweep } from '../../scripts/bench/sweep-scale'

const exec = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-run-'))
const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer' },
  model: { kind: 'two-layer', hidden: 200, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  steps: 100,
  evalEvery: 20,
}
function experimentFile(name: string, experiment: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(experiment))
  return path
}
const fa = (...args: string[]) => exec(process.execPath, [cli, ...args], { env: { ...process.env, FA_LAB_HOME: dir } })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitFor(check: () => boolean, timeoutMs = 60_000, context: () => string = () => ''): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting${context()}`)
    await sleep(100)
  }
}

function peek<T>(db: string, read: (store: ReturnType<typeof openStore>) => T): T | null {
  try {
    const store = openStore(db, { readonly: true, mustExist: true })
    try {
      return read(store)
    } finally {
      store.close()
    }
  } catch {
    return null
  }
}

describe('fa-lab run', () => {
  it('--help lists every shipped preset, read from resources/presets', async () => {
    const { stdout } = await fa('run', '--help')
    const shipped = readdirSync(new URL('../../resources/presets', import.meta.url).pathname).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort()
    expect(shipped).toContain('biotorch-lenet')
    expect(stdout).toContain(`presets: ${shipped.join(', ')}`)
  })

  it('runs a sweep, then runs --json and metrics --json read it back', async () => {
    const db = join(dir, 'plain.sqlite')
    const file = experimentFile('plain.json', { name: 'plain', base, grid: { rule: ['fa', 'bp'] } })
    const { stderr } = await fa('run', file, '--db', db, '--workers', '2')
    expect(stderr).toMatch(/experiment 1 'plain': 2 runs on 2 workers/)
    expect(stderr).toMatch(/done: 2 completed/)
    const runs = JSON.parse((await fa('runs', '--db', db, '--json')).stdout)
    expect(runs.map((r: { status: string; rule: string }) => [r.status, r.rule])).toEqual([['completed', 'fa'], ['completed', 'bp']])
    const metrics = JSON.parse((await fa('metrics', '--db', db, '--run', String(runs[0].id), '--json')).stdout)
    expect(metrics.series.trainLoss.steps).toEqual([0, 20, 40, 60, 80, 100])
    expect(metrics.series.weightAlignment.values.at(-1)).toBe(runs[0].finalMetrics.weightAlignment)
  })

  it('refuses an invalid grid before storing anything', async () => {
    const db = join(dir, 'invalid.sqlite')
    const file = experimentFile('invalid.json', { name: 'bad', base, grid: { 'optimizer.learningRate': [0.1, -1], 'no.such': [1] } })
    const error = await fa('run', file, '--db', db).catch((e) => e)
    expect(error.code).toBe(2)
    expect(error.stderr).toMatch(/grid\.no\.such: unknown config path/)
    expect(existsSync(db)).toBe(false)
  })

  it('survives kill -9 mid-sweep: integrity ok, finished runs intact, the killed run interrupted with its committed metrics', async () => {
    const db = join(dir, 'killed.sqlite')
    // About 3 s a run, on tfjs-wasm without the theory measures: what this test is about (the store
    // after a kill) must not wait on OpenBLAS, whose two threads (one worker on two cores) slow a
    // run of small products 20–30× when another process holds a core, as the test files running
    // beside this one do (measured: 1,500 steps in 43 s against 0.35 s; the theory measures'
    // eigensolver the same on wasm). The state waited for (one run finished, the next one's steps
    // stored) then lasts seconds, not a fraction of a poll.
    const file = experimentFile('killed.json', { name: 'killed', base: { ...base, steps: 1500, evalEvery: 10, backend: 'wasm', theory: { enabled: false } }, grid: { seed: [1, 2, 3, 4] } })
    const child = spawn(process.execPath, [cli, 'run', file, '--db', db, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FA_LAB_HOME: dir } })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const states = () => peek(db, (s) => s.listRuns().map((r) => `${r.id} ${r.status} ${r.stepsDone}`).join(', '))
    await waitFor(
      () => (peek(db, (s) => s.listRuns().filter((r) => r.status === 'completed').length >= 1 && s.listRuns().some((r) => r.status === 'running' && r.stepsDone > 0)) ?? false),
      60_000,
      () => `: runs ${states()}; exit code ${child.exitCode}; fa-lab run said: ${stderr.slice(-2000)}`,
    )
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const store = openStore(db)
    expect(store.integrityCheck()).toBe('ok')
    const runs = store.listRuns()
    const completed = runs.filter((r) => r.status === 'completed')
    const interrupted = runs.filter((r) => r.status === 'interrupted')
    expect(completed.length).toBeGreaterThanOrEqual(1)
    // the run it was training, and the runs it had queued (they would otherwise wait forever)
    const killed = interrupted.filter((r) => r.stepsDone > 0)
    expect(killed).toHaveLength(1)
    expect(killed[0].error).toMatch(/stopped \(killed or crashed\) before it finished/)
    for (const run of completed) expect(store.metricSeries(run.id, 'trainLoss').steps.length).toBe(151)
    const partial = store.metricSeries(killed[0].id, 'trainLoss')
    expect(partial.steps.length).toBeGreaterThan(0)
    expect(partial.steps.at(-1)).toBe(killed[0].stepsDone)
    const neverStarted = interrupted.filter((r) => r.stepsDone === 0)
    expect(neverStarted.length).toBe(4 - completed.length - 1)
    for (const run of neverStarted) expect(run.error).toMatch(/stopped before it started the run/)
    expect(runs.filter((r) => r.status === 'queued')).toEqual([])
    store.close()
  })

  it('Ctrl-C cancels cleanly: exit 130, runs cancelled, the store consistent', async () => {
    const db = join(dir, 'sigint.sqlite')
    const file = experimentFile('sigint.json', { name: 'sigint', base: { ...base, steps: 100000, evalEvery: 100 }, grid: { seed: [1, 2, 3] } })
    const child = spawn(process.execPath, [cli, 'run', file, '--db', db, '--workers', '2'], { stdio: 'ignore', env: { ...process.env, FA_LAB_HOME: dir } })
    await waitFor(() => (peek(db, (s) => s.listRuns().filter((r) => r.status === 'running' && r.stepsDone > 0).length === 2) ?? false))
    // how soon it exits is a speed figure for the bench, not a test; the test
    // asks that it does, with every run cancelled mid-training or before it started
    child.kill('SIGINT')
    const code = await new Promise((r) => child.once('exit', r))
    expect(code).toBe(130)
    const store = openStore(db)
    expect(store.integrityCheck()).toBe('ok')
    expect(store.listRuns().map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    store.close()
  })

  it('Ctrl-C while the experiment is being stored stops it cleanly: exit 130, a line saying so, every stored run cancelled (not interrupted)', async () => {
    const db = join(dir, 'sigint-storing.sqlite')
    const file = experimentFile('sigint-storing.json', tinySweep(200))
    // Another connection holds the new lab file locked, so `run` waits (in SQLite's busy handler,
    // synchronously) while it sets up the file, until the test lets go: the Ctrl-C lands there
    // whatever the machine's speed, and the runs are stored after it.
    const lock = new Database(db)
    lock.exec('BEGIN EXCLUSIVE')
    const child = spawn(process.execPath, [cli, 'run', file, '--db', db, '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FA_LAB_HOME: dir } })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    const opened = () => {
      try {
        return readdirSync(`/proc/${child.pid}/fd`).some((fd) => readlinkSync(`/proc/${child.pid}/fd/${fd}`) === db)
      } catch {
        return false
      }
    }
    try {
      while (!opened()) {
        if (child.exitCode !== null) throw new Error(`fa-lab run exited before it opened ${db}: ${stderr}`)
        await sleep(10)
      }
      child.kill('SIGINT')
    } finally {
      lock.exec('COMMIT')
      lock.close()
    }
    expect(await exited, stderr).toEqual({ code: 130, signal: null })
    expect(stderr).toMatch(/cancelling: SIGINT before training started; the 200 stored runs are marked cancelled/)
    expect(stderr).toMatch(/done: 200 cancelled/)
    const store = openStore(db)
    expect(store.integrityCheck()).toBe('ok')
    const runs = store.listRuns()
    expect(runs).toHaveLength(200)
    expect(new Set(runs.map((r) => `${r.status}: ${r.error}`))).toEqual(new Set(['cancelled: cancelled before it started']))
    store.close()
  })

  it('shards run every N-th run into their own files, and merge combines them without duplicates', async () => {
    const file = experimentFile('shards.json', { name: 'sharded', base, grid: { rule: ['fa', 'bp'], seed: [1, 2] } })
    const a = join(dir, 'shard-0.sqlite')
    const b = join(dir, 'shard-1.sqlite')
    await fa('run', file, '--db', a, '--shard', '0/2')
    await exec(process.execPath, [cli, 'run', file, '--db', b], { env: { ...process.env, FA_LAB_HOME: dir, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' } })
    expect(peek(a, (s) => s.listRuns().map((r) => r.sweepIndex))).toEqual([0, 2])
    expect(peek(b, (s) => s.listRuns().map((r) => r.sweepIndex))).toEqual([1, 3])
    const merged = join(dir, 'merged.sqlite')
    const first = JSON.parse((await fa('merge', '--db', merged, a, b, '--json')).stdout)
    expect(first.map((r: { runsAdded: number }) => r.runsAdded)).toEqual([2, 2])
    const again = JSON.parse((await fa('merge', '--db', merged, a, b, '--json')).stdout)
    expect(again.map((r: { runsAdded: number; runsSkipped: number }) => [r.runsAdded, r.runsSkipped])).toEqual([[0, 2], [0, 2]])
    peek(merged, (s) => {
      expect(s.listRuns().map((r) => r.sweepIndex).sort()).toEqual([0, 1, 2, 3])
      expect(s.listExperiments()).toHaveLength(1)
      expect(s.listRuns().every((r) => r.status === 'completed')).toBe(true)
    })
  })

  it('export-runs and import-runs move chosen runs between labs', async () => {
    const db = join(dir, 'plain.sqlite')
    const out = join(dir, 'chosen.falab')
    await fa('export-runs', '--db', db, '--runs', '2', '--out', out)
    const target = join(dir, 'other.sqlite')
    const { stdout } = await fa('import-runs', '--db', target, out)
    expect(stdout).toMatch(/1 runs imported, 0 already present/)
    expect(peek(target, (s) => s.listRuns().map((r) => r.rule))).toEqual(['bp'])
    const refused = await fa('import-runs', '--db', target, cli).catch((e) => e)
    expect(refused.stderr).toMatch(/is not an FA Lab file/)
  })
})
