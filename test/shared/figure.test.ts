import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure, palette } from '../../src-shared/figure'
import { tickLabel } from '../../src-shared/figure-axes'
import { figureFileName, FigureSpec, isZoomed, zoomedSpec, type FigureSpecInput } from '../../src-shared/figure-spec'

const series = (runId: number, config: Record<string, unknown>, values: (step: number) => number, n = 301): RunSeries => {
  const steps = Array.from({ length: n }, (_, i) => i * 10)
  return { runId, config: { seed: 1, rule: 'fa', model: { kind: 'two-layer', hidden: 100 }, ...config }, steps, values: steps.map(values), wallTimesMs: steps.map((s) => s * (1 + runId / 10)) }
}
/** λ ∈ {0, 0.2} × seeds {1, 2}: runs 1–4. */
const lambdaRuns = [0, 0.2].flatMap((lambda, i) => [1, 2].map((seed, j) => series(1 + 2 * i + j, { seed, regularization: { outputL2: lambda } }, (s) => lambda + Math.sin(s / 700 + seed) / 10)))
const build = (input: Partial<FigureSpecInput>, runs = lambdaRuns, measures = ['weightAlignment']) =>
  buildFigure(FigureSpec.parse({ runIds: runs.map((r) => r.runId), measures, ...input }), Object.fromEntries(measures.map((m) => [m, runs])))
type Series = { id: string; name: string; type: string; data: number[][]; lineStyle?: { color: string } }
const seriesOf = (option: unknown) => (option as { series: Series[] }).series
const axes = (option: unknown, dim: 'xAxis' | 'yAxis') => (option as Record<string, { min: number; max: number; name: string; interval?: number }[]>)[dim]

