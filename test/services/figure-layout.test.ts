/**
 * Layout that never drops information (issue 25 item 4), over every registered measure × 1–6
 * panels × the journal size presets, drawn by the SVG renderer every export uses (the screen draws
 * the same option: test/e2e/compare.test.ts checks screen against SVG): every panel keeps at least
 * three labelled y ticks and a plot of readable height, and no text overlaps another or a plot.
 * Then the cases the issue saw: a 20-run legend at 3.25 in, log y over a panel with values ≤ 0.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure, minPlotHeight, minPlotWidth } from '../../src-shared/figure'
import { minXTicks, minYTicks, tickLabel } from '../../src-shared/figure-axes'
import { textWidth } from '../../src-shared/figure-text'
import { FigureSpec, sizePresets, type FigureSpecInput } from '../../src-shared/figure-spec'
import { measureName, measureSpecs, type MeasureRange } from '../../src-shared/measures'
import { figureSnapshot, type FigureSnapshot, type TextBox } from '../../src-renderer/src/charts/figure-snapshot'
import { renderSvg } from '../../src-main/services/figures'

const steps = Array.from({ length: 21 }, (_, k) => k * 500)

/** A curve in a measure's natural range: decades of decay for log measures, a rise inside bounded ones, a small one near its top for accuracies. */
function curve(range: MeasureRange, panel: number, seed: number): number[] {
  return steps.map((s, k) => {
    const t = 1 - Math.exp(-s / 2500)
    const wiggle = Math.sin(k / 3 + seed) * 0.002
    if (range.log) return 2 * 10 ** (-2 * t - panel * 0.3) * (1 + seed * 0.05)
    if (range.min === -1 && range.max === 1) return -0.1 + (0.3 + 0.1 * panel) * t + wiggle
    if (range.max === 1) return 0.97 + 0.015 * t + 0.001 * panel + wiggle // accuracies near the top: the single tick '0'
    return (range.min ?? 0) + (1 + panel) * (0.5 + 2 * t) + wiggle
  })
}

/** Runs of one measure: two seeds at each of `panels` values of λ, so splitting by λ gives that many panels. */
function runsOf(measure: string, range: MeasureRange, panels: number, xs = steps): RunSeries[] {
  return Array.from({ length: panels }, (_, p) =>
    [1, 2].map((seed): RunSeries => ({ runId: 1 + p * 2 + seed - 1, config: { seed, rule: 'fa', regularization: { outputL2: p / 10 } }, steps: xs, values: curve(range, p, seed), wallTimesMs: xs })),
  ).flat()
}

const round3 = (v: number) => Math.round(v * 1000) / 1000

const intersects = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

function drawn(input: FigureSpecInput, series: Record<string, RunSeries[]>) {
  const spec = FigureSpec.parse(input)
  const figure = buildFigure(spec, series)
  let snapshot: FigureSnapshot | null = null
  const svg = renderSvg(figure, spec, (chart) => (snapshot = figureSnapshot(chart)))
  return { spec, figure, svg, snapshot: snapshot! }
}

/** Every y axis has minYTicks labelled ticks: each tick's label drawn left of its plot, level with the tick. */
function expectLabelledYTicks(snapshot: FigureSnapshot, label: string): void {
  for (const axis of snapshot.axes.filter((a) => a.dim === 'y')) {
    const grid = snapshot.grids[axis.index]
    expect(axis.ticks.length, `${label}: y ticks ${axis.ticks} of panel ${axis.index}`).toBeGreaterThanOrEqual(minYTicks)
    const labels = snapshot.texts.filter((t) => t.x + t.width <= grid.x && t.y + t.height >= grid.y - 8 && t.y <= grid.y + grid.height + 8 && t.x >= grid.x - 60)
    // as many distinct labels beside the plot as ticks (labels never repeat on one axis)
    const tickTexts = new Set(labels.map((t) => t.text))
    expect(tickTexts.size, `${label}: labels ${[...tickTexts]} for ticks ${axis.ticks} of panel ${axis.index}`).toBeGreaterThanOrEqual(axis.ticks.length)
  }
}

