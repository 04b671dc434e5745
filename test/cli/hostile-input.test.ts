/**
 * Hostile input at the lab's front doors (issue 27 D5, D8, D9, D10, D13): files that are not
 * files, a damaged schema version, panels that name prototype machinery, one unreadable row,
 * control and text-direction characters in names, formulas in CSV cells, and imports larger than
 * anything the lab would create. Real lab files; the CLI in-process (its exit code and output).
 */
import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { toCsv } from '../../src-shared/analysis'
import { ExperimentConfig, expandExperiment } from '../../src-shared/experiment'
import { createLabApi, dispatchTable, requestSchemas } from '../../src-shared/contract'
import { unpackRunList } from '../../src-shared/run-list'
import { effectScope, ref } from 'vue'
import { useLiveSeries } from '../../src-renderer/src/composables/useLiveSeries'
import { maxDescriptionLength, maxInputValues, maxNameLength, maxSeriesPoints, maxSeriesReplyPoints, maxSeriesRequestRuns } from '../../src-main/lib/limits'
import { main } from '../../src-main/cli/main'
import { createLabService } from '../../src-main/services/lab'
import { openStore } from '../../src-main/store/store'
import { exportRuns, importRuns } from '../../src-main/store/transfer'
import { syntheticExample } from '../examples'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-hostile-'))
let counter = 0
const fresh = (name = 'lab') => join(dir, `${name}-${++counter}.sqlite`)
const base = syntheticExample({ steps: 20, evalEvery: 10 })

async function cli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = ''
  let stdout = ''
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (stderr += parts.join(' ') + '\n'))
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (stdout += parts.join(' ') + '\n'))
  const code = await main(args)
  vi.restoreAllMocks()
  return { code, stderr, stdout }
}

afterEach(() => vi.restoreAllMocks())

/** A lab with one completed run that has logged trainLoss at steps 0, 10, 20. */
function labWithRun(path = fresh(), name?: string): { db: string; runId: number } {
  const store = openStore(path)
  const [runId] = store.queueRuns([{ config: { ...base, ...(name ? { name } : {}) } }])
  store.markRunning(runId, 'wasm', { fingerprint: 'f' })
  store.appendMetrics(runId, [0, 10, 20].map((step) => ({ step, metrics: { trainLoss: 1 / (step + 1) }, wallTimeMs: step })))
  store.finishRun(runId, { status: 'completed', stepsDone: 20, finalMetrics: { trainLoss: 0.05 } })
  store.close()
  return { db: path, runId }
}

function sql(path: string, statement: string, ...params: unknown[]): void {
  const db = new Database(path)
  db.prepare(statement).run(...params)
  db.close()
}

