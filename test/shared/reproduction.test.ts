import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { expandExperiment } from '../../src-shared/experiment'
import { getPath } from '../../src-shared/fields'
import { compareWithReference, ReferenceFile, reproductionExitCode, reproductionMarkdown } from '../../src-shared/reproduction'

const dir = new URL('../../resources/references/', import.meta.url)
const read = (file: string) => JSON.parse(readFileSync(new URL(file, dir), 'utf8'))

describe('the shipped reference files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  it('exist for the paper presets', () => {
    expect(files).toEqual(expect.arrayContaining(['song2021-width.json', 'song2021-mnist.json']))
  })
  for (const file of files)
    it(`${file} passes the schema, names its preset, and every cell is reachable by a run of the preset's full experiment`, () => {
      const reference = ReferenceFile.parse(read(file))
      expect(`${reference.preset}.json`).toBe(file)
      const preset = JSON.parse(readFileSync(new URL(`../presets/${file}`, dir), 'utf8'))
      const configs = expandExperiment(preset.full, { maxRuns: 100_000 }).runs.map((r) => r.config)
      const keyOf = (paths: string[], value: (path: string) => unknown) => JSON.stringify(paths.map(value))
      const reachable = new Map<string, Set<string>>()
      for (const cell of reference.cells) {
        const paths = Object.keys(cell.key)
        const id = paths.join()
        if (!reachable.has(id)) reachable.set(id, new Set(configs.map((c) => keyOf(paths, (p) => getPath(c, p)))))
        expect(reachable.get(id)!.has(keyOf(paths, (p) => cell.key[p])), JSON.stringify(cell.key)).toBe(true)
      }
    })

  it('song2021-width holds all 112 cells of Fig. 2, each of 50 runs, as the issue’s table', () => {
    const reference = ReferenceFile.parse(read('song2021-width.json'))
    expect(reference.cells).toHaveLength(4 * 4 * 7)
    expect(reference.cells.every((c) => c.n === 50 && c.measure === 'weightAlignment')).toBe(true)
    const cell = (activation: string, lambda: number, p: number) =>
      reference.cells.find((c) => c.key['model.activation'] === activation && c.key['regularization.outputL2'] === lambda && c.key['model.hidden'] === p)!
    // spot checks against the table of issue 23, which rounds to three decimals (the file keeps four)
    const near = (a: number | null, b: number) => expect(Math.abs(a! - b)).toBeLessThanOrEqual(0.0006)
    for (const [activation, lambda, p, mean, sd] of [
      ['linear', 0.2, 200, 0.79, 0.027],
      ['relu', 0, 200, 0.22, 0.051],
      ['tanh', 0.005, 800, 0.523, 0.025],
      ['sigmoid', 0.01, 12800, 0.642, 0.033],
    ] as const) {
      near(cell(activation, lambda, p).mean, mean)
      near(cell(activation, lambda, p).sd, sd)
    }
  })
})

describe('the schema refuses what it cannot compare', () => {
  const base = { preset: 'x', label: 'X et al.', sources: { a: { paper: 'X et al.' } }, cells: [{ key: { rule: 'fa' }, measure: 'testAccuracy', mean: 0.9, sd: 0.01, n: 3, source: 'a' }] }
  it('an unknown source, an unknown measure, a repeated cell', () => {
    expect(ReferenceFile.safeParse(base).success).toBe(true)
    const issues = (value: unknown) => ReferenceFile.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(issues({ ...base, cells: [{ ...base.cells[0], source: 'b' }] })).toEqual(["cells.0.source: 'b' is not one of sources (a)"])
    expect(issues({ ...base, cells: [{ ...base.cells[0], measure: 'accuracy' }] })).toEqual(["cells.0.measure: 'accuracy' is not a measure of src-shared/measures.ts"])
    expect(issues({ ...base, cells: [base.cells[0], base.cells[0]] })?.[0]).toMatch(/^cells\.1\.key: a second cell/)
    expect(issues({ ...base, cells: [{ ...base.cells[0], n: 0 }] })?.[0]).toMatch(/^cells\.0\.n/)
  })
})

describe('compareWithReference', () => {
  const reference = ReferenceFile.parse({
    preset: 'x',
    label: 'X et al.',
    sources: { a: { paper: 'X et al.', figure: 'Fig. 1' } },
    cells: [
      { key: { rule: 'fa' }, measure: 'testAccuracy', mean: 0.9, sd: 0.04, n: 4, source: 'a' },
      { key: { rule: 'bp' }, measure: 'testAccuracy', mean: 0.5, sd: null, n: 1, source: 'a' },
    ],
  })
  const run = (runId: number, rule: string, value: number, stopReason = 'converged') => ({ runId, config: { rule }, finalMetrics: { testAccuracy: value }, stopReason })

  it('mean, SD (n − 1), SE and z worked out by hand', () => {
    // fa: 0.8, 0.9, 1.0 → mean 0.9, SD 0.1, SE 0.1/√3; ref SE 0.04/2 = 0.02
    const report = compareWithReference(reference, [run(1, 'fa', 0.8), run(2, 'fa', 0.9, 'step-limit'), run(3, 'fa', 1.0), run(4, 'bp', 0.6), run(5, 'bp', 0.8)])
    const fa = report.cells.find((c) => c.key.rule === 'fa')!
    expect(fa.ours.mean).toBeCloseTo(0.9, 12)
    expect(fa.ours.sd).toBeCloseTo(0.1, 12)
    expect(fa.ours.se).toBeCloseTo(0.1 / Math.sqrt(3), 12)
    expect(fa.z).toBeCloseTo(0, 12)
    expect(fa.stepLimit).toBe(1)
    // bp: 0.6, 0.8 → mean 0.7, SD √0.02, SE 0.1; no published SD, so SE_ref = 0: z = 0.2 / 0.1
    const bp = report.cells.find((c) => c.key.rule === 'bp')!
    expect(bp.ours.sd).toBeCloseTo(Math.sqrt(0.02), 12)
    expect(bp.z).toBeCloseTo(2, 9)
    expect(bp.verdict).toBe('agrees')
    expect(report).toMatchObject({ agree: 2, total: 2, stepLimit: 1 })
    expect(reproductionExitCode(report)).toBe(0)
  })

  it('differs beyond 2 SE, too few runs below 2, differing first; only the cells some run falls in', () => {
    const report = compareWithReference(reference, [run(1, 'fa', 0.9), run(2, 'bp', 0.6), run(3, 'bp', 0.62), run(4, 'dfa', 0.1)])
    expect(report.cells.map((c) => [c.key.rule, c.verdict])).toEqual([
      ['bp', 'differs'],
      ['fa', 'too few runs'],
    ])
    // bp: mean 0.61, SD √0.0002, SE 0.01 → z = 0.11 / 0.01 = 11
    expect(report.cells[0].z).toBeCloseTo(11, 9)
    expect(report.cells[1]).toMatchObject({ z: null, ours: { n: 1, sd: null, se: null } })
    expect(reproductionExitCode(report)).toBe(1)
    expect(reproductionMarkdown(report)).toContain('0 of 2 cells agree')
  })

  it('leaves out runs without the measure', () => {
    const report = compareWithReference(reference, [{ runId: 1, config: { rule: 'fa' }, finalMetrics: null, stopReason: null }])
    expect(report.total).toBe(0)
    expect(reproductionExitCode(report)).toBe(1)
  })
})