/** Every x axis has minXTicks labelled ticks: as many distinct labels under its plot as ticks. */
function expectLabelledXTicks(snapshot: FigureSnapshot, label: string): void {
  for (const axis of snapshot.axes.filter((a) => a.dim === 'x')) {
    const grid = snapshot.grids[axis.index]
    expect(axis.ticks.length, `${label}: x ticks ${axis.ticks} of panel ${axis.index}`).toBeGreaterThanOrEqual(minXTicks)
    const labels = snapshot.texts.filter((t) => t.y >= grid.y + grid.height && t.y <= grid.y + grid.height + 20 && t.x + t.width >= grid.x - 30 && t.x <= grid.x + grid.width + 30)
    const tickTexts = new Set(labels.map((t) => t.text))
    expect(tickTexts.size, `${label}: labels ${[...tickTexts]} for x ticks ${axis.ticks} of panel ${axis.index}`).toBeGreaterThanOrEqual(axis.ticks.length)
  }
}

/**
 * Every y title wraps only between whole expressions (a line never opens a bracket it does not
 * close: single-column Fig. 3 showed 'cos(e b, e' over 'β)'), and each line fits its plot's height
 * in the font it is drawn in.
 */
function expectWholeYTitles(figure: ReturnType<typeof buildFigure>, snapshot: FigureSnapshot, label: string): void {
  const faults: string[] = []
  ;(figure.option.yAxis as { name: string; nameTextStyle: { fontSize: number; fontFamily: string } }[]).forEach((axis, i) => {
    const lines = axis.name.split('\n')
    for (const line of lines) {
      let depth = 0
      for (const ch of line) if ((depth += ch === '(' ? 1 : ch === ')' ? -1 : 0) < 0) break
      if (depth !== 0) faults.push(`panel ${i}: '${line}' splits a bracket of '${lines.join(' ')}'`)
      const width = textWidth(line, axis.nameTextStyle.fontSize, axis.nameTextStyle.fontFamily)
      if (width > snapshot.grids[i].height + 1e-6) faults.push(`panel ${i}: '${line}' (${width.toFixed(1)} pt) is taller than its plot (${snapshot.grids[i].height} pt)`)
    }
    if (axis.nameTextStyle.fontSize < 8 * 0.75 - 1e-9) faults.push(`panel ${i}: y title in ${axis.nameTextStyle.fontSize} pt`)
    if (lines.length > 3) faults.push(`panel ${i}: y title on ${lines.length} lines: ${lines.join(' / ')}`)
  })
  expect(faults, label).toEqual([])
}

function expectNoOverlaps(texts: TextBox[], grids: FigureSnapshot['grids'], width: number, height: number, label: string): void {
  // plain checks collected, one expect: a million expect calls would make this file slow
  const faults: string[] = []
  for (const [i, a] of texts.entries()) {
    if (a.x < -1e-6 || a.y < -1e-6 || a.x + a.width > width + 1e-6 || a.y + a.height > height + 1e-6) faults.push(`'${a.text}' outside the figure`)
    for (const b of texts.slice(i + 1)) if (intersects(a, b)) faults.push(`'${a.text}' overlaps '${b.text}'`)
    for (const g of grids) if (intersects(a, g)) faults.push(`'${a.text}' crosses a plot`)
  }
  expect(faults, label).toEqual([])
}

