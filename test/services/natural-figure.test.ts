/**
 * A figure at and past the size of the paper's sweeps (issue 25 item 2, the auditor's defects 1, 2,
 * 3, 5 and 6): a choice of 10,050 runs (two sweeps side by side) opens on a whole figure, asked for
 * as ranges; more than a figure draws opens on the first of them and says how many there were; the
 * caption counts what is drawn; one run per line and lines grouped by the same fields agree; a
 * legend that summarises says so; the CSV names its band. Real SQLite, the lab written through the
 * store (scripts/bench/big-lab.ts).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { fillLab, type BigLabRun } from '../../scripts/bench/big-lab'
import { toCsv } from '../../src-shared/analysis'
import { compactSpec, comparisonCaption } from '../../src-shared/comparison'
import { drawFigure } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import { compareRuns, naturalFigure, renderFigure } from '../../src-main/services/figures'
import { openStore, type Store } from '../../src-main/store/store'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-natural-'))
const total = 10_050
let store: Store
let runs: BigLabRun[]
let experimentId: number

/** signalAlignment at three steps, a known function of the run's λ and rule. */
const value = (r: BigLabRun, k: number) => r.outputL2 + (r.rule === 'bp' ? 1 : 0) + 0.001 * k

beforeAll(() => {
  const path = join(dir, 'lab.sqlite')
  ;({ runs, experimentId } = fillLab(path, total))
  store = openStore(path)
  store.transaction(() => {
    for (const r of runs) store.appendMetrics(r.id, [1, 2, 3].map((k) => ({ step: 100 * k, metrics: { signalAlignment: value(r, k) }, wallTimeMs: k })))
  })
}, 120_000)

describe('a figure of more runs than one experiment of the lab', () => {
  it(`opens ${total.toLocaleString('en-US')} runs chosen as ranges on a whole figure, and its spec travels as one range`, async () => {
    const natural = await naturalFigure(store, { runs: `1-${total}` })
    expect(natural.runsAsked).toBe(total)
    expect(natural.spec.runIds).toHaveLength(total)
    expect(compactSpec(natural.spec).runIds).toBe(`1-${total}`)
    const reply = compareRuns(store, compactSpec(natural.spec))
    expect(reply.comparison.runCount).toBe(total)
    expect(comparisonCaption(reply.comparison, natural.spec)).toMatch(/^10,050 runs in \d+ groups/)
  })

  it('ranges past the lab name only the runs it has, matched without listing the ids', async () => {
    const natural = await naturalFigure(store, { runs: '1..999999999' })
    expect(natural.runsAsked).toBe(total)
    expect(natural.spec.runIds).toEqual(runs.map((r) => r.id))
  })

  it('more runs than a figure draws: the first of them, and how many were asked for (the experiment asked for by its id)', async () => {
    const natural = await naturalFigure(store, { experimentId }, 10_000)
    expect(natural.spec.runIds).toEqual(runs.slice(0, 10_000).map((r) => r.id))
    expect(natural.runsAsked).toBe(total)
  })
})

describe('what the figure says it draws', () => {
  it('a run without measurements makes no line and no legend entry, and the caption counts it apart', () => {
    const ids = [runs[0].id, runs[1].id]
    const started = store.queueRuns([{ config: { ...store.getRun(runs[2].id)!.config, name: 'never started' } }])[0]
    const spec = FigureSpec.parse({ runIds: [...ids, started], measures: ['signalAlignment'], groupBy: ['model.hidden'] })
    const { comparison } = compareRuns(store, spec)
    expect(comparison.groups.map((g) => g.runIds)).toEqual([[ids[0]], [ids[1]]])
    expect(comparison.emptyRunIds).toEqual([started])
    expect(comparisonCaption(comparison, spec)).toBe('2 of 3 runs, in 2 groups; 1 run has no measurements yet')
    // the legend names only series that exist (ECharts warned 'series not exists' on stderr)
    const figure = drawFigure(spec, comparison)
    const option = figure.option as { legend: { data: (string | { name: string })[] }[]; series: { name: string }[] }
    const named = option.legend.flatMap((l) => l.data.map((d) => (typeof d === 'string' ? d : d.name)))
    expect(named.length).toBeGreaterThan(0)
    for (const name of named) expect(option.series.map((s) => s.name)).toContain(name)
  })

  it('one line per run and lines grouped by the same fields come in one order, with one colour each', () => {
    // one seed: every group is one run, so the two views draw the same lines
    const oneSeed = runs.filter((r) => r.seed === 1).map((r) => r.id).slice(0, 20)
    const perRun = FigureSpec.parse({ runIds: oneSeed, measures: ['signalAlignment'], groupBy: [] })
    const grouped = FigureSpec.parse({ ...perRun, groupBy: ['rule', 'regularization.outputL2', 'model.hidden'] })
    const a = drawFigure(perRun, compareRuns(store, perRun).comparison)
    const b = drawFigure(grouped, compareRuns(store, grouped).comparison)
    expect(b.lines.map((l) => l.runIds)).toEqual(a.lines.map((l) => l.runIds))
    expect(b.lines.map((l) => l.color)).toEqual(a.lines.map((l) => l.color))
  })

  it('a legend that summarises many lines says so, and each entry how many lines it stands for', () => {
    const spec = FigureSpec.parse({ runIds: runs.slice(0, 400).map((r) => r.id), measures: ['signalAlignment'], groupBy: ['rule', 'regularization.outputL2', 'model.hidden'] })
    const { comparison } = compareRuns(store, spec)
    expect(comparison.groups).toHaveLength(80)
    expect(comparison.legend!.length).toBeLessThan(80)
    expect(comparisonCaption(comparison, spec)).toBe(`400 runs in 80 groups; the legend shows the 80 lines in ${comparison.legend!.length} entries, each entry's colour standing for all of its lines`)
    expect(comparison.legend!.reduce((n, e) => n + e.lines.length, 0)).toBe(80)
    for (const entry of comparison.legend!) expect(entry.label).toMatch(new RegExp(`\\(${entry.lines.length} lines, ${entry.runCount} runs\\)$`))
  })

  it("the CSV's band columns say which band they are", async () => {
    const ids = runs.slice(0, 160).map((r) => r.id)
    for (const [band, name] of [['sd', 'mean ± SD'], ['se', 'mean ± SE'], ['ci95', 'mean, 95% CI']] as const) {
      const { csv } = await renderFigure(store, { runIds: ids, measures: ['signalAlignment'], groupBy: ['rule'], band }, 'svg')
      // quoted where the band's name holds a comma, as CSV quotes any such field
      const quoted = (column: string) => (column.includes(',') ? `"${column}"` : column)
      expect(csv.split('\n')[0]).toBe(`panel,line,curve,step,value,${quoted(`lower (${name})`)},${quoted(`upper (${name})`)},runs,panel title`)
    }
    const { figure } = await renderFigure(store, { runIds: ids, measures: ['signalAlignment'], groupBy: ['rule'], band: 'none' }, 'svg')
    expect(toCsv(figure.data.header, []).split('\n')[0]).toBe('panel,line,curve,step,value,lower,upper,runs,panel title')
  })
})