describe('config files are bounded before they are read (D13)', () => {
  it('refuses a named pipe, a device and a file over 1 MB with exit 2, without reading them', async () => {
    const fifo = join(dir, 'config.fifo')
    execFileSync('mkfifo', [fifo])
    const pipe = await cli(['train', '--config', fifo])
    expect(pipe.code).toBe(2)
    expect(pipe.stderr).toContain(`${fifo}: not a regular file (a named pipe)`)
    const zero = await cli(['train', '--config', '/dev/zero'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('/dev/zero: not a regular file (a device)')
    const big = join(dir, 'big.json')
    writeFileSync(big, JSON.stringify({ ...base, pad: 'x'.repeat(1024 * 1024) }))
    for (const args of [['train', '--config', big], ['run', big, '--db', fresh('never')]]) {
      const refused = await cli(args)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/big\.json: 1,048,\d{3} bytes, more than the 1,048,576 a config file may have/)
    }
  })
})

describe('a damaged lab file or one bad row never locks the lab (D8, D13)', () => {
  it('names a negative schema version instead of failing inside the migration', async () => {
    const { db } = labWithRun()
    sql(db, 'PRAGMA user_version = -1')
    const runs = await cli(['runs', '--db', db])
    expect(runs.code).toBe(1)
    expect(runs.stderr).toContain(`${db} is damaged: its schema version (PRAGMA user_version) is -1`)
    expect(runs.stderr).not.toContain('Expected first argument')
  })

  it('lists a run whose stored config is not JSON with its fault, and the lab service starts and answers', async () => {
    const { db, runId } = labWithRun()
    const other = labWithRun(db).runId
    sql(db, 'UPDATE runs SET config = ?, final_metrics = ? WHERE id = ?', '{"seed": 1,', 'not json', runId)
    const runs = await cli(['runs', '--db', db])
    expect(runs.code).toBe(0)
    expect(runs.stdout).toMatch(new RegExp(`^\\s+${runId}\\s+completed .*the stored config is not JSON`, 'm'))
    expect(runs.stdout).toMatch(new RegExp(`^\\s+${other}\\s+completed`, 'm'))
    const lab = createLabService({ labPath: db, mode: 'browser' })
    try {
      const listed = unpackRunList(await lab.service.listRuns({}))
      expect(listed.map((r) => r.id)).toEqual([runId, other])
      expect(listed[0].error).toMatch(/the stored config is not JSON/)
      expect(await lab.service.listExperiments(undefined)).toEqual([])
    } finally {
      await lab.close()
    }
  })
})

describe('figure panels are measures the runs have (D13)', () => {
  it.each(['__proto__', 'constructor', 'toString', 'noSuchMeasure'])('--panels %s exits 2 naming it', async (panel) => {
    const { db, runId } = labWithRun()
    const out = join(dir, `panel-${counter}.svg`)
    const result = await cli(['figure', '--db', db, '--runs', String(runId), '--panels', panel, '--out', out])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`--panels: no run of this figure has measured '${panel}'; its runs have trainLoss`)
    expect(result.stderr).not.toMatch(/is not a function/)
  })

  it('an unknown command named after prototype machinery is an unknown command', async () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const result = await cli([name])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`unknown command '${name}'`)
    }
  })
})

describe('names are text (D9, D10)', () => {
  it('rename refuses control and text-direction characters, naming the code point', async () => {
    const { db, runId } = labWithRun()
    for (const [name, code] of [['\u001b]0;PWNED\u0007', 'U+001B'], ['abc\u202egnp.exe', 'U+202E'], ['nul\u0000byte', 'U+0000'], ['c1\u0085', 'U+0085'], ['iso\u2066late', 'U+2066']]) {
      const result = await cli(['rename', '--db', db, '--run', String(runId), name])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`a name cannot hold control or text-direction characters (found ${code}`)
    }
    const store = openStore(db, { mustExist: true })
    expect(store.getRun(runId)!.name).toBeNull()
    store.close()
  })

  it('fa-lab runs shows a stored escape sequence instead of sending it to the terminal', async () => {
    const { db, runId } = labWithRun()
    // as a lab written before names were checked holds it
    sql(db, 'UPDATE runs SET name = ? WHERE id = ?', '\u001b]0;PWNED\u0007 \u202eevil', runId)
    const runs = await cli(['runs', '--db', db])
    expect(runs.stdout).toContain('\\x1b]0;PWNED\\x07 \\u202eevil')
    expect(runs.stdout).not.toMatch(/[\u001b\u0007\u202e]/)
  })

  it('templates and variant names cannot put control characters into run names', () => {
    const { runs } = expandExperiment({ name: 'x', base, nameTemplate: 'a\u0007b\u202e {variant} {seed}', variants: [{ name: 'v', set: { seed: 2 } }] })
    expect(runs[0].name).toBe('ab v 2')
    expect(() => expandExperiment({ name: 'x', base, variants: [{ name: 'v\u001b[31m', set: { seed: 2 } }] })).toThrow(/variants\.0\.name: a name cannot hold control or text-direction characters \(found U\+001B/)
  })

  it('creation bounds names and descriptions and refuses control characters in them', () => {
    const fault = (input: unknown) => ExperimentConfig.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(fault({ name: 'x'.repeat(maxNameLength + 1), base })).toEqual([`name: a name has at most ${maxNameLength} characters`])
    expect(fault({ name: 'x', description: 'd'.repeat(maxDescriptionLength + 1), base })).toEqual(['description: a description has at most 10,000 characters'])
    expect(fault({ name: 'x', description: 'two\nlines\tand a tab', base })).toBeUndefined()
    expect(fault({ name: 'bell\u0007', base })?.[0]).toContain('found U+0007')
    expect(fault({ name: 'x', description: 'rlo\u202e', base })?.[0]).toContain('found U+202E')
    expect(() => expandExperiment({ name: 'x', base: { ...base, name: 'n'.repeat(1_000_000) } })).toThrow(/a name has at most 200 characters/)
  })

  it('CSV cells that a spreadsheet would run as a formula are quoted as text (OWASP)', () => {
    const csv = toCsv(['name', 'value'], [['=cmd|\' /C calc\'!A0', -1], ['+1', 2], ['-x', 3], ['@SUM(A1)', 4], ['plain', 5]])
    expect(csv.split('\n').slice(1, 6)).toEqual(["'=cmd|' /C calc'!A0,-1", "'+1,2", "'-x,3", "'@SUM(A1),4", 'plain,5'])
  })
})

