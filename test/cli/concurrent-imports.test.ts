/**
 * Imports into one lab from several processes at once (issue 27 D12): each waits its turn on the
 * lab's write lock instead of failing with "database is locked", and every run arrives once.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src-main/store/store'
import { exportRuns } from '../../src-main/store/transfer'

const exec = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-concurrent-imports-'))
const fa = (...args: string[]) =>
  exec(process.execPath, [cli, ...args], { env: { ...process.env, FA_LAB_HOME: dir } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

const config = { seed: 1, data: { kind: 'synthetic', n: 20, inputDim: 4, teacher: 'linear' }, model: { kind: 'two-layer', hidden: 3, outputs: 1 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 2000, evalEvery: 1 }

/** An export of `runs` finished runs with 2,001 evaluations each, so that writing it takes a while. */
function exportFile(name: string, runs: number): string {
  const store = openStore(join(dir, `${name}.sqlite`))
  const ids = store.queueRuns(Array.from({ length: runs }, (_, i) => ({ config: { ...config, seed: i + 1 } })))
  for (const id of ids) {
    store.appendMetrics(id, Array.from({ length: 2001 }, (_, step) => ({ step, metrics: { trainLoss: 1 / (step + 1), testLoss: 2 / (step + 1) }, wallTimeMs: step })))
    store.finishRun(id, { status: 'completed', stepsDone: 2000 })
  }
  const out = join(dir, `${name}.falab`)
  exportRuns(store, ids, out)
  store.close()
  return out
}

describe('two imports into one lab (D12)', () => {
  it('four import-runs processes at once into one new lab all succeed, and every run is there once', async () => {
    const files = ['a', 'b', 'c', 'd'].map((name) => exportFile(name, 60))
    const lab = join(dir, 'lab.sqlite')
    const results = await Promise.all(files.map((file) => fa('import-runs', '--db', lab, file)))
    for (const r of results) {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/: 60 runs imported, 0 already present/)
    }
    const store = openStore(lab, { mustExist: true })
    expect(store.listRuns()).toHaveLength(240)
    expect(store.integrityCheck()).toBe('ok')
    store.close()
  })
})
