import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src-main/store/store'

const exec = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-resume-'))
const env = { ...process.env, FA_LAB_HOME: dir }
const fa = (...args: string[]) => exec(process.execPath, [cli, ...args], { env }).catch((e: { code: number; stdout: string; stderr: string }) => e)

const steps = 2400
const experiment = {
  name: 'resumable',
  base: {
    seed: 3,
    data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer', teacherWidth: 400 },
    model: { kind: 'two-layer', hidden: 800, activation: 'relu', outputs: 1 },
    rule: 'fa',
    optimizer: { learningRate: 0.01, batchSize: 50, momentum: 0.3 },
    regularization: { outputL2: 0.05 },
    theory: { enabled: false },
    steps,
    evalEvery: 50,
  },
}
const file = join(dir, 'experiment.json')
writeFileSync(file, JSON.stringify(experiment))
const checkpointing = ['--checkpoint-every', '50', '--checkpoint-seconds', '0']

function read(db: string) {
  const store = openStore(db, { readonly: true, mustExist: true })
  try {
    const [run] = store.listRuns()
    const series = Object.fromEntries(store.metricNames(run.id).map((name) => [name, store.metricSeries(run.id, name)]))
    return { run, series: Object.fromEntries(Object.entries(series).map(([name, s]) => [name, { steps: Array.from(s.steps), values: Array.from(s.values) }])) }
  } finally {
    store.close()
  }
}

describe('fa-lab resume', () => {
  it('a run killed with SIGKILL half way and resumed ends with the final measures and series of the run never interrupted', async () => {
    const whole = join(dir, 'whole.sqlite')
    const killed = join(dir, 'killed.sqlite')
    const reference = await fa('run', file, '--db', whole, '--workers', '1', ...checkpointing)
    expect((reference as { stderr: string }).stderr).toContain('1 completed')

    const child = spawn(process.execPath, [cli, 'run', file, '--db', killed, '--workers', '1', '--json', ...checkpointing], { stdio: ['ignore', 'pipe', 'ignore'], env })
    let killedAt = 0
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! })
      lines.on('line', (line) => {
        const event = JSON.parse(line) as { event: string; step?: number }
        if (event.event === 'progress' && (event.step ?? 0) >= steps / 2 && !killedAt) {
          killedAt = event.step!
          child.kill('SIGKILL')
        }
      })
      child.on('exit', () => (killedAt ? resolve() : reject(new Error('the run ended before it could be killed'))))
    })
    expect(killedAt).toBeLessThan(steps)

    const resumed = (await fa('resume', '--db', killed, '--workers', '1', ...checkpointing)) as { stderr: string }
    expect(resumed.stderr).toMatch(/resuming 1 run \(1\)/)
    expect(resumed.stderr).toContain('1 completed')
    const a = read(whole)
    const b = read(killed)
    expect(b.run).toMatchObject({ status: 'completed', stepsDone: steps, stopReason: 'step-limit' })
    expect(b.run.finalMetrics).toEqual(a.run.finalMetrics)
    expect(b.series).toEqual(a.series)
    expect(b.series.trainLoss.steps).toEqual(Array.from({ length: steps / 50 + 1 }, (_, i) => i * 50))
  }, 180_000)

  it('restarts a run without a checkpoint from step 0 and says so: it ends as the same config trained uninterrupted; refuses a run not interrupted', async () => {
    const short = { ...experiment, base: { ...experiment.base, steps: 300 } }
    const shortFile = join(dir, 'short.json')
    writeFileSync(shortFile, JSON.stringify(short))
    const fresh = join(dir, 'fresh.sqlite')
    expect(((await fa('run', shortFile, '--db', fresh, '--workers', '1', '--checkpoint-every', '0')) as { stderr: string }).stderr).toContain('1 completed')

    const db = join(dir, 'old.sqlite')
    const store = openStore(db)
    const [id] = store.queueRuns([{ config: { ...short.base, name: 'old' } }])
    store.markRunning(id, 'blas', { fingerprint: 'f' })
    store.appendMetrics(id, [{ step: 0, metrics: { trainLoss: 123 }, wallTimeMs: 1 }, { step: 50, metrics: { trainLoss: 99 }, wallTimeMs: 2 }])
    store.releaseRuns([id]) // as a process does when it stops with the run unfinished
    store.close()
    openStore(db).close() // a later open finds it running: interrupted, with no checkpoint
    const restarted = (await fa('resume', '--db', db, '--workers', '1')) as { code: number; stderr: string }
    expect(restarted.stderr).toContain(`run ${id} has no checkpoint (it ran before checkpoints existed, or stopped before its first one): restarting it from step 0`)
    expect(restarted.stderr).toContain('1 completed')
    const a = read(fresh)
    const b = read(db)
    expect(b.run).toMatchObject({ status: 'completed', stepsDone: 300 })
    expect(b.run.finalMetrics).toEqual(a.run.finalMetrics)
    // the measures of the interrupted attempt are gone: the series is the uninterrupted run's
    expect(b.series.trainLoss).toEqual(a.series.trainLoss)

    const completed = (await fa('resume', '--db', fresh, '--runs', '1')) as { code: number; stderr: string }
    expect(completed.code).toBe(1)
    expect(completed.stderr).toContain('run 1 is completed: only interrupted, cancelled, failed runs can be resumed')
  })
})
