import Database from 'better-sqlite3'
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../src-main/cli/main'
import { createLabService } from '../../src-main/services/lab'
import { openStore } from '../../src-main/store/store'
import { exportRuns, importRuns } from '../../src-main/store/transfer'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-import-'))
let counter = 0
const fresh = (name = 'lab') => join(dir, `${name}-${++counter}.sqlite`)

/** An export of one finished MNIST-shaped run (784-4-10) with metrics and first-layer weights. */
function goodExport(): string {
  const store = openStore(fresh('source'))
  const config = { seed: 1, data: { kind: 'mnist' }, model: { kind: 'two-layer', hidden: 4, outputs: 10 }, loss: 'cross-entropy', rule: 'fa', optimizer: { learningRate: 0.1 }, steps: 20, evalEvery: 10 }
  const [id] = store.queueRuns([{ config: config as never }])
  store.markRunning(id, 'wasm', { fingerprint: 'f' })
  store.appendMetrics(id, [0, 10, 20].map((step) => ({ step, metrics: { trainLoss: 1 / (step + 1) }, wallTimeMs: step })))
  store.saveArtifacts(id, [{ name: 'W1', shape: [784, 4], values: new Float32Array(784 * 4).fill(0.5) }])
  store.finishRun(id, { status: 'completed', stepsDone: 20, finalMetrics: { trainLoss: 0.05 } })
  const out = join(dir, `export-${++counter}.falab`)
  exportRuns(store, [id], out)
  store.close()
  return out
}

/** Changes an export with raw SQL, as a hand-crafted file would be. */
function craft(file: string, sql: string, ...params: unknown[]): string {
  const db = new Database(file)
  db.prepare(sql).run(...params)
  db.close()
  return file
}

function refusal(file: string): string {
  const target = openStore(fresh('target'))
  try {
    importRuns(target, file)
  } catch (error) {
    expect(target.listRuns()).toEqual([])
    return (error as Error).message
  } finally {
    target.close()
  }
  throw new Error('imported')
}

afterEach(() => vi.restoreAllMocks())

describe('import-runs validates everything before writing (defect 2)', () => {
  it('imports a good export', () => {
    const target = openStore(fresh('target'))
    expect(importRuns(target, goodExport())).toMatchObject({ runsAdded: 1 })
    target.close()
  })

  it('refuses weights whose stored shape would size gigabytes, and the weight request checks it too', async () => {
    const file = craft(goodExport(), `UPDATE artifacts SET shape = ? WHERE name = 'W1'`, JSON.stringify([784, 1e9]))
    expect(refusal(file)).toMatch(/cannot be imported; nothing was written:\n  - run 1 \([\w-]+\): artifact W1: shape \[784,1000000000\] needs 3136000000000 bytes, it has 12544/)
    // a lab that holds such a run already (written before this check) answers the page with an error, not an out-of-memory death
    const path = fresh('lab')
    const lab = createLabService({ labPath: path, mode: 'browser', workers: 1, dataDir: dir })
    importRuns(lab.store, goodExport())
    const [run] = lab.store.listRuns()
    craft(lab.store.path, `UPDATE artifacts SET shape = ? WHERE run_id = ?`, JSON.stringify([784, 1e9]), run.id)
    expect(() => lab.service.getWeightImages({ runId: run.id, count: 4 })).toThrow(/first-layer weights are damaged: shape \[784,1000000000\] with 3136 values/)
    await lab.close()
  })

  it('refuses a metric blob with a bad length, out-of-range steps, and non-finite values', () => {
    expect(refusal(craft(goodExport(), `UPDATE metric_chunks SET vals = ?`, Buffer.alloc(13)))).toMatch(/measure trainLoss: blob lengths 24, 13, 24 bytes are not one matching count/)
    expect(refusal(craft(goodExport(), `UPDATE metric_chunks SET steps = ?`, Buffer.from(Float64Array.from([0, 10, 99]).buffer)))).toMatch(/measure trainLoss: steps are not increasing integers in 0\.\.20/)
    expect(refusal(craft(goodExport(), `UPDATE metric_chunks SET vals = ?`, Buffer.from(Float64Array.from([1, Number.NaN, 2]).buffer)))).toMatch(/measure trainLoss: holds a value that is not finite/)
    expect(refusal(craft(goodExport(), `UPDATE artifacts SET shape = '[4, 784]'`))).toMatch(/artifact W1: shape \[4,784\] disagrees with the config's network \(784-4-10\)/)
  })

  it('names the file and the run for a config that is not JSON or not valid', () => {
    const notJson = craft(goodExport(), `UPDATE runs SET config = '{"seed": 1,'`)
    expect(refusal(notJson)).toMatch(new RegExp(`${notJson.replace(/[.]/g, '\\.')} cannot be imported.*\\n  - run 1 \\([\\w-]+\\): its config is not JSON`))
    expect(refusal(craft(goodExport(), `UPDATE runs SET config = json_set(config, '$.model.hidden', -4)`))).toMatch(/run 1 .*: invalid config: model\.hidden: /)
    expect(refusal(craft(goodExport(), `UPDATE runs SET config = json_set(config, '$.__proto__', json('{"polluted": 1}'))`))).toMatch(/'__proto__' is not allowed/)
  })
})

describe('import-runs never writes to the file it imports from (defect 8)', () => {
  async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = ''
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (stderr += parts.join(' ') + '\n'))
    vi.spyOn(console, 'log').mockImplementation(() => {})
    return { code: await main(args), stderr }
  }

  it('a 0-byte source stays 0 bytes, is refused, and no target file is left behind', async () => {
    const empty = join(dir, 'empty.falab')
    writeFileSync(empty, '')
    const target = join(dir, 'never-created.sqlite')
    const result = await cli(['import-runs', '--db', target, empty])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/empty\.falab is not an FA Lab file \(it is empty or holds no lab\); nothing was imported/)
    expect(statSync(empty).size).toBe(0)
    expect(existsSync(target)).toBe(false)
  })

  it('a run still `running` in the source stays so there, byte for byte, and a refused import leaves no target', async () => {
    const file = craft(goodExport(), `UPDATE runs SET status = 'running'`)
    const before = readFileSync(file)
    const target = join(dir, 'imported.sqlite')
    expect((await cli(['import-runs', '--db', target, file])).code).toBe(0)
    expect(readFileSync(file).equals(before)).toBe(true)
    const source = new Database(file, { readonly: true })
    expect(source.prepare('SELECT status FROM runs').get()).toEqual({ status: 'running' })
    source.close()

    const bad = craft(goodExport(), `UPDATE metric_chunks SET walls = ?`, Buffer.alloc(3))
    const refusedTarget = join(dir, 'refused.sqlite')
    const refused = await cli(['import-runs', '--db', refusedTarget, bad])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/blob lengths 24, 24, 3 bytes/)
    expect(existsSync(refusedTarget)).toBe(false)
  })
})