describe('figure layout over every measure, 1–6 panels and the size presets', () => {
  const measures = measureSpecs().map((m) => ({ name: m.layers === 'none' ? m.name : measureName(m.name, 1, false), range: m.range }))

  it('every panel keeps at least three labelled y ticks and three labelled x ticks and a readable plot; no text overlaps', () => {
    expect(measures.length).toBeGreaterThan(10)
    let figures = 0
    let stacked = 0
    for (const { name, range } of measures)
      for (let panels = 1; panels <= 6; panels++)
        for (const [preset, size] of Object.entries(sizePresets)) {
          const runs = runsOf(name, range, panels)
          const label = `${name} × ${panels} panels at ${preset} (${size.width} × ${size.height} in)`
          const { figure, snapshot } = drawn({ runIds: runs.map((r) => r.runId), measures: [name], splitBy: panels > 1 ? 'regularization.outputL2' : null, groupBy: ['regularization.outputL2'], size }, { [name]: runs })
          expect(snapshot.grids, label).toHaveLength(panels)
          expectLabelledYTicks(snapshot, label)
          expectLabelledXTicks(snapshot, label)
          expectWholeYTitles(figure, snapshot, label)
          // ECharts draws each plot where the builder put it (ECharts 6 shrank plots whose names it moved)
          expect(snapshot.grids, label).toEqual((figure.option.grid as { left: number; top: number; width: number; height: number }[]).map((g) => ({ x: round3(g.left), y: round3(g.top), width: round3(g.width), height: round3(g.height) })))
          // panels stacked into fewer columns than their number takes: the figure says so, and says it grew
          // plots line up: one left edge per column of panels
          const columns = new Set(snapshot.grids.map((g) => g.x)).size
          expect(columns, `${label}: left edges`).toBeLessThanOrEqual(Math.min(panels, 3))
          const automatic = panels <= 3 ? panels : Math.ceil(Math.sqrt(panels))
          if (columns < automatic) expect(figure.notes, label).toContain(`${panels} panels in ${columns} column${columns === 1 ? '' : 's'} instead of ${automatic}, so that each plot keeps a readable width and three labelled x ticks`)
          else expect(figure.notes.join(' '), label).not.toMatch(/column/)
          if (figure.height > size.height * 72 + 1e-6) expect(figure.notes.join(' '), label).toMatch(/tall instead of/)
          stacked += columns < automatic ? 1 : 0
          expect(Math.min(...snapshot.grids.map((g) => g.height)), `${label}: plot height`).toBeGreaterThanOrEqual(minPlotHeight(8) - 1e-6)
          expect(Math.min(...snapshot.grids.map((g) => g.width)), `${label}: plot width`).toBeGreaterThanOrEqual(minPlotWidth(8) - 1e-6)
          expectNoOverlaps(snapshot.texts, snapshot.grids, figure.width, figure.height, label)
          figures++
        }
    expect(figures).toBe(measures.length * 6 * 2)
    // the four-panel small multiple at 3.25 in among them (Compare's, stacked to one column)
    expect(stacked).toBeGreaterThan(0)
  })

  it('log x, and linear x over a quick preset’s steps: every x axis keeps three labelled ticks, as over 10,000 steps', () => {
    // one measure of each kind of range; on log x steps 500…10,000 (powers 10², 10³, 10⁴), steps 1…21
    // (10⁰ 10¹ 10²), steps 2…12 (10⁰ to 10², the data in little more than a decade) and 200…4,000; on
    // linear x, 200…4,000 (labels 0 2000 4000 that did not fit side by side in a small panel) and 1…21
    const kinds = ['trainLoss', 'testAccuracy', 'weightAlignment', 'norm.W1']
    const quick = Array.from({ length: 21 }, (_, k) => 200 + k * 190)
    const few = Array.from({ length: 21 }, (_, k) => k + 1)
    const cases = [...[steps, few, Array.from({ length: 21 }, (_, k) => 2 + k / 2), quick].map((xs) => ({ xs, logX: true })), { xs: quick, logX: false }, { xs: few, logX: false }]
    let figures = 0
    for (const name of kinds)
      for (const { xs, logX } of cases)
        for (let panels = 1; panels <= 6; panels++)
          for (const [preset, size] of Object.entries(sizePresets)) {
            const { range } = measures.find((m) => m.name === name)!
            const runs = runsOf(name, range, panels, xs)
            const label = `${logX ? 'log' : 'linear'} x ${xs[0]}…${xs.at(-1)}: ${name} × ${panels} panels at ${preset}`
            const { figure, snapshot } = drawn({ runIds: runs.map((r) => r.runId), measures: [name], splitBy: panels > 1 ? 'regularization.outputL2' : null, groupBy: ['regularization.outputL2'], logX, size }, { [name]: runs })
            expect((figure.option.xAxis as { type: string }[]).every((a) => a.type === (logX ? 'log' : 'value')), label).toBe(true)
            expectLabelledXTicks(snapshot, label)
            expectLabelledYTicks(snapshot, label)
            expectNoOverlaps(snapshot.texts, snapshot.grids, figure.width, figure.height, label)
            figures++
          }
    expect(figures).toBe(kinds.length * cases.length * 6 * 2)
  })

  it('a panel without data does not stretch the shared x range (log x went down to 10⁻¹, an empty panel’s default)', () => {
    const runs = runsOf('testAccuracy', { min: 0, max: 1 }, 1)
    const { snapshot } = drawn({ runIds: runs.map((r) => r.runId), measures: ['testAccuracy', 'trainLoss'], groupBy: ['regularization.outputL2'], logX: true, size: sizePresets.double }, { testAccuracy: runs, trainLoss: [] })
    expect(snapshot.axes.filter((a) => a.dim === 'x').map((a) => [a.min, a.max])).toEqual([[100, 10000], [100, 10000]])
  })

  it('the y ticks a panel labels are the ones the axis draws (tick labels written once)', () => {
    // accuracy between 0.97 and 0.99 in four panels at 3.25 in: the panels showed one tick, '0'
    const runs = runsOf('testAccuracy', { min: 0, max: 1 }, 4)
    const { snapshot, figure } = drawn({ runIds: runs.map((r) => r.runId), measures: ['testAccuracy'], splitBy: 'regularization.outputL2', groupBy: ['regularization.outputL2'], size: sizePresets.single }, { testAccuracy: runs })
    const yAxes = (figure.option.yAxis as { axisLabel: { formatter: (v: number) => string } }[]).map((a) => a.axisLabel.formatter)
    for (const axis of snapshot.axes.filter((a) => a.dim === 'y')) {
      const texts = new Set(snapshot.texts.map((t) => t.text))
      for (const t of axis.ticks) expect(texts.has(yAxes[axis.index](t)), `${t} on panel ${axis.index}`).toBe(true)
      expect(axis.ticks.length).toBeGreaterThanOrEqual(3)
      expect(new Set(axis.ticks.map((t) => yAxes[axis.index](t))).size).toBe(axis.ticks.length)
    }
  })
})