describe('import enforces what the lab enforces at creation (D5)', () => {
  function exported(edit: (path: string, runId: number) => void, runs = 1): string {
    const source = fresh('source')
    const ids: number[] = []
    for (let i = 0; i < runs; i++) ids.push(labWithRun(source).runId)
    edit(source, ids[0])
    const out = join(dir, `export-${++counter}.falab`)
    const store = openStore(source, { mustExist: true })
    exportRuns(store, ids, out)
    store.close()
    return out
  }
  function refusal(file: string, limits = {}): string {
    const target = openStore(fresh('target'))
    try {
      importRuns(target, file, limits)
    } catch (error) {
      expect(target.listRuns()).toEqual([])
      return (error as Error).message
    } finally {
      target.close()
    }
    throw new Error('imported')
  }

  it('refuses long names, notes and descriptions, and control characters in names', () => {
    expect(refusal(exported((db, id) => sql(db, 'UPDATE runs SET name = ? WHERE id = ?', 'n'.repeat(20_000), id)))).toMatch(/run 1: its name is 20,000 characters long; the lab allows 200/)
    expect(refusal(exported((db, id) => sql(db, 'UPDATE runs SET note = ? WHERE id = ?', 'n'.repeat(100_001), id)))).toMatch(/run 1: its note is 100,001 characters long; the lab allows 100,000/)
    expect(refusal(exported((db, id) => sql(db, 'UPDATE runs SET name = ? WHERE id = ?', 'a\u001b[2Jb', id)))).toMatch(/run 1's name: a name cannot hold control or text-direction characters \(found U\+001B/)
  })

  it('refuses more runs than the run limit, and a series longer than a run may log', () => {
    expect(refusal(exported(() => {}, 3), { maxRuns: 2 })).toMatch(/it holds 3 runs; one import takes at most 2, the lab's run limit/)
    const long = exported((db, id) => {
      const steps = new Float64Array(1_000_003).map((_, i) => i)
      const blob = Buffer.from(steps.buffer)
      sql(db, 'INSERT INTO metric_chunks (run_id, name_id, first_step, steps, vals, walls) VALUES (?, 1, -1, ?, ?, ?)', id, blob, blob, blob)
    })
    expect(refusal(long)).toMatch(/measure 1 holds 1,000,00\d points; a run may store at most 1,000,002/)
  })
})

describe('long axis lists are refused before anything walks or copies them (D11)', () => {
  it('a grid of 5.2 million values: the start request and the expansion refuse it from its size', () => {
    const huge = { name: 'x', base, grid: { seed: new Array(5_200_000).fill(1) } }
    const request = requestSchemas.startExperiment.safeParse(huge)
    expect(request.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([`grid.seed: holds more than ${maxInputValues.toLocaleString('en-US')} values in all, far more than any config or experiment needs`])
    expect(() => expandExperiment(huge)).toThrow(/grid\.seed: holds more than 200,000 values in all/)
    // within the value bound, the run count is checked from the list lengths before the schema copies a list
    expect(() => expandExperiment({ name: 'x', base, grid: { seed: new Array(150_000).fill(1) } })).toThrow(/grid: expands to 150,000 runs, more than the limit of 10,000/)
  })
})

describe('metrics:series answers a long series in pages, or thinned (D5)', () => {
  /** A lab with one run whose trainLoss has 100,001 points, two of them outliers. */
  async function longSeriesLab(): Promise<{ lab: ReturnType<typeof createLabService>; runId: number; n: number }> {
    const db = fresh()
    const store = openStore(db)
    const [runId] = store.queueRuns([{ config: { ...base, steps: 100_000, evalEvery: 1 } }])
    const n = 100_001
    store.appendMetrics(runId, Array.from({ length: n }, (_, step) => ({ step, metrics: { trainLoss: step === 77_777 ? 50 : step === 33_333 ? -5 : Math.sin(step) }, wallTimeMs: step })))
    store.close()
    return { lab: createLabService({ labPath: db, mode: 'browser' }), runId, n }
  }

  it('thin: at most maxSeriesPoints points, keeping the first, the last and the extremes', async () => {
    const { lab, runId } = await longSeriesLab()
    try {
      const [series] = await lab.service.getMetricSeries({ runIds: [runId], name: 'trainLoss', thin: true })
      expect(series.steps.length).toBeLessThanOrEqual(maxSeriesPoints)
      expect(series.steps.length).toBe(series.values.length)
      expect(series.next).toBeNull()
      expect(series.steps[0]).toBe(0)
      expect(series.steps.at(-1)).toBe(100_000)
      expect(series.steps).toContain(77_777)
      expect(series.steps).toContain(33_333)
      expect(series.values[series.steps.indexOf(77_777)]).toBe(50)
      expect(series.wallTimesMs[series.steps.indexOf(33_333)]).toBe(33_333)
    } finally {
      await lab.close()
    }
  })

  it('pages: each at most maxSeriesPoints points, following next gives back every stored point in order; more runs, smaller pages', async () => {
    const { lab, runId, n } = await longSeriesLab()
    try {
      const steps: number[] = []
      const values: number[] = []
      let pages = 0
      for (let after: number | undefined; ; pages++) {
        const [page] = await lab.service.getMetricSeries({ runIds: [runId], name: 'trainLoss', after })
        expect(page.steps.length).toBeLessThanOrEqual(maxSeriesPoints)
        steps.push(...page.steps)
        values.push(...page.values)
        if (page.next === null) break
        expect(page.next).toBe(page.steps.at(-1))
        after = page.next
      }
      expect(pages + 1).toBe(Math.ceil(n / maxSeriesPoints))
      expect(steps).toEqual(Array.from({ length: n }, (_, step) => step))
      expect(values[77_777]).toBe(50)
      expect(values[33_333]).toBe(-5)
      expect(values[12_345]).toBe(Math.sin(12_345))
      // from any step: the points after it
      const [rest] = await lab.service.getMetricSeries({ runIds: [runId], name: 'trainLoss', after: 99_990.5 })
      expect(rest.steps).toEqual([99_991, 99_992, 99_993, 99_994, 99_995, 99_996, 99_997, 99_998, 99_999, 100_000])
      expect(rest.next).toBeNull()
      // a reply over many runs stays under maxSeriesReplyPoints: 500 runs take 4,000 points each
      const many = await lab.service.getMetricSeries({ runIds: Array.from({ length: maxSeriesRequestRuns }, () => runId), name: 'trainLoss' })
      expect(many.reduce((total, s) => total + s.steps.length, 0)).toBeLessThanOrEqual(maxSeriesReplyPoints)
      expect(many[0].steps).toHaveLength(maxSeriesReplyPoints / maxSeriesRequestRuns)
    } finally {
      await lab.close()
    }
  })

  it('the run page follows the pages: useLiveSeries holds the whole stored series, through the contract to the real service', async () => {
    const { lab, runId, n } = await longSeriesLab()
    try {
      const api = createLabApi((channel, argument) => dispatchTable(lab.service).get(channel)!(argument), () => () => {})
      const scope = effectScope()
      const live = scope.run(() => useLiveSeries(api, ref(runId)))!
      await vi.waitFor(() => expect(live.series.get('trainLoss')).toHaveLength(n), { timeout: 60_000 })
      const points = live.series.get('trainLoss')!
      expect(points[77_777]).toEqual([77_777, 50])
      expect(points.at(-1)![0]).toBe(100_000)
      scope.stop()
    } finally {
      await lab.close()
    }
  })
})
