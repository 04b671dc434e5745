/**
 * Published numbers over a figure: referenceOverlay places a reference's cells on the lines that
 * hold their runs, and the figure builder draws them (hollow markers, ±2 SE bars, the citation in
 * the legend, rows in the data, the y axis fitted to the bars).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { compareSeries } from '../../src-shared/comparison'
import { drawFigure, palette } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import { measureConversion } from '../../src-shared/measures'
import { ReferenceFile, referenceOverlay } from '../../src-shared/reproduction'

/** Runs of a width sweep: activation × λ × p × 3 seeds, final cos(β, b) = value(activation, λ, p) + seed/1000. */
function sweepSeries(value: (activation: string, lambda: number, p: number) => number): RunSeries[] {
  const series: RunSeries[] = []
  let runId = 1
  for (const activation of ['linear', 'relu'])
    for (const lambda of [0, 0.2])
      for (const p of [200, 800])
        for (const seed of [1, 2, 3]) {
          const config = { seed, model: { activation, hidden: p }, regularization: { outputL2: lambda } }
          series.push({ runId: runId++, config, steps: [0, 1000], values: [0, value(activation, lambda, p) + seed / 1000], wallTimesMs: [0, 1] })
        }
  return series
}

const reference = ReferenceFile.parse({
  preset: 'width-test',
  label: 'Someone et al. 1999',
  sources: { fig: { paper: 'Someone et al. 1999', figure: 'Fig. 1' } },
  cells: [
    // in the figure: linear λ = 0.2 at both widths, relu λ = 0 at p = 200
    { key: { 'model.activation': 'linear', 'regularization.outputL2': 0.2, 'model.hidden': 200 }, measure: 'weightAlignment', mean: 0.79, sd: 0.03, n: 50, source: 'fig' },
    { key: { 'model.activation': 'linear', 'regularization.outputL2': 0.2, 'model.hidden': 800 }, measure: 'weightAlignment', mean: 0.75, sd: 0.04, n: 25, source: 'fig' },
    { key: { 'model.activation': 'relu', 'regularization.outputL2': 0, 'model.hidden': 200 }, measure: 'weightAlignment', mean: 1.5, sd: null, n: 10, source: 'fig' },
    // no run of these: left out
    { key: { 'model.activation': 'relu', 'regularization.outputL2': 0, 'model.hidden': 3200 }, measure: 'weightAlignment', mean: 0.02, sd: 0.01, n: 50, source: 'fig' },
    { key: { 'model.activation': 'tanh', 'regularization.outputL2': 0, 'model.hidden': 200 }, measure: 'weightAlignment', mean: 0.26, sd: 0.05, n: 50, source: 'fig' },
    { key: { 'model.activation': 'linear', 'regularization.outputL2': 0.2, 'model.hidden': 200 }, measure: 'trainLoss', mean: 0.1, sd: 0.01, n: 50, source: 'fig' },
  ],
})

const spec = FigureSpec.parse({ kind: 'sweep', runIds: Array.from({ length: 24 }, (_, i) => i + 1), measures: ['weightAlignment'], sweepField: 'model.hidden', splitBy: 'model.activation', groupBy: ['regularization.outputL2'], statistic: 'final', logX: true, reference: 'width-test' })
const series = { weightAlignment: sweepSeries((a, l) => (a === 'linear' ? 0.5 + l : 0.2)) }
const configs = new Map(series.weightAlignment.map((s) => [s.runId, s.config]))

describe('referenceOverlay', () => {
  it('puts each cell the runs fall in on its panel and line, at its width, with bars of ±2 published SE', () => {
    const comparison = compareSeries(spec, series)
    const overlay = referenceOverlay(reference, spec, comparison, configs)
    expect(overlay.label).toBe('Someone et al. 1999')
    const lambdaLine = (lambda: number) => comparison.groups.find((g) => g.label.includes(`${lambda}`) && g.runIds.some((id) => (configs.get(id) as { regularization: { outputL2: number } }).regularization.outputL2 === lambda))!.key
    expect(overlay.points).toEqual([
      { panel: 'weightAlignment|"linear"', group: lambdaLine(0.2), x: 200, mean: 0.79, lower: 0.79 - (2 * 0.03) / Math.sqrt(50), upper: 0.79 + (2 * 0.03) / Math.sqrt(50), n: 50 },
      { panel: 'weightAlignment|"linear"', group: lambdaLine(0.2), x: 800, mean: 0.75, lower: 0.75 - (2 * 0.04) / 5, upper: 0.75 + (2 * 0.04) / 5, n: 25 },
      // no published SD: a marker without a bar
      { panel: 'weightAlignment|"relu"', group: lambdaLine(0), x: 200, mean: 1.5, lower: 1.5, upper: 1.5, n: 10 },
    ])
  })

  it('on curves, at the end of the line whose runs fall in the cell', () => {
    const curves = FigureSpec.parse({ ...spec, kind: 'curves', splitBy: null, groupBy: ['model.activation', 'regularization.outputL2', 'model.hidden'] })
    const comparison = compareSeries(curves, series)
    const overlay = referenceOverlay(reference, curves, comparison, configs)
    expect(overlay.points.map((p) => [p.x, p.mean])).toEqual([
      [1000, 0.79],
      [1000, 0.75],
      [1000, 1.5],
    ])
    for (const p of overlay.points) expect(comparison.groups.find((g) => g.key === p.group)!.label).toMatch(p.mean === 1.5 ? /relu/ : /linear/)
  })
})