describe('y titles', () => {
  it('single-column Fig. 3 (song2021-mnist’s figure at 3.25 in) keeps cos(e b, e β) whole on one line', async () => {
    const preset = JSON.parse(readFileSync(new URL('../../resources/presets/song2021-mnist.json', import.meta.url), 'utf8')) as { figure: { spec: FigureSpecInput } }
    const runs = [0, 0.1, 0.3].flatMap((l, i) =>
      [1, 2].map((seed): RunSeries => ({ runId: 1 + i * 2 + seed - 1, config: { seed, rule: 'fa', regularization: { outputL2: l } }, steps, values: curve({ min: -1, max: 1 }, i, seed), wallTimesMs: steps })),
    )
    const accuracy = runs.map((r, i) => ({ ...r, values: curve({ min: 0, max: 1 }, i % 3, i) }))
    const { figure, snapshot } = drawn({ ...preset.figure.spec, runIds: runs.map((r) => r.runId), size: sizePresets.single }, { signalAlignment: runs, testAccuracy: accuracy })
    const names = (figure.option.yAxis as { name: string }[]).map((a) => a.name.split('\n'))
    expect(names[0].some((line) => line.includes('cos(e b, e β)')), names[0].join(' / ')).toBe(true)
    expectWholeYTitles(figure, snapshot, 'Fig. 3 at 3.25 in')
    expectNoOverlaps(snapshot.texts, snapshot.grids, figure.width, figure.height, 'Fig. 3 at 3.25 in')
  })
})

describe('panel titles', () => {
  it('a long title in the last column stays inside the figure (biotorch-lenet: 3 measures × 2 datasets at 6.75 in)', () => {
    const measures = ['testError', 'weightAlignment.1', 'weightAlignment.2']
    const runs = ['fashion-mnist', 'mnist'].flatMap((kind, d) =>
      [1, 2].map((seed): RunSeries => ({ runId: 1 + 2 * d + seed - 1, config: { seed, rule: 'fa', data: { kind } }, steps, values: curve({ min: -1, max: 1 }, d, seed), wallTimesMs: steps })),
    )
    const { figure, snapshot } = drawn({ runIds: runs.map((r) => r.runId), measures, splitBy: 'data.kind', groupBy: ['rule'], columns: 3, size: { width: 6.75, height: 4.2, unit: 'in' } }, Object.fromEntries(measures.map((m) => [m, runs])))
    expect(snapshot.grids).toHaveLength(6)
    expectNoOverlaps(snapshot.texts, snapshot.grids, figure.width, figure.height, 'lenet figure')
  })

  it('biotorch-lenet’s eight rules grouped by rule and magnitudes: the legend says BP, FA, uSF, frSF, brSF…, the exports every field', () => {
    const measures = ['testError', 'weightAlignment.1', 'weightAlignment.2']
    const rules: [string, string][] = [['bp', 'unit'], ['fa', 'unit'], ['kp', 'unit'], ['dfa', 'unit'], ['drtp', 'unit'], ['sign', 'unit'], ['sign', 'random'], ['sign', 'batchwise']]
    const runs = ['fashion-mnist', 'mnist'].flatMap((kind, d) =>
      rules.map(([rule, feedbackMagnitude], r): RunSeries => ({ runId: 1 + d * rules.length + r, config: { seed: 1, rule, feedbackMagnitude, data: { kind } }, steps, values: curve({ min: -1, max: 1 }, d, r), wallTimesMs: steps })),
    )
    const { figure, snapshot } = drawn({ runIds: runs.map((r) => r.runId), measures, splitBy: 'data.kind', groupBy: ['rule', 'feedbackMagnitude'], columns: 3, size: { width: 6.75, height: 4.2, unit: 'in' } }, Object.fromEntries(measures.map((m) => [m, runs])))
    expect(figure.lines.map((l) => l.label).sort()).toEqual(['BP', 'DFA', 'DRTP', 'FA', 'KP', 'brSF', 'frSF', 'uSF'])
    expect(figure.lines.find((l) => l.label === 'frSF')!.dataLabel).toBe('learning rule sign-symmetry, sign feedback magnitudes frSF')
    expect(figure.lines.find((l) => l.label === 'FA')!.dataLabel).toBe('learning rule FA, sign feedback magnitudes unit')
    for (const label of ['BP', 'frSF', 'brSF']) expect(snapshot.texts.some((t) => t.text === label), `legend entry ${label} drawn`).toBe(true)
    expectNoOverlaps(snapshot.texts, snapshot.grids, figure.width, figure.height, 'lenet figure, eight rules')
  })
})