describe('figure builder', () => {
  it('draws one line per run by default, named by what differs between the runs, with no band and no band in the axis title', () => {
    const figure = build({})
    expect(figure.lines.map((l) => l.label)).toEqual(['λ = 0, seed 1', 'λ = 0, seed 2', 'λ = 0.2, seed 1', 'λ = 0.2, seed 2'])
    expect(seriesOf(figure.option).filter((s) => s.type === 'custom')).toEqual([])
    expect(axes(figure.option, 'yAxis')[0].name).toBe('weight alignment cos(β, b)')
    expect(figure.warnings).toEqual([])
  })

  it('a single differing field titles the legend and its values name the lines', () => {
    const figure = build({}, [lambdaRuns[0], lambdaRuns[2]])
    expect(figure.lines.map((l) => l.label)).toEqual(['0', '0.2'])
    const titles = (figure.option.graphic as { elements: { style: { text: string } }[] }).elements.map((e) => e.style.text)
    expect(titles).toContain('λ')
  })

  it('a run the user renamed is called by its name in the per-run view; the others keep what differs', () => {
    const renamed = { ...lambdaRuns[2], name: 'strong feedback' }
    expect(build({}, [lambdaRuns[0], renamed]).lines.map((l) => l.label)).toEqual(['λ = 0', 'strong feedback'])
    // two runs given one name stay apart
    const twice = build({}, [{ ...lambdaRuns[0], name: 'same' }, { ...lambdaRuns[2], name: 'same' }])
    expect(twice.lines.map((l) => l.label)).toEqual(['same (run 1)', 'same (run 3)'])
    // a legend entry edited in the figure still wins, and grouping ignores run names
    expect(build({ labels: { entries: { 'run 3': 'edited' } } }, [lambdaRuns[0], renamed]).lines.map((l) => l.label)).toEqual(['λ = 0', 'edited'])
    expect(build({ groupBy: ['regularization.outputL2'] }, [lambdaRuns[0], renamed]).lines.map((l) => l.label)).toEqual(['0', '0.2'])
  })

  it('groups by a field: mean and band over the seeds, the band named on the axis; the data are the plotted numbers', () => {
    const figure = build({ groupBy: ['regularization.outputL2'], band: 'se', smoothing: 0.9, maxPoints: 100, size: { width: 6.75, height: 4, unit: 'in' } })
    expect(figure.lines.map((l) => [l.label, l.runIds])).toEqual([['0', [1, 2]], ['0.2', [3, 4]]])
    expect(axes(figure.option, 'yAxis')[0].name).toBe('weight alignment cos(β, b) (mean ±\u00a0SE)')
    const list = seriesOf(figure.option)
    for (const line of figure.lines) {
      const mean = list.find((s) => s.id === `line:weightAlignment:${line.key}`)!
      expect(mean.data.length).toBeLessThanOrEqual(100)
      const rows = figure.data.rows.filter((r) => r[1] === line.dataLabel && r[2] === 'smoothed mean')
      expect(rows.map((r) => [r[3], r[4]])).toEqual(mean.data)
      const band = list.find((s) => s.id === `band:weightAlignment:${line.key}`)!
      expect(band.data.map((d) => [d[0], d[1], d[2]])).toEqual(rows.map((r) => [r[3], r[5], r[6]]))
      // the unsmoothed mean is drawn faintly behind, and is in the data too
      expect(list.find((s) => s.id === `raw:weightAlignment:${line.key}`)!.data.length).toBe(figure.data.rows.filter((r) => r[1] === line.dataLabel && r[2] === 'unsmoothed').length)
    }
  })

  it('draws a band only for groups of two or more runs', () => {
    const figure = build({ groupBy: ['regularization.outputL2'], band: 'sd' }, lambdaRuns.slice(0, 3))
    const bands = seriesOf(figure.option).filter((s) => s.type === 'custom')
    expect(bands.map((s) => s.id)).toEqual(['band:weightAlignment:["0"]'])
    // smoothing never makes a band out of one run
    const one = build({ groupBy: ['regularization.outputL2'], band: 'sd', smoothing: 0.9 }, [lambdaRuns[0], lambdaRuns[2]])
    expect(seriesOf(one.option).filter((s) => s.type === 'custom')).toEqual([])
    expect(axes(one.option, 'yAxis')[0].name).not.toMatch(/SD/)
  })

  it('warns when a group mixes runs that differ in more than the seed and the grouping fields', () => {
    const mixed = [series(1, { seed: 1 }, () => 0.1), series(2, { seed: 2, model: { kind: 'mlp', hidden: [50, 50] } }, () => 0.2), series(3, { rule: 'bp' }, () => 0.3)]
    const figure = build({ groupBy: ['rule'] }, mixed)
    expect(figure.warnings).toEqual([{ label: 'learning rule FA', fields: ['model.hidden', 'model.kind'] }])
    expect(build({ groupBy: ['rule', 'model.hidden', 'model.kind'] }, mixed).warnings).toEqual([])
  })

  it('a field that moves with the x field or the panel field is no mix; one that differs at the same x in a panel is', () => {
    // song2021-width's shape: the teacher's width zipped with p (the x field), η set per activation (the panels)
    const run = (runId: number, hidden: number, activation: string, extra: Record<string, unknown> = {}) =>
      series(runId, { seed: runId, model: { kind: 'two-layer', hidden, activation }, data: { kind: 'synthetic', teacherWidth: hidden }, optimizer: { learningRate: activation === 'relu' ? 0.01 : 0.1 }, regularization: { outputL2: 0.2 }, ...extra }, () => 0.5)
    const linked = [run(1, 200, 'relu'), run(2, 200, 'relu'), run(3, 800, 'relu'), run(4, 200, 'tanh'), run(5, 800, 'tanh')]
    const sweep = { kind: 'sweep' as const, sweepField: 'model.hidden', groupBy: ['regularization.outputL2'], splitBy: 'model.activation', statistic: 'final' as const }
    expect(build(sweep, linked).warnings).toEqual([])
    // two runs at p = 200 under relu with different decay: their point averages unlike runs
    const unlike = [...linked.slice(0, 1), run(2, 200, 'relu', { regularization: { outputL2: 0.2, weightDecay: 0.01 } }), ...linked.slice(2)]
    expect(build(sweep, unlike).warnings).toEqual([{ label: 'λ = 0.2', fields: ['regularization.weightDecay'] }])
    // without the panels, η differs inside the group at the same p: a mix
    expect(build({ ...sweep, splitBy: undefined }, linked).warnings.map((w) => w.fields)).toEqual([['model.activation', 'optimizer.learningRate']])
  })

  it('keeps each line’s colour, dash and marker across panels; two panels share one legend', () => {
    const figure = build({ groupBy: ['regularization.outputL2'] }, lambdaRuns, ['weightAlignment', 'testAccuracy'])
    expect((figure.option.grid as unknown[]).length).toBe(2)
    expect((figure.option.legend as { data: string[] }[]).flatMap((l) => l.data)).toEqual(['0', '0.2'])
    const lines = seriesOf(figure.option).filter((s) => s.id.startsWith('line:'))
    expect(lines.map((s) => [s.id.split(':')[1], s.name, s.lineStyle!.color])).toEqual([
      ['weightAlignment', '0', palette[0]],
      ['weightAlignment', '0.2', palette[1]],
      ['testAccuracy', '0', palette[0]],
      ['testAccuracy', '0.2', palette[1]],
    ])
  })

  it('every line of a figure up to the legend’s limit has its own colour, dash and marker, and its legend entry draws it so', () => {
    // 1 to 20 runs, one line each (seeds 1 and 9 of a 12-run figure were alike in all three)
    for (let n = 1; n <= 20; n++) {
      const runs = Array.from({ length: n }, (_, i) => series(i + 1, { seed: i + 1 }, (s) => Math.sin(s / 500 + i) / 10, 31))
      const figure = build({}, runs)
      const drawn = (seriesOf(figure.option) as (Series & { symbol: string; lineStyle: { color: string; type: unknown } })[]).filter((s) => s.id.startsWith('line:'))
      expect(drawn.length).toBe(n)
      const looks = drawn.map((s) => JSON.stringify([s.lineStyle.color, s.lineStyle.type, s.symbol]))
      expect(new Set(looks).size).toBe(n)
      expect(drawn.map((s) => s.lineStyle.color)).toEqual(figure.lines.map((l) => l.color))
    }
  })

  it('panels on a shared axis draw the same ticks though their y labels differ in width, and a row’s plots are equally wide', () => {
    // Fig. 3 at single-column size: the left panel's long y title and negative labels leave it less room
    const steps = (values: (s: number) => number) => [0, 0.1, 0.3].map((lambda, i) => series(i + 1, { regularization: { outputL2: lambda } }, (s) => values(s) * (1 + lambda), 401))
    const runs = { signalAlignment: steps((s) => -0.1 + s / 12000), testAccuracy: steps((s) => 0.15 + s / 5500) }
    const tickValuesOf = (option: unknown, dim: 'xAxis' | 'yAxis') => (option as Record<string, { axisTick: { customValues: number[] } }[]>)[dim].map((a) => a.axisTick.customValues)
    const figureOf = (input: Partial<FigureSpecInput>) =>
      buildFigure(FigureSpec.parse({ runIds: [1, 2, 3], measures: ['signalAlignment', 'testAccuracy'], groupBy: ['regularization.outputL2'], size: { width: 3.25, height: 2.4, unit: 'in' }, fontSize: 8, ...input }), runs).option
    const [left, right] = tickValuesOf(figureOf({}), 'xAxis')
    expect(left.length).toBeGreaterThanOrEqual(2)
    expect(right).toEqual(left)
    const grids = figureOf({}).grid as { left: number; width: number }[]
    expect(grids[0].width).toBeCloseTo(grids[1].width, 6)
    // zoomed on x: still one tick set
    const [zl, zr] = tickValuesOf(figureOf({ xRange: { min: 30, max: 110 } }), 'xAxis')
    expect(zr).toEqual(zl)
    // y shared: one tick set too; not shared, each panel its own
    const [yl, yr] = tickValuesOf(figureOf({ sharedY: true }), 'yAxis')
    expect(yr).toEqual(yl)
    expect(tickValuesOf(figureOf({}), 'yAxis')[0]).not.toEqual(tickValuesOf(figureOf({}), 'yAxis')[1])
  })

  it('splits one measure into panels by a field', () => {
    const figure = build({ splitBy: 'regularization.outputL2' })
    expect(figure.panels.map((p) => p.title)).toEqual(['λ = 0', 'λ = 0.2'])
    expect(seriesOf(figure.option).filter((s) => s.id.startsWith('line:')).map((s) => s.id)).toEqual(['line:weightAlignment|0:run 1', 'line:weightAlignment|0:run 2', 'line:weightAlignment|0.2:run 3', 'line:weightAlignment|0.2:run 4'])
  })

  it('fits linear axes to the data, pins cosines to [−1, 1] on request, and takes a manual range', () => {
    const loss = [series(1, {}, (s) => 0.1 + 2 / (1 + s / 100))]
    const y = axes(build({}, loss, ['trainLoss']).option, 'yAxis')[0]
    expect(y.min).toBeGreaterThanOrEqual(0)
    expect(y.min).toBeLessThanOrEqual(0.1)
    expect(y.max).toBeGreaterThanOrEqual(2.1)
    expect(y.max).toBeLessThan(3)
    expect(axes(build({ pinCosine: true }).option, 'yAxis')[0]).toMatchObject({ min: -1, max: 1 })
    expect(axes(build({ yRange: { min: -0.5, max: 0.75 } }).option, 'yAxis')[0]).toMatchObject({ min: -0.5, max: 0.75 })
    const x = axes(build({}).option, 'xAxis')[0]
    expect([x.min, x.max]).toEqual([0, 3000])
  })

  it('a zoom becomes the manual range: every panel’s on shared axes, one panel’s on its own', () => {
    const spec = FigureSpec.parse({ runIds: [1, 2, 3, 4], measures: ['weightAlignment', 'testAccuracy'] })
    const runs = { weightAlignment: lambdaRuns, testAccuracy: lambdaRuns }
    const ranges = (s: FigureSpec, dim: 'xAxis' | 'yAxis') => axes(buildFigure(s, runs).option, dim).map((a) => [a.min, a.max])
    expect(isZoomed(spec)).toBe(false)
    // x is shared by default: both panels take the zoomed x; y is not: only the zoomed panel's y changes
    const zoomed = zoomedSpec(spec, 'testAccuracy', [1000.123456, 2000.98765], [0.05, 0.15])
    expect(zoomed.xRange).toEqual({ min: 1000, max: 2001 })
    expect(zoomed.zoom).toEqual({ testAccuracy: { x: { min: null, max: null }, y: { min: 0.05, max: 0.15 } } })
    expect(ranges(zoomed, 'xAxis')).toEqual([[1000, 2001], [1000, 2001]])
    const y = ranges(zoomed, 'yAxis')
    expect(y[1]).toEqual([0.05, 0.15])
    // a panel without its own y range refits y to the data inside the zoomed x range
    const early = ranges(zoomedSpec(spec, 'testAccuracy', [0, 200], null), 'yAxis')[0]
    const visible = lambdaRuns.flatMap((r) => r.values.filter((_, i) => r.steps[i] <= 200))
    expect(early[0]).toBeLessThanOrEqual(Math.min(...visible))
    expect(early[1]).toBeGreaterThanOrEqual(Math.max(...visible))
    expect(early[1] - early[0]).toBeLessThan(ranges(spec, 'yAxis')[0][1] - ranges(spec, 'yAxis')[0][0])
    expect(isZoomed(zoomed)).toBe(true)
    // ticks at round values, not counted from a bound between them
    const off = zoomedSpec(spec, 'testAccuracy', [1003, 1987], null)
    const ticks = (axes(buildFigure(off, runs).option, 'xAxis')[0] as unknown as { axisTick: { customValues: number[] } }).axisTick.customValues
    expect(ticks.length).toBeGreaterThanOrEqual(2)
    const interval = ticks[1] - ticks[0]
    for (const t of ticks) expect(Math.abs(t / interval - Math.round(t / interval))).toBeLessThan(1e-9)
    expect(ticks[0]).toBeGreaterThanOrEqual(1003)
    // with the same y range, a zoom of y sets every panel's
    const shared = zoomedSpec({ ...spec, sharedY: true }, 'testAccuracy', null, [0.05, 0.15])
    expect(shared.zoom).toEqual({})
    expect(ranges(shared, 'yAxis')).toEqual([[0.05, 0.15], [0.05, 0.15]])
    // unshared x: one panel's x only; the spec round-trips through JSON (the URL and saved comparisons)
    const own = zoomedSpec({ ...spec, sharedX: false }, 'weightAlignment', [500, 1500], null)
    expect(ranges(FigureSpec.parse(JSON.parse(JSON.stringify(own))), 'xAxis')).toEqual([[500, 1500], [0, 3000]])
  })

  it('fits log axes to whole decades around the data and labels them as powers of ten', () => {
    const loss = [series(1, {}, (s) => 3e-4 + 2 / (1 + s))]
    const figure = build({ logY: true, logX: true }, loss, ['trainLoss'])
    const y = axes(figure.option, 'yAxis')[0]
    // the smallest value 9.7·10⁻⁴ (step 3000), the largest 0.18 (step 10; step 0 has no place on a log x axis)
    expect([y.min, y.max]).toEqual([1e-4, 1])
    const x = axes(figure.option, 'xAxis')[0]
    expect([x.min, x.max]).toEqual([10, 1e4])
    expect(tickLabel(1e-3, { log: true, interval: 1, factor: 0 })).toBe('10⁻³')
    expect(tickLabel(1e10, { log: true, interval: 1, factor: 0 })).toBe('10¹⁰')
    // x ≤ 0 has no place on a log axis: step 0 is left out
    expect(seriesOf(figure.option).find((s) => s.id.startsWith('line:'))!.data[0][0]).toBe(10)
  })

  it('labels large linear ticks compactly with the power of ten in the axis title', () => {
    const long = [series(1, {}, () => 0.5, 3001)]
    const x = axes(build({}, long).option, 'xAxis')[0]
    expect(x.name).toBe('step (×10⁴)')
    expect(tickLabel(20000, { log: false, interval: 10000, factor: 4 })).toBe('2')
    expect(tickLabel(-0.25, { log: false, interval: 0.25, factor: 0 })).toBe('−0.25')
  })

  it('wall time with grouping: the group’s runs meet at their shared steps', () => {
    const figure = build({ groupBy: ['regularization.outputL2'], xAxis: 'wallTime' })
    expect(figure.data.rows.filter((r) => r[1] === 'λ = 0')).toHaveLength(301)
  })

  it('sweep: a measure at the end against a config field, error bars where a point has two runs', () => {
    const sweep = [100, 200].flatMap((hidden, i) => [1, 2].map((seed, j) => series(1 + 2 * i + j, { seed, model: { kind: 'two-layer', hidden } }, () => hidden / 1000 + seed / 100)))
    const perRun = build({ kind: 'sweep', sweepField: 'model.hidden' }, sweep)
    expect(perRun.lines.map((l) => l.label)).toEqual(['1', '2'])
    expect(seriesOf(perRun.option).filter((s) => s.type === 'custom')).toEqual([])
    const grouped = build({ kind: 'sweep', sweepField: 'model.hidden', groupBy: ['rule'], band: 'sd' }, sweep)
    expect(grouped.warnings).toEqual([])
    const bars = seriesOf(grouped.option).find((s) => s.type === 'custom')!
    expect(bars.data.map((d) => d[0])).toEqual([100, 200])
    expect(grouped.data.rows.map((r) => [r[3], r[7]])).toEqual([
      [100, 2],
      [200, 2],
    ])
    expect(grouped.data.rows.map((r) => r[4] as number)).toEqual([expect.closeTo(0.115, 12), expect.closeTo(0.215, 12)])
  })

  it('opens specs saved before panels and physical sizes', () => {
    const spec = FigureSpec.parse({ runIds: [1], measure: 'trainLoss', width: 640, height: 400 })
    expect(spec.measures).toEqual(['trainLoss'])
    expect(spec.size).toEqual({ width: 640, height: 400, unit: 'px' })
    expect(build({ size: { width: 640, height: 400, unit: 'px' } })).toMatchObject({ width: 480, height: 300 })
    expect(build({})).toMatchObject({ width: 234, height: 172.8 })
  })

  it('names files after the comparison and its panels', () => {
    expect(figureFileName({ name: 'Fig. 3 (song)', measures: ['signalAlignment', 'testAccuracy'], splitBy: null, kind: 'curves' }, 'pdf')).toBe('Fig.-3-song-signalAlignment-testAccuracy.pdf')
    expect(figureFileName({ name: '', measures: ['weightAlignment'], splitBy: 'model.hidden', kind: 'sweep' }, 'svg')).toBe('figure-weightAlignment-by-hidden-sweep.svg')
  })
})