describe('a published accuracy over a test error panel', () => {
  it('biotorch-lenet: its accuracies (1 − BioTorch’s error) reach the testError panels as 1 − accuracy, by the testError measure’s own definition', () => {
    const lenet = ReferenceFile.parse(JSON.parse(readFileSync(new URL('../../resources/references/biotorch-lenet.json', import.meta.url), 'utf8')))
    expect(new Set(lenet.cells.map((c) => c.measure))).toEqual(new Set(['testAccuracy']))
    // the preset's figure: test error and per-layer alignment, split by dataset, a line per rule; runs' final test error 0.05
    const rules = ['bp', 'fa', 'kp']
    const runs = ['mnist', 'fashion-mnist'].flatMap((kind, d) => rules.map((rule, r): RunSeries => ({ runId: 1 + d * rules.length + r, config: { seed: 1, rule, data: { kind } }, steps: [0, 100], values: [0.9, 0.05], wallTimesMs: [0, 1] })))
    const lenetSpec = FigureSpec.parse({ runIds: runs.map((r) => r.runId), measures: ['testError', 'weightAlignment.1'], splitBy: 'data.kind', groupBy: ['rule'], reference: 'biotorch-lenet' })
    const comparison = compareSeries(lenetSpec, { testError: runs, 'weightAlignment.1': runs })
    const overlay = referenceOverlay(lenet, lenetSpec, comparison, new Map(runs.map((r) => [r.runId, r.config])))
    const published = (rule: string, kind: string) => lenet.cells.find((c) => c.key.rule === rule && c.key['data.kind'] === kind)
    const expected = ['mnist', 'fashion-mnist'].flatMap((kind) => rules.filter((rule) => published(rule, kind)).map((rule) => ({ panel: `testError|"${kind}"`, mean: 1 - published(rule, kind)!.mean })))
    expect(expected.length).toBeGreaterThanOrEqual(4)
    const byPanelAndMean = (a: { panel: string; mean: number }, b: { panel: string; mean: number }) => a.panel.localeCompare(b.panel) || a.mean - b.mean
    expect(overlay.points.map((p) => ({ panel: p.panel, mean: p.mean })).sort(byPanelAndMean)).toEqual(expected.sort(byPanelAndMean))
    // no published SD: the bar is the point, and the error is BioTorch's own (BP on MNIST: 0.91% wrong)
    for (const p of overlay.points) expect([p.lower, p.upper]).toEqual([p.mean, p.mean])
    expect(overlay.points.find((p) => p.panel === 'testError|"mnist"' && p.group === comparison.groups.find((g) => g.runIds.includes(1))!.key)!.mean).toBeCloseTo(1 - 0.9909, 12)
    // drawn: a series of published points on each testError panel, none on the alignment panels
    const figure = drawFigure(lenetSpec, { ...comparison, references: overlay })
    const ids = (figure.option.series as { id: string }[]).map((s) => s.id).filter((id) => id.startsWith('reference:'))
    expect(ids.sort()).toEqual(['reference:testError|"fashion-mnist"', 'reference:testError|"mnist"'])
  })

  it('converts only between a measure and its complement, by the registry', () => {
    expect(measureConversion('testAccuracy', 'testError')!(0.9)).toBeCloseTo(0.1, 15)
    expect(measureConversion('testError', 'testAccuracy')!(0.25)).toBe(0.75)
    expect(measureConversion('weightAlignment', 'weightAlignment')!(0.3)).toBe(0.3)
    expect(measureConversion('trainAccuracy', 'testError')).toBeNull()
    expect(measureConversion('testAccuracy', 'weightAlignment')).toBeNull()
  })
})