describe('stacked panels', () => {
  it('four measures at 3.25 in (Compare’s small multiple): one column, said in a note, plots on one left edge, y titles on at most three lines', () => {
    const measures = ['signalAlignment', 'disentangledAlignment', 'driftG', 'gradientAlignment.1']
    const runs = runsOf('weightAlignment', { min: -1, max: 1 }, 2)
    const { figure, snapshot } = drawn({ runIds: runs.map((r) => r.runId), measures, groupBy: ['regularization.outputL2'], size: sizePresets.single }, Object.fromEntries(measures.map((m) => [m, runs])))
    expect(snapshot.grids).toHaveLength(4)
    expect(figure.notes).toContain('4 panels in 1 column instead of 2, so that each plot keeps a readable width and three labelled x ticks')
    expect(figure.notes.join(' ')).toMatch(/in tall instead of 2.4 in, so that the plots keep a readable height beside a legend of 2 entries and 4 panels/)
    expect(new Set(snapshot.grids.map((g) => g.x)).size, 'left edges').toBe(1)
    expect(new Set(snapshot.grids.map((g) => g.width)).size, 'widths').toBe(1)
    expectWholeYTitles(figure, snapshot, 'four measures at 3.25 in')
    expectNoOverlaps(snapshot.texts, snapshot.grids, figure.width, figure.height, 'four measures at 3.25 in')
  })
})

describe('panels of one measure share their y range', () => {
  it('biotorch-lenet: a layer’s alignment on both datasets is drawn on one y range, test error too; a zoomed panel keeps its own', () => {
    const measures = ['testError', 'weightAlignment.1', 'weightAlignment.2']
    // Fashion-MNIST's alignments reach 1.0, MNIST's stay under 0.8 (the lenet figure's 0-1.0 beside 0-0.8 axes)
    const runs = ['fashion-mnist', 'mnist'].flatMap((kind, d) =>
      ['bp', 'fa'].map((rule, r): RunSeries => ({ runId: 1 + 2 * d + r, config: { seed: 1, rule, data: { kind } }, steps, values: steps.map((s) => (d === 0 ? 1 : 0.75) * (1 - Math.exp(-s / 3000)) * (r ? 0.9 : 1)), wallTimesMs: steps })),
    )
    const spec = { runIds: runs.map((r) => r.runId), measures, splitBy: 'data.kind', groupBy: ['rule'], columns: 3, size: { width: 6.75, height: 4.2, unit: 'in' as const } }
    const { snapshot, figure } = drawn(spec, Object.fromEntries(measures.map((m) => [m, runs])))
    const keys = figure.panels.map((p) => p.key)
    const yOf = (key: string) => snapshot.axes.find((a) => a.dim === 'y' && a.index === keys.indexOf(key))!
    for (const measure of measures) {
      const [fashion, mnist] = [yOf(`${measure}|"fashion-mnist"`), yOf(`${measure}|"mnist"`)]
      expect([mnist.min, mnist.max, mnist.ticks], measure).toEqual([fashion.min, fashion.max, fashion.ticks])
    }
    expect(yOf('weightAlignment.1|"mnist"').max).toBe(1)
    // different measures keep their own ranges, and a panel zoomed on its own keeps its zoom
    const zoomed = drawn({ ...spec, zoom: { 'weightAlignment.1|"mnist"': { y: { min: 0.2, max: 0.6 } } } }, Object.fromEntries(measures.map((m) => [m, runs])))
    const zoomedY = (key: string) => zoomed.snapshot.axes.find((a) => a.dim === 'y' && a.index === keys.indexOf(key))!
    expect([zoomedY('weightAlignment.1|"mnist"').min, zoomedY('weightAlignment.1|"mnist"').max]).toEqual([0.2, 0.6])
    expect(zoomedY('weightAlignment.1|"fashion-mnist"').max).toBe(1)
  })
})