describe('the line palette', () => {
  // WCAG 2's relative luminance and contrast ratio, and CIE76 ΔE in CIELAB (D65), by hand
  const channel = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  const rgb = (hex: string) => [1, 3, 5].map((i) => channel(parseInt(hex.slice(i, i + 2), 16) / 255))
  const luminance = (hex: string) => {
    const [r, g, b] = rgb(hex)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
  }
  const contrastOnWhite = (hex: string) => 1.05 / (luminance(hex) + 0.05)
  const lab = (hex: string) => {
    const [r, g, b] = rgb(hex)
    const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27) * t / 116 + 16 / 116)
    const [x, y, z] = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883].map(f)
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)]
  }

  it('every colour shows on white (contrast at least 3:1, WCAG’s bar for graphics) and stays apart from the others (ΔE ≥ 30)', () => {
    // the reference values: white on white is 1, black 21, Okabe & Ito's yellow (the old uSF line) 1.32
    expect(contrastOnWhite('#FFFFFF')).toBeCloseTo(1, 12)
    expect(contrastOnWhite('#000000')).toBeCloseTo(21, 12)
    expect(contrastOnWhite('#F0E442')).toBeCloseTo(1.32, 2)
    expect(palette).toHaveLength(8)
    for (const colour of palette) expect(contrastOnWhite(colour), colour).toBeGreaterThanOrEqual(3)
    for (const [i, a] of palette.entries())
      for (const b of palette.slice(i + 1)) {
        const [p, q] = [lab(a), lab(b)]
        expect(Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]), `${a} and ${b}`).toBeGreaterThanOrEqual(30)
      }
  })
})
