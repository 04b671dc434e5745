/**
 * The figure builder: runs' series and a FigureSpec in, an ECharts option plus the exact numbers
 * it plots out. The comparison view renders that option on screen; main renders the same option
 * to SVG, PNG and PDF. The builder lays everything out itself, in points, from the figure font's
 * metrics (figure-text.ts), and fixes every axis range and tick interval (figure-axes.ts), so
 * neither renderer has anything left to decide. It works in steps, top to bottom: the lines
 * (groups of runs), the panels and their curves (figure-curves.ts), the title, the legend, the
 * panels' layout, then each panel's axes and series.
 */
import type { EChartsOption } from 'echarts'
import type { RunSeries } from './analysis'
import { factorNote, fitTicks, minXTicks, tickLabel, tickValues, type AxisScale } from './figure-axes'
import { bandColumns, compareSeries, figureResolution, type Comparison, type ReferenceOverlay, type ReferencePoint } from './comparison'
import type { Curve, Panel, PanelLine, ValueRange } from './figure-curves'
import { bandNames, figureSizePt, manualRanges, ownEntry, pointsPer, xAxisTitles, type FigureSpec } from './figure-spec'
import { breakUnits, textWidth, wrap, wrapWhole } from './figure-text'
import { fieldTitle } from './fields'
import type { RunGroup } from './grouping'
import { fieldLabel, isCosine, measureLabel, measureLabelParts } from './labels'
import { agreementZ } from './reproduction'

/**
 * Line colours: Okabe & Ito's colour-blind-safe palette where it shows on white, each colour at
 * least 3:1 against white (WCAG's contrast for graphics). Its orange, sky blue and yellow did not
 * (2.3, 2.3 and 1.3: biotorch-lenet's uSF line barely showed): a darker amber, a violet and a grey
 * take their places, chosen to stay apart from the others (CIELAB ΔE ≥ 30). Dashes and markers
 * tell lines apart in greyscale too.
 */
export const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#A67C00', '#6A3D9A', '#000000', '#7F7F7F']
/** Dash patterns (in units of the line width) and markers, so lines read in greyscale too. */
const dashes: (number[] | 'solid')[] = ['solid', [4, 2], [1, 1.5], [5, 1.5, 1, 1.5], [8, 2.5], [2.5, 2.5], [6, 1.5, 1, 1.5, 1, 1.5], [1, 3]]
const markers = ['circle', 'rect', 'triangle', 'diamond', 'emptyCircle', 'emptyRect', 'emptyTriangle', 'emptyDiamond']

/** A line's look: its colour, dash (in units of the line width, or solid) and marker. */
export interface LineLook {
  color: string
  dash: number[] | 'solid'
  marker: string
}

/**
 * The i-th line's colour, dash and marker. The colours repeat every 8 lines; each time they do, the
 * dashes move on by one and the markers by three, so no two of the first 64 lines look alike (seeds
 * 1 and 9 of a 12-run figure took the same colour, dash and marker when all three cycled together).
 */
export function lineLook(i: number): LineLook {
  const c = i % palette.length
  const round = Math.floor(i / palette.length)
  return { color: palette[c], dash: dashes[(c + round) % dashes.length], marker: markers[(c + 3 * round) % markers.length] }
}

export interface FigureData {
  header: string[]
  rows: (string | number)[][]
}

export interface FigureLine {
  key: string
  label: string
  /** The line's name in the data (CSV, JSON): the label with its field where the legend's title names it (`λ = 0.1`). */
  dataLabel: string
  /** The label the figure gives the line when the user has not named it (the labels editor's caption). */
  automaticLabel: string
  color: string
  runIds: number[]
}

/** A group that averages runs differing in more than the seed and the grouping fields. */
export interface MixWarning {
  label: string
  fields: string[]
}

export interface BuiltFigure {
  option: EChartsOption
  data: FigureData
  /** The canvas size in points (one ECharts pixel is one point). */
  width: number
  height: number
  lines: FigureLine[]
  warnings: MixWarning[]
  /** Each panel's key, its title as drawn, and the title it has when the user has not named it (the labels editor's caption). */
  panels: { key: string; title: string; automaticTitle: string }[]
  /**
   * What the figure did that was not asked for, in words for the screen and the CLI: panels kept
   * linear under log y (and why), fewer columns of panels than their number takes (stacked), a
   * height grown so the plots keep a readable height.
   */
  notes: string[]
}

/** What every step reads: the spec, the canvas (W × H) and the font with the units derived from it, in points. */
interface Frame {
  spec: FigureSpec
  W: number
  H: number
  /** Font size. */
  f: number
  family: string
  lineH: number
  pad: number
  /** Published numbers drawn over the lines (hollow markers with bars), with their legend entry; null without. */
  references: ReferenceOverlay | null
  /** Panels per row. */
  columns: number
}

/** What the steps add to, in drawing order. */
interface Parts {
  graphics: Record<string, unknown>[]
  legends: Record<string, unknown>[]
  grids: Record<string, unknown>[]
  xAxes: Record<string, unknown>[]
  yAxes: Record<string, unknown>[]
  series: Record<string, unknown>[]
  rows: (string | number)[][]
  /** Rows of published numbers (a reference overlay) are among `rows`. */
  published?: boolean
}

/** The figure's lines: groups of runs, the same (and so the same colours) in every panel. */
interface Lines {
  groups: RunGroup[]
  /** The legend's entries: one per line, or past legendLineLimit lines one per legend group (`summarised`). */
  lines: FigureLine[]
  summarised: boolean
  warnings: MixWarning[]
  legendTitle: string
  lineOf: Map<string, number>
  labelOf: (g: RunGroup) => string
  /** The line as the data (CSV, JSON) names it: the legend's entry with its field (`λ = 0.1`, not `0.1` under a legend titled λ). */
  dataLabelOf: (g: RunGroup) => string
}