describe('a legend never squashes the plot', () => {
  it('20 runs at 3.25 × 2.4 in: the figure grows taller instead, keeps the plot as tall as beside a one-row legend, and says so', () => {
    const runs = Array.from({ length: 20 }, (_, i): RunSeries => ({ runId: i + 1, config: { seed: 1 + (i % 5), rule: 'fa', regularization: { outputL2: [0, 0.01, 0.1, 1][Math.floor(i / 5)] } }, steps, values: steps.map((s) => 0.1 * i + s / 20000), wallTimesMs: steps }))
    const one = drawn({ runIds: [1, 2], measures: ['weightAlignment'], size: sizePresets.single }, { weightAlignment: runs.slice(0, 2) })
    const twenty = drawn({ runIds: runs.map((r) => r.runId), measures: ['weightAlignment'], size: sizePresets.single }, { weightAlignment: runs })
    expect(twenty.figure.lines).toHaveLength(20)
    expect(twenty.figure.width).toBe(one.figure.width)
    expect(twenty.figure.height).toBeGreaterThan(one.figure.height)
    // the plot keeps most of the height it has beside a legend of one row (the legend may take a
    // fifth of the height asked before the figure grows)
    expect(twenty.snapshot.grids[0].height).toBeGreaterThanOrEqual(one.snapshot.grids[0].height * 0.8)
    expect(twenty.figure.notes.join(' ')).toMatch(/tall instead of 2.4 in, so that the plots keep a readable height beside a legend of 20 entries/)
    // every entry is drawn, none over another or over the plot
    for (const line of twenty.figure.lines) expect(twenty.snapshot.texts.some((t) => t.text === line.label), line.label).toBe(true)
    expectNoOverlaps(twenty.snapshot.texts, twenty.snapshot.grids, twenty.figure.width, twenty.figure.height, '20 runs')
    // the SVG says its grown size
    expect(twenty.svg).toMatch(new RegExp(`^<svg width="3.25in" height="${Number((twenty.figure.height / 72).toFixed(3))}in"`))
    expect(one.svg).toMatch(/^<svg width="3.25in" height="2.4in"/)
    expect(one.figure.notes).toEqual([])
  })
})

describe('a legend never clips an entry', () => {
  it('entries wider than a single-column figure (a mixed selection’s labels of many fields) wrap at their spaces, inside the figure, each whole', () => {
    const runs = [1, 2, 3].map((i): RunSeries => ({ runId: i, config: { seed: i, rule: 'fa' }, steps, values: steps.map((s) => 0.1 * i + s / 20000), wallTimesMs: steps }))
    const long = (i: number) => `learning rule FA, λ = 0.${i}, p = 800, data synthetic n = 50 teacher two-layer, activation relu, seed ${i}`
    const { figure, snapshot } = drawn(
      { runIds: [1, 2, 3], measures: ['weightAlignment'], groupBy: [], size: sizePresets.single, labels: { entries: { 'run 1': long(1), 'run 2': long(2), 'run 3': long(3) } } },
      { weightAlignment: runs },
    )
    expect(figure.lines.map((l) => l.label)).toEqual([1, 2, 3].map(long))
    // every entry's words are drawn, every line of them inside the figure, none over another or a plot
    for (const i of [1, 2, 3]) {
      const words = long(i).split(' ')
      const drawnWords = snapshot.texts.flatMap((t) => t.text.split(/\s+/))
      for (const word of words) expect(drawnWords, `${word} of entry ${i}`).toContain(word)
    }
    expectNoOverlaps(snapshot.texts, snapshot.grids, figure.width, figure.height, 'long legend entries')
  })
})