describe('the figure with published points', () => {
  const comparison = compareSeries(spec, series)
  const withPoints = { ...comparison, references: referenceOverlay(reference, spec, comparison, configs) }
  const plain = drawFigure(spec, comparison)
  const drawn = drawFigure(spec, withPoints)
  type Series = { id: string; name: string; type: string; data: number[][]; renderItem?: unknown }
  const seriesOf = (f: typeof drawn) => f.option.series as unknown as Series[]

  it('draws one series per panel named by the citation, each point in its line’s colour as a hollow circle with a bar', () => {
    expect(seriesOf(plain).some((s) => s.id.startsWith('reference:'))).toBe(false)
    const published = seriesOf(drawn).filter((s) => s.id.startsWith('reference:'))
    expect(published.map((s) => [s.id, s.name, s.data.length])).toEqual([
      ['reference:weightAlignment|"linear"', 'Someone et al. 1999', 2],
      ['reference:weightAlignment|"relu"', 'Someone et al. 1999', 1],
    ])
    // the drawn shapes, through a stand-in of ECharts' api that maps data to pixels as identity
    const render = published[0].renderItem as (params: { dataIndex: number }, api: { coord(p: number[]): number[] }) => { children: { type: string; shape: Record<string, number>; style: Record<string, unknown> }[] }
    const shapes = render({ dataIndex: 0 }, { coord: ([x, y]) => [x, y] }).children
    const circle = shapes.find((c) => c.type === 'circle')!
    const line = drawn.lines.findIndex((l) => l.label.includes('0.2'))
    expect(circle.style).toMatchObject({ fill: '#fff', stroke: palette[line] })
    const bar = shapes.find((c) => c.type === 'line' && c.shape.y1 !== c.shape.y2)!
    expect([bar.shape.y1, bar.shape.y2]).toEqual([0.79 - (2 * 0.03) / Math.sqrt(50), 0.79 + (2 * 0.03) / Math.sqrt(50)])
    expect(circle.shape.cy).toBe(0.79)
  })

  it('lists the citation in the legend with a hollow marker, after the lines', () => {
    const legendData = (f: typeof drawn) => (f.option.legend as { data: (string | { name: string; icon?: string })[] }[]).flatMap((l) => l.data)
    expect(legendData(plain).map((d) => (typeof d === 'string' ? d : d.name))).not.toContain('Someone et al. 1999')
    expect(legendData(drawn).at(-1)).toMatchObject({ name: 'Someone et al. 1999', icon: 'emptyCircle' })
    // one line and a reference still get a legend
    const one = FigureSpec.parse({ ...spec, runIds: spec.runIds.filter((id) => (configs.get(id) as { regularization: { outputL2: number } }).regularization.outputL2 === 0.2) })
    const c1 = compareSeries(one, series)
    expect(legendData(drawFigure(one, c1))).toEqual([])
    expect(legendData(drawFigure(one, { ...c1, references: referenceOverlay(reference, one, c1, configs) })).map((d) => (typeof d === 'string' ? d : d.name))).toContain('Someone et al. 1999')
  })

  it('adds the published numbers to the data, named by the line they are compared with', () => {
    const rows = drawn.data.rows.filter((r) => r[2] === 'Someone et al. 1999 (±2 SE)')
    expect(rows).toEqual([
      ['weightAlignment|"linear"', 'λ = 0.2', 'Someone et al. 1999 (±2 SE)', 200, 0.79, 0.79 - (2 * 0.03) / Math.sqrt(50), 0.79 + (2 * 0.03) / Math.sqrt(50), 50, 'ψ = linear'],
      ['weightAlignment|"linear"', 'λ = 0.2', 'Someone et al. 1999 (±2 SE)', 800, 0.75, 0.75 - 0.016, 0.75 + 0.016, 25, 'ψ = linear'],
      ['weightAlignment|"relu"', 'λ = 0', 'Someone et al. 1999 (±2 SE)', 200, 1.5, 1.5, 1.5, 10, 'ψ = relu'],
    ])
    expect(drawn.data.rows.length - rows.length).toBe(plain.data.rows.length)
  })

  it('fits the y axis to the published points: relu’s 1.5 lies above all of its runs (≈ 0.2)', () => {
    const yMax = (f: typeof drawn) => (f.option.yAxis as { max: number }[]).map((a) => a.max)
    expect(yMax(plain)[1]).toBeLessThan(1)
    expect(yMax(drawn)[1]).toBeGreaterThanOrEqual(1.5)
  })
})
