/**
 * A full disk and a damaged file (issue 27 D7): a real SQLITE_FULL (SQLite's max_page_count, which
 * fails a write exactly as a full disk does) and real corruption (bytes overwritten in a lab file)
 * give messages naming the file and what to do; the run being trained is interrupted, nothing
 * stored is lost, reads keep working, and `fa-lab check` says what can be saved.
 */
import { execFile } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { RunFinished } from '../../src-shared/contract'
import { createRunner, type Runner } from '../../src-main/runner/runner'
import { queueExperiment } from '../../src-main/services/experiments'
import { databaseOf } from '../../src-main/store/connection'
import { openStore, StoreFaultError, type Store } from '../../src-main/store/store'

const exec = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-disk-faults-'))
const fa = (...args: string[]) =>
  exec(process.execPath, [cli, ...args], { env: { ...process.env, FA_LAB_HOME: dir } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
let counter = 0
const fresh = () => join(dir, `lab-${++counter}.sqlite`)
const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 50, inputDim: 20, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 30, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  theory: { enabled: false },
  backend: 'wasm',
  steps: 20,
  evalEvery: 10,
}

/** Lets the lab file grow by `pages` pages at most from now on: the next write past that fails with SQLITE_FULL. */
function fillDisk(store: Store, pages = 0): void {
  const db = databaseOf(store)
  db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + pages}`)
}


describe('a full disk (D7)', () => {
  it('a write that does not fit names the file and what to do; what was stored stays readable', () => {
    const path = fresh()
    const store = openStore(path)
    const { runIds } = queueExperiment(store, { name: 'full', base })
    store.appendMetrics(runIds[0], [{ step: 0, metrics: { trainLoss: 1 }, wallTimeMs: 0 }])
    fillDisk(store)
    const many = Array.from({ length: 20_000 }, (_, step) => ({ step: step + 1, metrics: { trainLoss: 1, testLoss: 2 }, wallTimeMs: step }))
    let fault: unknown
    try {
      store.appendMetrics(runIds[0], many)
    } catch (error) {
      fault = error
    }
    expect(fault).toBeInstanceOf(StoreFaultError)
    expect((fault as Error).message).toBe(`${path}: the disk holding the lab file is full (SQLITE_FULL). Free space on that disk, then continue the interrupted runs with \`fa-lab resume --db ${path}\`; everything stored before is kept (while storing the measures of run ${runIds[0]})`)
    expect(() => store.saveCheckpoint(runIds[0], 0, new Uint8Array(200_000))).toThrow(/SQLITE_FULL.*while saving the checkpoint of run/)
    expect(() => store.saveArtifacts(runIds[0], [{ name: 'W1', shape: [200_000], values: new Float32Array(200_000) }])).toThrow(/SQLITE_FULL.*while saving the final weights of run/)
    // reads work, and nothing committed before was lost
    expect(Array.from(store.metricSeries(runIds[0], 'trainLoss').steps)).toEqual([0])
    expect(store.listRuns()).toHaveLength(1)
    store.close()
  })

  it('the run being trained is interrupted with that message; the runner and the lab go on', async () => {
    const store = openStore(fresh())
    const runner: Runner = createRunner({ store, workers: 1, flushIntervalMs: 50 })
    const { runIds } = queueExperiment(store, { name: 'full', base: { ...base, steps: 3000, evalEvery: 1 } })
    const finished: RunFinished[] = []
    runner.onRunFinished((f) => finished.push(f))
    fillDisk(store)
    runner.enqueue(runIds)
    await runner.whenIdle()
    expect(finished).toHaveLength(1)
    expect(finished[0]).toMatchObject({ runId: runIds[0], status: 'interrupted' })
    expect(finished[0].error).toMatch(/the disk holding the lab file is full \(SQLITE_FULL\)\. Free space/)
    // once there is room again, the lab takes the next run as before
    fillDisk(store, 1_000)
    const next = queueExperiment(store, { name: 'after', base })
    runner.enqueue(next.runIds)
    await runner.whenIdle()
    expect(store.getRun(next.runIds[0])!.status).toBe('completed')
    await runner.close()
    store.close()
  })
})

describe('a damaged lab file (D7)', () => {
  /** A lab of 20 finished runs with long series, so that its pages hold many runs' data. */
  function labOfRuns(path: string): number[] {
    const store = openStore(path)
    const { runIds } = queueExperiment(store, { name: 'many', base, grid: { seed: Array.from({ length: 20 }, (_, i) => i + 1) } })
    for (const id of runIds) {
      store.appendMetrics(id, Array.from({ length: 2000 }, (_, step) => ({ step, metrics: { trainLoss: Math.random() }, wallTimeMs: step })))
      store.finishRun(id, { status: 'completed', stepsDone: 20 })
    }
    databaseOf(store).pragma('wal_checkpoint(TRUNCATE)')
    store.close()
    return runIds
  }

  it('fa-lab check says a sound lab is sound', async () => {
    const path = fresh()
    labOfRuns(path)
    const check = await fa('check', '--db', path)
    expect(check.code).toBe(0)
    expect(check.stdout).toContain(`${path}: sound (SQLite integrity check ok; all 20 runs read whole)`)
  })

  it('fa-lab check names the damage and the runs that can be saved; exporting those works', async () => {
    const path = fresh()
    const runIds = labOfRuns(path)
    // overwrite a stretch of pages in the second half of the file (metric blobs, b-tree pages)
    const size = statSync(path).size
    const fd = openSync(path, 'r+')
    writeSync(fd, Buffer.alloc(3 * 65536, 0x5a), 0, 3 * 65536, Math.floor(size / 2 / 65536) * 65536)
    closeSync(fd)
    const check = await fa('check', '--db', path, '--json')
    expect(check.code).toBe(1)
    const report = JSON.parse(check.stdout) as { sound: boolean; integrity: string[]; readable: number[]; unreadable: { runId: number; fault: string }[] }
    expect(report.sound).toBe(false)
    expect(report.integrity[0]).not.toBe('ok')
    expect(report.readable.length + report.unreadable.length).toBeLessThanOrEqual(runIds.length)
    const words = await fa('check', '--db', path)
    expect(words.code).toBe(1)
    expect(words.stdout).toContain(`${path}: damaged; SQLite's integrity check says:`)
    if (report.readable.length) {
      expect(words.stdout).toContain(`fa-lab export-runs --db ${path} --runs ${report.readable.join(',')} --out saved.sqlite`)
      const saved = join(dir, `saved-${counter}.sqlite`)
      const exported = await fa('export-runs', '--db', path, '--runs', report.readable.join(','), '--out', saved)
      expect(exported.stderr).toBe('')
      const store = openStore(saved, { mustExist: true })
      expect(store.listRuns()).toHaveLength(report.readable.length)
      expect(store.integrityCheck()).toBe('ok')
      store.close()
    }
    expect(readFileSync(path).length).toBe(size)
  })
})