describe('bands never hide lines', () => {
  it('eight groups’ SD bands over four panels at 3.25 in: in the SVG every line is drawn after every band, and the deepest stack of bands stays light', () => {
    // eight rules, two seeds each, whose bands all overlap; four measures as in the small multiple
    const measures = ['testAccuracy', 'trainLoss', 'weightAlignment', 'signalAlignment']
    const rules = ['bp', 'fa', 'kp', 'dfa', 'drtp', 'sign', 'fa', 'kp']
    const runs = rules.flatMap((rule, r) => [1, 2].map((seed): RunSeries => ({ runId: 1 + r * 2 + seed - 1, config: { seed, rule, regularization: { outputL2: r < 6 ? 0 : 0.1 } }, steps, values: steps.map((x, k) => 0.5 + 0.1 * Math.sin(k / 4 + r / 8) + (seed - 1.5) * 0.3), wallTimesMs: steps })))
    const { figure, svg } = drawn({ runIds: runs.map((r) => r.runId), measures, groupBy: ['rule', 'regularization.outputL2'], band: 'sd', size: sizePresets.single }, Object.fromEntries(measures.map((m) => [m, runs])))
    expect(figure.lines).toHaveLength(8)
    const series = figure.option.series as { id: string }[]
    // the SVG's bands (filled polygons) and lines (stroked paths of the lines' colours), in drawing order
    const elements = [...svg.matchAll(/<(polygon|path) [^>]*>/g)].map((m, order) => ({ order, tag: m[1], text: m[0] }))
    const bands = elements.filter((e) => e.tag === 'polygon' && /fill-opacity="/.test(e.text)).map((e) => ({ ...e, alpha: Number(/fill-opacity="([\d.e-]+)"/.exec(e.text)![1]), panel: series[Number(/ecmeta_series_index="(\d+)"/.exec(e.text)![1])].id.split(':')[1] }))
    const colours = new Set(figure.lines.map((l) => l.color.toLowerCase()))
    const strokes = elements.filter((e) => e.tag === 'path' && /fill="none"/.test(e.text) && colours.has(/stroke="(#[0-9a-fA-F]{6})"/.exec(e.text)?.[1].toLowerCase() ?? ''))
    expect(bands).toHaveLength(8 * 4)
    expect(strokes.length).toBeGreaterThanOrEqual(8 * 4)
    expect(Math.max(...bands.map((b) => b.order)), 'the last band is drawn before the first line').toBeLessThan(Math.min(...strokes.map((l) => l.order)))
    // the deepest overlap of the plotted bands at one x, from the figure's own numbers (its CSV rows)
    const rows = figure.data.rows.filter((r) => r[2] === 'mean' && r[5] !== '')
    for (const panel of measures) {
      const atX = new Map<number, [number, number][]>()
      for (const r of rows.filter((r) => r[0] === panel)) atX.set(r[3] as number, [...(atX.get(r[3] as number) ?? []), [r[5] as number, r[6] as number]])
      const depth = Math.max(...[...atX.values()].map((intervals) => Math.max(...intervals.map(([lo]) => intervals.filter(([a, b]) => a <= lo && lo <= b).length))))
      expect(depth, panel).toBe(8)
      const stacked = 1 - bands.filter((b) => b.panel === panel).reduce((clear, b) => clear * (1 - b.alpha), 1)
      expect(stacked, `${panel}: eight stacked bands`).toBeLessThanOrEqual(0.4 + 1e-9)
    }
    // a band alone keeps its usual opacity
    const alone = drawn({ runIds: [1, 2], measures: ['testAccuracy'], groupBy: ['rule'], band: 'sd', size: sizePresets.single }, { testAccuracy: runs.slice(0, 2) })
    expect([...alone.svg.matchAll(/<polygon [^>]*fill-opacity="([\d.]+)"/g)].map((m) => Number(m[1]))).toEqual([0.2])
  })
})

describe('log y per panel', () => {
  it('a panel with values ≤ 0 stays linear and says why, keeping every line; the others go log', () => {
    const run = (runId: number, rule: string, alignment: (s: number) => number): RunSeries => ({ runId, config: { seed: 1, rule, regularization: { outputL2: 0 } }, steps, values: steps.map(alignment), wallTimesMs: steps })
    // BP's cos(β, b) is negative; the losses span decades
    const alignment = [run(1, 'bp', (s) => -0.3 + s / 1e6), run(2, 'fa', (s) => 0.1 + s / 20000)]
    const loss = [run(1, 'bp', (s) => 10 ** (-s / 3000)), run(2, 'fa', (s) => 2 * 10 ** (-s / 4000))]
    const { figure, snapshot } = drawn({ runIds: [1, 2], measures: ['weightAlignment', 'trainLoss'], logY: true, size: sizePresets.double }, { weightAlignment: alignment, trainLoss: loss })
    const yAxes = figure.option.yAxis as { type: string; name: string }[]
    expect(yAxes.map((a) => a.type)).toEqual(['value', 'log'])
    expect(yAxes[0].name).toMatch(/\(linear: values ≤ 0\)$/)
    expect(figure.notes).toEqual(['log y: “weight alignment cos(β, b)” stays linear, since its values go down to -0.3 and a log axis has no place for values at or below 0'])
    // both lines of the linear panel are drawn whole, BP's negative one too
    const lines = snapshot.series.filter((s) => s.id.startsWith('line:weightAlignment:'))
    expect(lines.map((l) => l.data.length)).toEqual([steps.length, steps.length])
    expect(Math.min(...lines[0].data.map((d) => d[1]))).toBeCloseTo(-0.3, 9)
    expectLabelledYTicks(snapshot, 'log y')
    // sharing one y range, the panels share its scale: both linear, and the figure says why
    const shared = drawn({ runIds: [1, 2], measures: ['weightAlignment', 'trainLoss'], logY: true, sharedY: true, size: sizePresets.double }, { weightAlignment: alignment, trainLoss: loss })
    expect((shared.figure.option.yAxis as { type: string }[]).map((a) => a.type)).toEqual(['value', 'value'])
    expect(shared.figure.notes[1]).toMatch(/“training loss” stays linear too, since the panels share one y range/)
    // asked for, log y wins over a narrow span: accuracy from 0.97 to 0.985 goes log as well, its
    // axis labelled at three ticks or more (it stayed linear, 'span less than a decade', before)
    const accuracy = drawn({ runIds: [1, 2], measures: ['testAccuracy', 'trainLoss'], logY: true, size: sizePresets.double }, { testAccuracy: [run(1, 'bp', (s) => 0.97 + s / 1e6), run(2, 'fa', (s) => 0.975 + s / 1e6)], trainLoss: loss })
    expect((accuracy.figure.option.yAxis as { type: string; name: string }[]).map((a) => [a.type, a.name.endsWith('(linear)')])).toEqual([['log', false], ['log', false]])
    expect(accuracy.figure.notes).toEqual([])
    const accuracyAxis = accuracy.snapshot.axes.filter((a) => a.dim === 'y')[0]
    expect(accuracyAxis.ticks.length).toBeGreaterThanOrEqual(3)
    // the axis is the data's own range, not the decade 0.1–1 around it, where the lines lie flat at the top
    const accuracyY = (accuracy.figure.option.yAxis as { min: number; max: number }[])[0]
    expect(accuracyY.min).toBeGreaterThan(0.9)
    expect(accuracyY.max).toBeLessThanOrEqual(1)
    expect(accuracyAxis.ticks.every((t) => t >= 0.9 && t <= 1)).toBe(true)
    expectLabelledYTicks(accuracy.snapshot, 'log y over less than a decade')
  })

  it('log ticks: a range with under three powers of ten is labelled at 1, 2 and 5 of each decade', () => {
    const run = (runId: number, v: (s: number) => number): RunSeries => ({ runId, config: { seed: runId, rule: 'fa' }, steps, values: steps.map(v), wallTimesMs: steps })
    // the data span decades (so the panel goes log); a zoom to one decade leaves two powers of ten in range
    const { snapshot } = drawn({ runIds: [1, 2], measures: ['trainLoss'], logY: true, yRange: { min: 0.1, max: 1 }, size: sizePresets.single }, { trainLoss: [run(1, (s) => 0.9 * 10 ** (-s / 4000)), run(2, (s) => 0.8 * 10 ** (-s / 4000))] })
    const y = snapshot.axes.find((a) => a.dim === 'y')!
    expect(y.ticks).toEqual([0.1, 0.2, 0.5, 1])
    expect(tickLabel(0.2, { log: true, interval: 1, factor: 0 })).toBe('0.2')
    expect(tickLabel(2e-5, { log: true, interval: 1, factor: 0 })).toBe('2×10⁻⁵')
    expectLabelledYTicks(snapshot, 'one decade')
  })
})