function rgba(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16)
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`
}

const textStyle = (frame: Frame, size: number) => ({ fontFamily: frame.family, fontSize: size, lineHeight: size * 1.2, fill: '#000' })

/**
 * Builds the figure from the series of each measure (`series[measure]`, one entry per run): their
 * comparison at the figure's resolution, drawn. Main does the same in two steps: compareSeries
 * where the series are (services/figures.ts), drawFigure where the figure is shown or exported.
 */
export function buildFigure(spec: FigureSpec, series: Record<string, RunSeries[]>): BuiltFigure {
  return drawFigure(spec, compareSeries(spec, series, figureResolution(spec, figureSizePt(spec).width)))
}

/**
 * Draws a comparison (compareSeries) under its spec: the chart option, the numbers it draws row
 * for row, its lines with their colours, and warnings for groups that mix unlike runs.
 */
export function drawFigure(spec: FigureSpec, comparison: Comparison): BuiltFigure {
  const { width: W, height: H } = figureSizePt(spec)
  const f = spec.fontSize
  const references = comparison.references?.points.length ? comparison.references : null
  const frame: Frame = { spec, W, H, f, family: spec.fontFamily, lineH: f * 1.2, pad: f * 0.5, references, columns: 1 }
  const lines = figureLines(spec, comparison)
  const groupByKey = new Map(comparison.groups.map((g) => [g.key, g]))
  // panels on one y range share one scale: log only where every one of them can be
  const sharedLog = comparison.panels.every((p) => p.logY)
  const panels: Panel[] = comparison.panels.map((p) => ({
    key: p.key,
    measure: p.measure,
    title: ownEntry(spec.labels.panels, p.key) ?? p.title,
    lines: p.lines.map((l) => ({ group: groupByKey.get(l.group)!, mean: l.mean, raw: l.raw })),
    logY: spec.sharedY ? sharedLog && p.logY : p.logY,
    logYRefused: p.logYRefused,
  }))
  // a published mean at or below 0 has no place on a log axis either: its panel stays linear
  for (const panel of panels) {
    const lowest = Math.min(...referencesIn(references, panel).map((r) => r.mean))
    if (panel.logY && lowest <= 0) Object.assign(panel, { logY: false, logYRefused: { lowest, highest: panel.logYRefused?.highest ?? lowest } })
  }
  const parts: Parts = { graphics: [], legends: [], grids: [], xAxes: [], yAxes: [], series: [], rows: [] }
  let top = buildTitle(frame, parts, frame.pad)
  const legendTop = top
  top = buildLegend(frame, parts, lines, top)
  // the plots keep a readable size: fewer columns where plots would be too narrow (unless the spec
  // sets them), and a long legend or many rows of panels make the figure taller, not the plots flatter
  const n = Math.max(1, panels.length)
  const automatic = Math.min(n, n <= 3 ? n : Math.ceil(Math.sqrt(n)))
  let grown = frame
  let panelFrames: PanelFrame[] = []
  for (let columns = spec.columns ? Math.min(n, spec.columns) : automatic; columns >= 1; columns--) {
    const tried = { ...frame, columns }
    grown = { ...tried, H: figureHeight(tried, panels, top, top - legendTop) }
    panelFrames = layoutPanels(grown, panels, top)
    // a plot too narrow, or an x axis that could not label three ticks side by side: one column fewer
    if (spec.columns || panelFrames.every((p) => p.plotW >= minPlotWidth(f) && tickValues(p.xScale).length >= minXTicks)) break
  }
  const height = grown.H
  panels.forEach((panel, index) => {
    buildPanel(grown, parts, lines, panel, index, panelFrames[index])
    buildReferencePoints(grown, parts, lines, panel, index, panelFrames[index].yScale)
  })
  if (lines.summarised && panels.length) buildLegendEntries(frame, parts, lines)

  const option: EChartsOption = {
    animation: false,
    backgroundColor: '#ffffff',
    color: palette,
    textStyle: { fontFamily: frame.family, fontSize: f, color: '#000' },
    legend: parts.legends as never,
    grid: parts.grids as never,
    xAxis: parts.xAxes as never,
    yAxis: parts.yAxes as never,
    graphic: { elements: parts.graphics } as never,
    series: parts.series as never,
  }
  const xHeader = spec.kind === 'sweep' ? fieldTitle(spec.sweepField) : xAxisTitles[spec.xAxis]
  return {
    option,
    // `panel` is the key scripts and --panels use (the measure's registry name, `|value` of a split);
    // `panel title` is what the figure shows for it (its title, else the measure's label), as `line` is the legend's entry
    data: { header: ['panel', 'line', 'curve', xHeader, 'value', ...bandColumns(spec.band, parts.published, agreementZ), 'runs', 'panel title'], rows: parts.rows },
    width: W,
    height,
    lines: lines.lines,
    warnings: lines.warnings,
    panels: panels.map((p, i) => ({ key: p.key, title: panelTitleOf(p), automaticTitle: comparison.panels[i].title || measureLabel(p.measure) })),
    notes: [...panels.filter((p) => p.logYRefused !== null).map((p) => `log y: “${panelTitleOf(p)}” stays linear, ${whyLinear(p.logYRefused!)}`), ...(spec.sharedY && !sharedLog && spec.logY ? panels.filter((p) => p.logYRefused === null).map((p) => `log y: “${panelTitleOf(p)}” stays linear too, since the panels share one y range`) : []), ...(!spec.columns && grown.columns < automatic ? [fewerColumnsNote(n, grown.columns, automatic)] : []), ...(height > H + 1e-6 ? [grownNote(frame, height, lines.lines.length, panels.length)] : [])],
  }
}

const number3 = (v: number) => Number(v.toPrecision(3))

/** Why a panel stays linear under log y: a value at or below 0 (the only reason a panel asked for log y keeps a linear one). */
function whyLinear({ lowest }: ValueRange): string {
  return `since its values go down to ${number3(lowest)} and a log axis has no place for values at or below 0`
}

/** The fewest points a plot is tall: room for minYTicks labels and the curves between them. */
export const minPlotHeight = (f: number) => f * 6
/**
 * The fewest points a plot is wide where the columns are chosen automatically: room for minXTicks
 * labels side by side (`0 0.5 1.0`, a factor's ×10⁴ in the title) with their gaps. At 5.5 font
 * sizes five panels at 3.25 in kept only the two ends of a 10,000-step axis.
 */
export const minPlotWidth = (f: number) => f * 6.5
/** The share of the asked height a legend may take before the figure grows instead. */
const legendShare = 0.2

/**
 * The figure's height: as asked, or taller where the plots would otherwise fall below
 * minPlotHeight, or the legend would take more than legendShare of it (its rows beyond that add to
 * the height rather than take it from the plots). The width is never changed: it is the journal's.
 */
function figureHeight(frame: Frame, panels: Panel[], top: number, legendHeight: number): number {
  const { H, f, pad, family, lineH } = frame
  const { rows, cellW, vGap } = panelGrid(frame, panels.length)
  const titleBlock = Math.max(0, ...panels.map((p) => wrapTitle(p, cellW, f, family).length)) * lineH
  const cellOverhead = titleBlock + (titleBlock ? f * 0.3 : 0) + f * 0.6 + xAxisBlock(frame, cellW)
  const forPlots = pad + top + rows * (cellOverhead + minPlotHeight(f)) + (rows - 1) * vGap
  const forLegend = legendHeight > H * legendShare ? H + legendHeight - H * legendShare : H
  return Math.max(H, forPlots, forLegend)
}

/** Why the panels take fewer columns than a figure of their number would: `4 panels in 1 column instead of 2, …`. */
function fewerColumnsNote(panels: number, columns: number, automatic: number): string {
  return `${panels} panels in ${columns} column${columns === 1 ? '' : 's'} instead of ${automatic}, so that each plot keeps a readable width and three labelled x ticks`
}

function grownNote(frame: Frame, height: number, entries: number, panels: number): string {
  const { spec } = frame
  const unit = spec.size.unit
  const inUnit = (pt: number) => `${Number((pt / pointsPer[unit]).toFixed(unit === 'px' ? 0 : 2))} ${unit}`
  return `${inUnit(height)} tall instead of ${inUnit(frame.H)}, so that the plots keep a readable height beside ${[entries >= 2 ? `a legend of ${entries} entries` : '', panels > 1 ? `${panels} panels` : ''].filter(Boolean).join(' and ') || 'its text'}`
}

/**
 * The lines' labels, colours and legend: one entry per line, or past legendLineLimit lines one per
 * legend group of the comparison, whose lines share its colour; the legend's title where one field
 * tells the entries apart.
 */
function figureLines(spec: FigureSpec, comparison: Comparison): Lines {
  const { groups, legendField, legend } = comparison
  const legendTitle = spec.labels.legendTitle || (legendField ? fieldLabel(legendField) : '')
  const automatic = (g: RunGroup) => (legendField ? g.shortLabel : (g.compactLabel ?? g.label))
  const labelOf = (g: RunGroup) => ownEntry(spec.labels.entries, g.key) ?? automatic(g)
  const groupByKey = new Map(groups.map((g) => [g.key, g]))
  return {
    groups,
    lines: legend
      ? legend.map((entry, i) => ({ key: entry.key, label: ownEntry(spec.labels.entries, entry.key) ?? entry.label, dataLabel: ownEntry(spec.labels.entries, entry.key) ?? entry.label, automaticLabel: entry.label, color: lineLook(i).color, runIds: entry.lines.flatMap((key) => groupByKey.get(key)?.runIds ?? []) }))
      : groups.map((g, i) => ({ key: g.key, label: labelOf(g), dataLabel: ownEntry(spec.labels.entries, g.key) ?? g.label, automaticLabel: automatic(g), color: lineLook(i).color, runIds: g.runIds })),
    summarised: legend !== null,
    warnings: spec.groupBy.length ? groups.filter((g) => g.mixed.length > 0).map((g) => ({ label: g.label, fields: g.mixed })) : [],
    legendTitle,
    lineOf: new Map(legend ? legend.flatMap((entry, i) => entry.lines.map((key) => [key, i] as const)) : groups.map((g, i) => [g.key, i])),
    labelOf,
    dataLabelOf: (g: RunGroup) => ownEntry(spec.labels.entries, g.key) ?? g.label,
  }
}

/** A summarised legend's entries: empty series in each entry's style, since its lines carry their own names. */
function buildLegendEntries(frame: Frame, parts: Parts, lines: Lines): void {
  const lw = lineWidth(frame.f, false)
  lines.lines.forEach((l, i) => {
    const { dash, marker } = lineLook(i)
    parts.series.push({ id: `legend:${l.key}`, name: l.label, type: 'line', xAxisIndex: 0, yAxisIndex: 0, silent: true, animation: false, symbol: marker, symbolSize: frame.f * 0.4, lineStyle: { width: lw, color: l.color, type: dash === 'solid' ? 'solid' : dash.map((d) => d * lw) }, itemStyle: { color: l.color }, data: [] })
  })
}

/** Line width in points: thinner where many lines share a legend entry. */
const lineWidth = (f: number, summarised: boolean) => Math.max(0.75, f / 8) * (summarised ? 0.6 : 1)

/** The figure's title, centred and wrapped; returns the y below it. */
function buildTitle(frame: Frame, parts: Parts, y: number): number {
  const { spec, W, f, pad, family } = frame
  if (!spec.title) return y
  const size = f * 1.15
  const titleLines = wrap(spec.title, W - 2 * pad, size, family)
  parts.graphics.push({ type: 'text', x: W / 2, y, silent: true, style: { ...textStyle(frame, size), text: titleLines.join('\n'), align: 'center', verticalAlign: 'top' } })
  return y + titleLines.length * size * 1.2 + f * 0.3
}

/** The legend: rows of items under the title, each row one legend component, centred; returns the y below it. */
function buildLegend(frame: Frame, parts: Parts, { lines, legendTitle }: Lines, top: number): number {
  const { spec, W, f, pad, family, lineH, references } = frame
  if (!(lines.length >= 2 || spec.labels.legendTitle !== '' || references)) return top
  let y = top
  const itemWidth = f * 2.6
  const gap = f * 1.1
  /** The lines' entries, then the published points' (a hollow marker in black: each point takes its line's colour). */
  const entries: LegendEntry[] = [...lines.map((l) => ({ label: l.label })), ...(references ? [{ label: references.label, icon: 'emptyCircle', itemStyle: { color: '#000', borderColor: '#000', borderWidth: lineWidth(f, false) } }] : [])]
  // an entry wider than the figure (a mixed selection's label of many fields) wraps at its spaces,
  // alone on its row, rather than running off the figure's edge
  const room = W - 2 * pad - itemWidth - 5
  const shown = new Map(entries.map((l) => [l.label, textWidth(l.label, f, family) <= room ? [l.label] : wrap(l.label, room, f, family)]))
  const itemSize = (l: LegendEntry) => itemWidth + 5 + Math.max(...shown.get(l.label)!.map((line) => textWidth(line, f, family)))
  const rows: { items: LegendEntry[]; width: number }[] = []
  const titleWidth = legendTitle ? textWidth(legendTitle, f, family) : 0
  let row = { items: [] as LegendEntry[], width: titleWidth }
  for (const l of entries) {
    const w = itemSize(l)
    // (a first entry too wide to stand beside the legend's title starts the next row)
    if ((row.items.length > 0 || row.width > 0) && row.width + gap + w > W - 2 * pad) {
      rows.push(row)
      row = { items: [], width: 0 }
    }
    row.width += (row.items.length || (rows.length === 0 && titleWidth) ? gap : 0) + w
    row.items.push(l)
  }
  rows.push(row)
  rows.forEach((r, i) => {
    let left = Math.max(pad, (W - r.width) / 2)
    if (i === 0 && legendTitle) {
      parts.graphics.push({ type: 'text', x: left, y: y + lineH / 2, silent: true, style: { ...textStyle(frame, f), text: legendTitle, align: 'left', verticalAlign: 'middle' } })
      left += titleWidth + gap
    }
    const rowLines = Math.max(1, ...r.items.map((l) => shown.get(l.label)!.length))
    // the legend matches entries to series by name: a wrapped entry changes only how it is drawn
    const formatter = rowLines > 1 ? (name: string) => (shown.get(name) ?? [name]).join('\n') : undefined
    parts.legends.push({ type: 'plain', orient: 'horizontal', left, top: y, padding: 0, itemGap: gap, itemWidth, itemHeight: f * 0.55, selectedMode: false, width: W, ...(formatter ? { formatter } : {}), data: r.items.map((l) => (l.icon ? { name: l.label, icon: l.icon, itemStyle: l.itemStyle } : l.label)), textStyle: { fontFamily: family, fontSize: f, lineHeight: lineH, color: '#000' } })
    y += rowLines * lineH + f * 0.25
  })
  return y + f * 0.25
}

/** A legend entry: a line's label, or the published points' with their own icon. */
interface LegendEntry {
  label: string
  icon?: string
  itemStyle?: Record<string, unknown>
}

const panelTitleOf = (p: Panel) => p.title || measureLabel(p.measure)

/**
 * The y title's wordings, longest first: the measure's label, symbol and unit, then shorter ones;
 * the band named only where drawn; under refused log y, why the axis is linear.
 */
function yTitleCandidates({ spec }: Frame, p: Panel): string[] {
  const band = p.lines.some((l) => l.mean.lower !== null) ? ` (${bandNames[spec.band]})` : ''
  // log y asked for and refused: the axis says it is linear, and why, in as few words as fit
  const linear = p.logYRefused === null ? [''] : p.logYRefused.lowest <= 0 ? [' (linear: values ≤ 0)', ' (linear)'] : [' (linear)']
  const own = ownEntry(spec.labels.y, p.measure)
  if (own !== undefined) return linear.map((lin) => own + lin)
  const { label, symbol, unit } = measureLabelParts(p.measure)
  const withUnit = unit && unit !== 'cosine' ? ` (${unit})` : ''
  return linear.flatMap((lin) => [`${label}${symbol ? ` ${symbol}` : ''}${withUnit}${band}${lin}`, `${label}${symbol ? ` ${symbol}` : ''}${band}${lin}`, `${label}${band}${lin}`, ...(symbol ? [`${symbol}${band}${lin}`] : [])])
}

/** The smallest a y title's font shrinks to (of the figure's font size) before its widest piece may overhang the plot's height. */
const smallestYTitle = 0.75

/**
 * The y title's lines and font size for a plot `length` points tall (a scale's factor `(×10⁴)`
 * appended): the first wording that fits on one line; else the first that wraps, at spaces outside
 * brackets, to two lines (then three) of which none is longer than the plot; else the wording whose
 * widest piece is narrowest, in a font shrunk so that piece fits (down to smallestYTitle of the
 * font size). A formula or a bracket (`cos(e b, e β)`, `(mean ± SD)`) is never split over lines.
 */
function yTitleLines(frame: Frame, p: Panel, length: number, factor: string): { lines: string[]; size: number } {
  const { f, family } = frame
  const candidates = yTitleCandidates(frame, p).map((t) => t + factor)
  const oneLine = candidates.find((t) => textWidth(t, f, family) <= length)
  if (oneLine !== undefined) return { lines: [oneLine], size: f }
  const wrapped = (t: string, size: number) => wrapWhole(t, length, size, family)
  const fitsIn = (lines: string[], size: number) => lines.every((l) => textWidth(l, size, family) <= length)
  for (const most of [2, 3]) {
    const fit = candidates.map((t) => wrapped(t, f)).find((lines) => lines.length <= most && fitsIn(lines, f))
    if (fit) return { lines: fit, size: f }
  }
  // shrunk: each wording in the font that fits its widest piece; the largest font on at most three
  // lines wins, then the fewest lines
  const widestPiece = (t: string) => Math.max(...breakUnits(t).map((u) => textWidth(u, 1, family)))
  const shrunk = candidates.map((t) => {
    const size = Math.max(f * smallestYTitle, Math.min(f, length / widestPiece(t)))
    return { lines: wrapped(t, size), size }
  })
  const rank = (c: { lines: string[]; size: number }) => (c.lines.length <= 3 ? 0 : 1e6) - c.size * 1e3 + c.lines.length
  return shrunk.reduce((best, c) => (rank(c) < rank(best) ? c : best))
}

const xTitleOf = (spec: FigureSpec) => spec.labels.x ?? (spec.kind === 'sweep' ? fieldTitle(spec.sweepField) : xAxisTitles[spec.xAxis])

/** [min, max] of the finite values; a default range where there are none. */
function extent(log: boolean, values: number[]): number[] {
  // a loop, not Math.min(...values): a panel of many lines has more values than a call takes arguments
  let lo = Infinity
  let hi = -Infinity
  for (const v of values)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
  return lo <= hi ? [lo, hi] : [log ? 0.1 : 0, 1]
}

const xExtentOf = (spec: FigureSpec, p: Panel) => extent(spec.logX, p.lines.flatMap((l) => [...l.mean.xs, ...(l.raw?.xs ?? [])]))

/** y fits the points inside the panel's x range where one is set (a zoom on x refits y), published points and their bars included. */
function yExtentOf(spec: FigureSpec, p: Panel, references: ReferenceOverlay | null = null): number[] {
  const { xRange } = manualRanges(spec, p.key)
  const within = (x: number) => (xRange.min === null || x >= xRange.min) && (xRange.max === null || x <= xRange.max)
  const inside = (curve: Curve) => curve.xs.map(within)
  const published = referencesIn(references, p).filter((r) => within(r.x))
  return extent(p.logY, [
    ...published.flatMap((r) => [r.mean, r.upper, ...(p.logY && r.lower <= 0 ? [] : [r.lower])]),
    ...p.lines.flatMap((l) => {
      const shown = inside(l.mean)
      const pick = (v: number[] | null) => (v ?? []).filter((_, i) => shown[i])
      const rawShown = l.raw ? inside(l.raw) : []
      return [...pick(l.mean.mean), ...(p.logY ? pick(l.mean.lower).filter((v) => v > 0) : pick(l.mean.lower)), ...pick(l.mean.upper), ...(l.raw?.mean ?? []).filter((_, i) => rawShown[i])]
    }),
  ])
}

/** The published points of a panel whose line it draws. */
function referencesIn(references: ReferenceOverlay | null, p: Panel): ReferencePoint[] {
  if (!references) return []
  const drawn = new Set(p.lines.map((l) => l.group.key))
  return references.points.filter((r) => r.panel === p.key && drawn.has(r.group))
}

const union = (es: number[][]) => [Math.min(...es.map((e) => e[0])), Math.max(...es.map((e) => e[1]))]

/** Where one panel is drawn and with which axes (points). */
interface PanelFrame {
  cellTop: number
  titleLines: string[]
  /** The centre of the panel's title: over the plot, kept inside its cell. */
  titleX: number
  left: number
  top: number
  plotW: number
  plotH: number
  xScale: AxisScale
  yScale: AxisScale
  xNameLines: string[]
  yNameLines: string[]
  /** The y title's font size: the figure's, or smaller where no wording of it fits the plot's height. */
  yNameSize: number
  yNameGap: number
}

/**
 * The panels' layout below `top`, in a grid of cells, in passes over all panels, so that panels
 * sharing an axis share its ticks (fitted to the shortest of them) and the panels of a row
 * reserve the same left margin (the widest y-label block), hence equal plot widths.
 */
/** The grid of panel cells across the canvas: the frame's columns, rows, the cells' width and the gaps. */
function panelGrid({ W, f, pad, columns }: Frame, n: number): { columns: number; rows: number; cellW: number; hGap: number; vGap: number } {
  const hGap = f * 1.2
  return { columns, rows: Math.ceil(n / columns), cellW: (W - 2 * pad - (columns - 1) * hGap) / columns, hGap, vGap: f * 0.8 }
}

/** A panel title's lines in a cell of width `cellW`. */
const wrapTitle = (panel: Panel, cellW: number, f: number, family: string) => (panel.title ? wrap(panel.title, cellW, f, family) : [])

/** The height under a plot for its x tick labels and title (which may gain ` (×10⁻⁴)`: wrapped with room for that). */
function xAxisBlock({ spec, f, family, lineH }: Frame, cellW: number): number {
  const xNameLineCount = wrap(`${xTitleOf(spec)} (×10⁻⁰)`, cellW * 0.9, f, family).length
  return axisLabelMargin(f) + lineH + f * 0.3 + xNameLineCount * lineH
}

function layoutPanels(frame: Frame, panels: Panel[], top: number): PanelFrame[] {
  const { spec, H, f, pad, family, lineH } = frame
  const { columns, rows: rowsOfPanels, cellW, hGap, vGap } = panelGrid(frame, panels.length)
  const cellH = (H - pad - top - (rowsOfPanels - 1) * vGap) / rowsOfPanels
  const labelMargin = axisLabelMargin(f)
  const xTitle = xTitleOf(spec)
  // shared ranges are the panels' with data: an empty panel's default range (0.1 to 1 on log x) would stretch the others'
  const withData = panels.filter((p) => p.lines.some((l) => l.mean.xs.length > 0))
  const sharing = withData.length ? withData : panels
  const sharedXExtent = union(sharing.map((p) => xExtentOf(spec, p)))
  const sharedYExtent = union(sharing.map((p) => yExtentOf(spec, p, frame.references)))

  const bottomMargin = xAxisBlock(frame, cellW)
  const cells = panels.map((panel, index) => {
    const col = index % columns
    const row = Math.floor(index / columns)
    const cellLeft = pad + col * (cellW + hGap)
    const cellTop = top + row * (cellH + vGap)
    const titleLines = wrapTitle(panel, cellW, f, family)
    const plotTop = cellTop + titleLines.length * lineH + (titleLines.length ? f * 0.3 : 0) + f * 0.6
    const plotH = Math.max(f * 2, cellTop + cellH - bottomMargin - plotTop)
    return { row, cellLeft, cellTop, titleLines, top: plotTop, plotH, ...manualRanges(spec, panel.key) }
  })
  // panels of one measure (a measure split by a field: a dataset's, a λ's) share their y range, as a
  // reader comparing them expects, unless one is zoomed on its own (a zoom on x refits its y) or has a range set
  const ownYRange = (index: number) => ownEntry(spec.zoom, panels[index].key) !== undefined || cells[index].yRange.min !== null || cells[index].yRange.max !== null
  const peersOf = (index: number) => (ownYRange(index) ? [index] : panels.map((_, i) => i).filter((i) => i === index || (!ownYRange(i) && panels[i].measure === panels[index].measure && panels[i].logY === panels[index].logY)))
  const yScales = panels.map((panel, index) => {
    const pinned = spec.pinCosine && isCosine(panel.measure) && !panel.logY
    const peers = peersOf(index)
    const peersWithData = peers.filter((i) => withData.includes(panels[i]))
    const [ylo, yhi] = spec.sharedY ? sharedYExtent : union((peersWithData.length ? peersWithData : peers).map((i) => yExtentOf(spec, panels[i], frame.references)))
    const length = spec.sharedY ? Math.min(...cells.map((c) => c.plotH)) : Math.min(...peers.map((i) => cells[i].plotH))
    return fitTicks(pinned ? -1 : ylo, pinned ? 1 : yhi, panel.logY, cells[index].yRange, length, false, f, family)
  })
  const yBlocks = panels.map((panel, index) => {
    const yScale = yScales[index]
    const { plotH } = cells[index]
    const { lines: nameLines, size: nameSize } = yTitleLines(frame, panel, plotH, factorNote(yScale))
    const tickW = Math.max(...tickValues(yScale).map((v) => textWidth(tickLabel(v, yScale), f, family)))
    const nameGap = labelMargin + tickW + f * 0.4
    return { nameLines, nameSize, nameGap, width: nameGap + nameLines.length * nameSize * 1.2 }
  })
  // every plot starts the same distance into its cell (the widest y-label block of all panels): the
  // plots of a row are equally wide, and stacked panels line up on one left edge
  const leftMargin = Math.max(...yBlocks.map((b) => b.width))
  const rowLeftMargin = (_row: number) => leftMargin
  /** The room for the plot and its last x label, from the row's left margin to the cell's right edge. */
  const room = cells.map((c) => cellW - rowLeftMargin(c.row))
  const fitX = (index: number, rights: number[]) => {
    const [xlo, xhi] = spec.sharedX ? sharedXExtent : xExtentOf(spec, panels[index])
    const length = spec.sharedX ? Math.min(...room.map((r, i) => r - rights[i])) : room[index] - rights[index]
    return fitTicks(xlo, xhi, spec.logX, cells[index].xRange, length, true, f, family)
  }
  // the last x label overhangs the plot by half its width: fit, measure the overhang, refit with
  // room for it until the labels chosen fit the room left (a narrower plot may choose longer labels:
  // 0 2000 4000 where 0 2 4 (×10³) was fitted), the room only ever growing
  const overhang = (scale: AxisScale) => Math.max(f * 0.5, textWidth(tickLabel(tickValues(scale).at(-1) ?? scale.max, scale), f, family) / 2 + f * 0.2)
  let rights = panels.map(() => f * 0.5)
  let xScales = panels.map((_, index) => fitX(index, rights))
  for (let pass = 0; pass < 4; pass++) {
    const needed = xScales.map(overhang)
    if (needed.every((r, i) => r <= rights[i] + 1e-9)) break
    rights = rights.map((r, i) => Math.max(r, needed[i]))
    xScales = panels.map((_, index) => fitX(index, rights))
  }
  rights = rights.map((r, i) => Math.max(r, overhang(xScales[i])))

  return cells.map((cell, index) => {
    const left = cell.cellLeft + rowLeftMargin(cell.row)
    const plotW = Math.max(f * 2, cell.cellLeft + cellW - rights[index] - left)
    // centred over the plot; a title wrapped to the cell's width would overhang the cell there (the plot
    // sits right of the y labels), so it moves left just enough to stay inside its cell
    const titleWidth = Math.max(0, ...cell.titleLines.map((line) => textWidth(line, f, family)))
    const titleX = Math.max(cell.cellLeft + titleWidth / 2, Math.min(left + plotW / 2, cell.cellLeft + cellW - titleWidth / 2))
    return {
      cellTop: cell.cellTop,
      titleLines: cell.titleLines,
      titleX,
      left,
      top: cell.top,
      plotW,
      plotH: cell.plotH,
      xScale: xScales[index],
      yScale: yScales[index],
      xNameLines: wrap(xTitle + factorNote(xScales[index]), cellW * 0.9, f, family),
      yNameLines: yBlocks[index].nameLines,
      yNameSize: yBlocks[index].nameSize,
      yNameGap: yBlocks[index].nameGap,
    }
  })
}

const tickLength = (f: number) => f * 0.35
const axisLabelMargin = (f: number) => tickLength(f) + f * 0.3

/** One axis of a panel: its range and ticks as fitted, its title, black lines, no grid. */
function axisOption(frame: Frame, scale: AxisScale, gridIndex: number, name: string, nameGap: number, nameSize = frame.f): Record<string, unknown> {
  const { f, family, lineH } = frame
  const axisText = { fontFamily: family, fontSize: f, lineHeight: lineH, color: '#000' }
  return {
    type: scale.log ? 'log' : 'value',
    gridIndex,
    min: scale.min,
    max: scale.max,
    ...(scale.log ? { logBase: 10 } : { interval: scale.interval }),
    name,
    nameLocation: 'middle',
    nameGap,
    nameTextStyle: { ...axisText, fontSize: nameSize, lineHeight: nameSize * 1.2 },
    // the name sits where the builder put it: ECharts 6 would move it off labels it measures its own way
    nameMoveOverlap: false,
    axisLine: { show: true, onZero: false, lineStyle: { color: '#000', width: 0.6 } },
    // the ticks are given: ECharts would count them from a manual (zoomed) bound that falls between round values
    axisTick: { show: true, length: tickLength(f), inside: false, customValues: tickValues(scale), lineStyle: { color: '#000', width: 0.6 } },
    axisLabel: { margin: axisLabelMargin(f), interval: 0, hideOverlap: false, customValues: tickValues(scale), formatter: (v: number) => tickLabel(v, scale), ...axisText },
    splitLine: { show: false },
    minorTick: { show: false },
  }
}

/** A band's opacity where it lies alone. */
export const bandAlphaAlone = 0.2
/** The most opaque that bands stacked over one point may get together: light enough that every line shows through. */
export const bandsStackedAlpha = 0.4

/**
 * The most bands over one point of a panel: at each x, the deepest overlap of the lines' [lower,
 * upper] intervals there.
 */
export function bandDepth(panelLines: Pick<PanelLine, 'mean'>[]): number {
  const at = new Map<number, [number, number][]>()
  for (const { mean } of panelLines) {
    if (!mean.lower || !mean.upper) continue
    mean.xs.forEach((x, k) => {
      const lo = mean.lower![k]
      const hi = mean.upper![k]
      if (Number.isFinite(lo) && Number.isFinite(hi)) at.set(x, [...(at.get(x) ?? []), [Math.min(lo, hi), Math.max(lo, hi)]])
    })
  }
  let deepest = 0
  for (const intervals of at.values()) {
    // sweep the ends: an interval opens before another closes at the same value (touching bands overlap)
    const ends = intervals.flatMap(([lo, hi]) => [[lo, 1], [hi, -1]]).sort((a, b) => a[0] - b[0] || b[1] - a[1])
    let depth = 0
    for (const [, step] of ends) deepest = Math.max(deepest, (depth += step))
  }
  return deepest
}

/**
 * The opacity of a panel's bands: bandAlphaAlone, lowered where bands overlap so that the deepest
 * stack of them is at most bandsStackedAlpha opaque (1 − (1 − α)^depth). Eight overlapping SD
 * bands at 0.2 each were 83% opaque and hid the lines drawn over them.
 */
export function bandOpacity(panelLines: Pick<PanelLine, 'mean'>[]): number {
  const depth = Math.max(1, bandDepth(panelLines))
  return Math.min(bandAlphaAlone, 1 - (1 - bandsStackedAlpha) ** (1 / depth))
}

/** One panel: its title, plot area, axes, and every line's series and data rows. */
function buildPanel(frame: Frame, parts: Parts, lines: Lines, panel: Panel, index: number, at: PanelFrame): void {
  const { f, lineH } = frame
  if (at.titleLines.length) parts.graphics.push({ type: 'text', x: at.titleX, y: at.cellTop, silent: true, style: { ...textStyle(frame, f), text: at.titleLines.join('\n'), align: 'center', verticalAlign: 'top' } })
  // the builder has made room for every label: ECharts 6 would otherwise shrink a plot whose labels it finds near the canvas's edge
  parts.grids.push({ left: at.left, top: at.top, width: at.plotW, height: at.plotH, containLabel: false, outerBoundsMode: 'none' })
  parts.xAxes.push(axisOption(frame, at.xScale, index, at.xNameLines.join('\n'), axisLabelMargin(f) + lineH + f * 0.3))
  parts.yAxes.push(axisOption(frame, at.yScale, index, at.yNameLines.join('\n'), at.yNameGap, at.yNameSize))
  const alpha = bandOpacity(panel.lines)
  for (const line of panel.lines) buildLine(frame, parts, lines, panel, index, at.yScale, line, alpha)
}

/** One line of a panel: its unsmoothed trace, band or error bars, the line and its markers, and its rows of data. */
function buildLine(frame: Frame, parts: Parts, lines: Lines, panel: Panel, index: number, yScale: AxisScale, line: PanelLine, bandAlpha: number): void {
  const { spec, f } = frame
  const lw = lineWidth(f, lines.summarised)
  const panelTitle = panelTitleOf(panel)
  const i = lines.lineOf.get(line.group.key)!
  const { color, dash, marker } = lineLook(i)
  // many lines share a colour: each drawn see-through, so where they crowd the colour deepens
  const stroke = lines.summarised ? rgba(color, 0.55) : color
  const name = lines.labelOf(line.group)
  const dataName = lines.dataLabelOf(line.group)
  const { mean, raw } = line
  const lineType = dash === 'solid' ? 'solid' : dash.map((d) => d * lw)
  const floor = yScale.min
  if (raw) {
    parts.series.push({ id: `raw:${panel.key}:${line.group.key}`, name: `${name} (unsmoothed)`, type: 'line', xAxisIndex: index, yAxisIndex: index, showSymbol: false, silent: true, animation: false, lineStyle: { width: lw * 0.6, color: rgba(color, 0.3) }, data: raw.xs.map((x, k) => [x, raw.mean[k]]), z: 1 })
    raw.xs.forEach((x, k) => parts.rows.push([panel.key, dataName, 'unsmoothed', x, raw.mean[k], '', '', raw.n[k], panelTitle]))
  }
  if (mean.lower && mean.upper) {
    const lower = mean.lower.map((v) => (panel.logY ? Math.max(v, floor) : v))
    const upper = mean.upper
    const xs = mean.xs
    // a band (curves) or error bars (sweeps): one custom series over [x, lower, upper]
    const spread = {
      name: `${name} (${bandNames[spec.band]})`,
      type: 'custom' as const,
      clip: true,
      xAxisIndex: index,
      yAxisIndex: index,
      silent: true,
      animation: false,
      encode: { x: 0, y: [1, 2] },
      data: xs.map((x, k) => [x, lower[k], upper[k]]),
    }
    if (spec.kind === 'curves') {
      parts.series.push({
        ...spread,
        id: `band:${panel.key}:${line.group.key}`,
        renderItem: ((params: { dataIndex: number; coordSys: { x: number; y: number; width: number; height: number } }, api: { coord(p: number[]): number[] }) => {
          if (params.dataIndex !== 0) return null
          const points = [...xs.map((x, k) => api.coord([x, upper[k]])), ...xs.map((x, k) => api.coord([x, lower[k]])).reverse()]
          const c = params.coordSys
          return { type: 'polygon', shape: { points }, style: { fill: rgba(color, bandAlpha), stroke: 'none' }, clipPath: { type: 'rect', shape: { x: c.x, y: c.y, width: c.width, height: c.height } } }
        }) as never,
        z: 0,
      })
    } else {
      parts.series.push({
        ...spread,
        id: `bars:${panel.key}:${line.group.key}`,
        renderItem: ((_params: unknown, api: { value(i: number): number; coord(p: number[]): number[] }) => {
          const low = api.coord([api.value(0), api.value(1)])
          const high = api.coord([api.value(0), api.value(2)])
          const cap = f * 0.3
          const stroke = { stroke: color, lineWidth: lw * 0.8 }
          return { type: 'group', children: [{ type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: stroke }, { type: 'line', shape: { x1: low[0] - cap, y1: low[1], x2: low[0] + cap, y2: low[1] }, style: stroke }, { type: 'line', shape: { x1: high[0] - cap, y1: high[1], x2: high[0] + cap, y2: high[1] }, style: stroke }] }
        }) as never,
        z: 1,
      })
    }
  }
  const markerEvery = spec.kind === 'sweep' ? 1 : Math.max(1, Math.ceil(mean.xs.length / 6))
  parts.series.push({
    id: `line:${panel.key}:${line.group.key}`,
    name,
    type: 'line',
    xAxisIndex: index,
    yAxisIndex: index,
    animation: false,
    symbol: marker,
    symbolSize: f * 0.4,
    showSymbol: spec.kind === 'sweep',
    showAllSymbol: true,
    lineStyle: { width: lw, color: stroke, type: lineType },
    itemStyle: { color: stroke, borderColor: stroke, borderWidth: lw * 0.8 },
    data: mean.xs.map((x, k) => [x, mean.mean[k]]),
    z: 3,
  })
  if (spec.kind === 'curves' && mean.xs.length > 0 && !lines.summarised) {
    const at = mean.xs.map((_, k) => k).filter((k) => k % markerEvery === Math.floor(markerEvery / 2) % markerEvery)
    parts.series.push({ id: `markers:${panel.key}:${line.group.key}`, name: `${name} (markers)`, type: 'scatter', xAxisIndex: index, yAxisIndex: index, silent: true, animation: false, symbol: marker, symbolSize: f * 0.4, itemStyle: { color, borderColor: color, borderWidth: lw * 0.8 }, data: at.map((k) => [mean.xs[k], mean.mean[k]]), z: 4 })
  }
  mean.xs.forEach((x, k) => parts.rows.push([panel.key, dataName, spec.smoothing > 0 && spec.kind === 'curves' ? 'smoothed mean' : 'mean', x, mean.mean[k], mean.lower?.[k] ?? '', mean.upper?.[k] ?? '', mean.n[k], panelTitle]))
}

/**
 * The published numbers of a panel (a reference's cells the panel's lines hold runs of): each a
 * hollow circle in its line's colour with a bar over mean ± 2 SE, set a little right of x so the
 * line's own marker and SD bar stay visible; one series named by the reference's citation, which
 * the legend lists. Their rows join the data (curve `Song et al. 2021 (±2 SE)`, runs: the authors' n).
 */
function buildReferencePoints(frame: Frame, parts: Parts, lines: Lines, panel: Panel, index: number, yScale: AxisScale): void {
  const { f, references } = frame
  const points = referencesIn(references, panel)
  if (!references || points.length === 0) return
  const lw = lineWidth(f, false)
  const groupOf = new Map(panel.lines.map((l) => [l.group.key, l.group]))
  const colorOf = (r: ReferencePoint) => lineLook(lines.lineOf.get(r.group) ?? 0).color
  const floor = yScale.min
  const lower = (r: ReferencePoint) => (panel.logY ? Math.max(r.lower, floor) : r.lower)
  parts.series.push({
    id: `reference:${panel.key}`,
    name: references.label,
    type: 'custom',
    xAxisIndex: index,
    yAxisIndex: index,
    clip: true,
    silent: true,
    animation: false,
    itemStyle: { color: '#000' },
    encode: { x: 0, y: [1, 2, 3] },
    data: points.map((r) => [r.x, r.mean, lower(r), r.upper]),
    renderItem: ((params: { dataIndex: number }, api: { coord(p: number[]): number[] }) => {
      const r = points[params.dataIndex]
      const dodge = f * 0.45
      const [x, y] = api.coord([r.x, r.mean])
      const low = api.coord([r.x, lower(r)])[1]
      const high = api.coord([r.x, r.upper])[1]
      const cap = f * 0.25
      const stroke = { stroke: colorOf(r), lineWidth: lw * 0.8 }
      return {
        type: 'group',
        children: [
          { type: 'line', shape: { x1: x + dodge, y1: low, x2: x + dodge, y2: high }, style: stroke },
          { type: 'line', shape: { x1: x + dodge - cap, y1: low, x2: x + dodge + cap, y2: low }, style: stroke },
          { type: 'line', shape: { x1: x + dodge - cap, y1: high, x2: x + dodge + cap, y2: high }, style: stroke },
          { type: 'circle', shape: { cx: x + dodge, cy: y, r: f * 0.28 }, style: { fill: '#fff', stroke: colorOf(r), lineWidth: lw } },
        ],
      }
    }) as never,
    z: 5,
  })
  const panelTitle = panelTitleOf(panel)
  for (const r of points) {
    const group = groupOf.get(r.group)
    parts.rows.push([panel.key, group ? lines.dataLabelOf(group) : r.group, `${references.label} (±${agreementZ} SE)`, r.x, r.mean, r.lower, r.upper, r.n, panelTitle])
    parts.published = true
  }
}
