/**
 * Figures: a comparison's settings (FigureSpec) and the one pure builder that turns runs' series
 * into an ECharts option plus the exact numbers it plots. The comparison view renders that option
 * on screen; main renders the same option to SVG, PNG and PDF. The builder lays everything out
 * itself, in points, from the figure font's metrics (font-metrics.ts), and fixes every axis range
 * and tick interval, so neither renderer has anything left to decide.
 */
import type { EChartsOption } from 'echarts'
import { z } from 'zod'
import { Band, downsampleMinMax, pointValue, smoothEma, spread, XAxis, xValues, type RunSeries } from './analysis'
import { fontMetrics } from './font-metrics'
import { differingPaths, distinguishingField, flattenConfig, groupRuns, type RunGroup } from './grouping'
import { fieldTitle } from './fields'
import { fieldLabel, fieldValueLabel, isCosine, measureLabel, measureLabelParts } from './labels'

const Range = z.strictObject({ min: z.number().nullable().default(null), max: z.number().nullable().default(null) })

export const sizeUnits = ['in', 'cm', 'px'] as const
export const fontFamilies = ['DejaVu Sans', 'DejaVu Serif'] as const
/** Column widths of two-column journals (inches). */
export const sizePresets = { single: { width: 3.25, height: 2.4, unit: 'in' }, double: { width: 6.75, height: 2.8, unit: 'in' } } as const

export const FigureLabels = z.strictObject({
  /** x axis title, replacing the default (`step`). */
  x: z.string().optional(),
  /** y axis title per measure. */
  y: z.record(z.string(), z.string()).default({}),
  /** Panel title per panel key (`measure` or `measure|value of the split field`). */
  panels: z.record(z.string(), z.string()).default({}),
  legendTitle: z.string().default(''),
  /** Legend entry per line key (`run 3`, or the grouping values as JSON). */
  entries: z.record(z.string(), z.string()).default({}),
})

export const FigureSpecObject = z.strictObject({
  kind: z.enum(['curves', 'sweep']).default('curves'),
  /** The comparison's name: file names of exports start with it. */
  name: z.string().default(''),
  title: z.string().default(''),
  runIds: z.array(z.int().positive()).min(1),
  /** One panel per measure (small multiples)… */
  measures: z.array(z.string().min(1)).min(1).max(12),
  /** …or, with a field here, one panel per value of it for each measure. */
  splitBy: z.string().nullable().default(null),
  xAxis: XAxis.default('step'),
  /** Empty: one line per run. Otherwise one line per value of these fields, mean over the rest. */
  groupBy: z.array(z.string().min(1)).default([]),
  band: Band.default('sd'),
  /** EMA factor β in [0, 1); 0 is off. */
  smoothing: z.number().min(0).lt(1).default(0),
  logX: z.boolean().default(false),
  logY: z.boolean().default(false),
  maxPoints: z.int().min(10).default(2000),
  /** For `sweep`: the numeric config field on x and the statistic of the measure. */
  sweepField: z.string().default('model.hidden'),
  statistic: z.union([z.enum(['final', 'best']), z.strictObject({ atStep: z.int().min(0) })]).default('final'),
  /** Panels per row; 0 chooses (all in one row up to three). */
  columns: z.int().min(0).max(6).default(0),
  sharedX: z.boolean().default(true),
  sharedY: z.boolean().default(false),
  /** Cosine measures on [−1, 1] instead of fitted to the data. */
  pinCosine: z.boolean().default(false),
  /** Manual ranges of every panel (and the ranges a zoom on shared axes sets). */
  xRange: Range.prefault({}),
  yRange: Range.prefault({}),
  /** Ranges of single panels (by panel key) from a zoom on axes that are not shared; they win over xRange and yRange. */
  zoom: z.record(z.string(), z.strictObject({ x: Range.prefault({}), y: Range.prefault({}) })).default({}),
  size: z.strictObject({ width: z.number().positive(), height: z.number().positive(), unit: z.enum(sizeUnits) }).prefault(sizePresets.single),
  fontFamily: z.enum(fontFamilies).default('DejaVu Sans'),
  /** Font size in points (1/72 in). */
  fontSize: z.number().min(4).max(24).default(8),
  labels: FigureLabels.prefault({}),
})

/** Specs saved before panels and physical sizes (`measure`, `width`/`height` in px) still open. */
function upgradeSpec(input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input
  const { measure, width, height, ...rest } = input as Record<string, unknown>
  const out: Record<string, unknown> = { ...rest }
  if (measure !== undefined && out.measures === undefined) out.measures = [measure]
  if ((width !== undefined || height !== undefined) && out.size === undefined) out.size = { width: width ?? 800, height: height ?? 500, unit: 'px' }
  return out
}

export const FigureSpec = z.preprocess(upgradeSpec, FigureSpecObject)
export type FigureSpec = z.infer<typeof FigureSpecObject>
export type FigureSpecInput = z.input<typeof FigureSpecObject>

/** The file formats a figure renders to. */
export const FigureFormat = z.enum(['svg', 'png', 'pdf'])
export type FigureFormat = z.infer<typeof FigureFormat>

const round6 = (v: number) => Math.round(v * 1e6) / 1e6

/** Points per unit: figures are laid out in points; px are CSS pixels (96 per inch). */
export const pointsPer = { in: 72, cm: 72 / 2.54, px: 0.75 } as const

/** The figure's size in points. Below 1 in the layout cannot keep text apart, so it is refused. */
export function figureSizePt(spec: Pick<FigureSpec, 'size'>): { width: number; height: number } {
  const k = pointsPer[spec.size.unit]
  return { width: round6(Math.max(72, spec.size.width * k)), height: round6(Math.max(72, spec.size.height * k)) }
}

/** Okabe & Ito's colour-blind-safe palette, black first-class, yellow last (weak on white). */
export const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442']
/** Dash patterns (in units of the line width) and markers, so lines read in greyscale too. */
const dashes: (number[] | 'solid')[] = ['solid', [4, 2], [1, 1.5], [5, 1.5, 1, 1.5], [8, 2.5], [2.5, 2.5], [6, 1.5, 1, 1.5, 1, 1.5], [1, 3]]
const markers = ['circle', 'rect', 'triangle', 'diamond', 'emptyCircle', 'emptyRect', 'emptyTriangle', 'emptyDiamond']

export const bandNames = { none: '', sd: 'mean ±\u00a0SD', se: 'mean ±\u00a0SE', ci95: 'mean, 95%\u00a0CI' } as const
export const xAxisTitles: Record<XAxis, string> = { step: 'step', epoch: 'epoch', samples: 'samples seen', wallTime: 'wall time (s)' }

export interface FigureData {
  header: string[]
  rows: (string | number)[][]
}

export interface FigureLine {
  key: string
  label: string
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
  panels: { key: string; title: string }[]
}

// --- text metrics ---------------------------------------------------------------------------

const widthTables = new Map<string, Map<string, number>>()
function widthTable(family: string): Map<string, number> {
  let table = widthTables.get(family)
  if (!table) {
    const m = fontMetrics[family] ?? fontMetrics['DejaVu Sans']
    table = new Map([...m.chars].map((ch, i) => [ch, m.widths[i] / 1000]))
    widthTables.set(family, table)
  }
  return table
}

/** Width of one line of text in the figure font, in the units of `size`. */
export function textWidth(text: string, size: number, family = 'DejaVu Sans'): number {
  const table = widthTable(family)
  let em = 0
  for (const ch of text) em += table.get(ch) ?? 0.7
  return em * size
}

/** The font's family name out of a CSS font shorthand such as `normal 10.667px "DejaVu Serif"`. */
function familyOf(font: string): string {
  return /DejaVu Serif/.test(font) ? 'DejaVu Serif' : 'DejaVu Sans'
}

/** measureText for ECharts' platform API where there is no canvas (headless): the same metrics the layout uses. */
export function measureFigureText(text: string, font?: string): { width: number } {
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12)
  return { width: Math.max(...String(text ?? '').split('\n').map((line) => textWidth(line, size, familyOf(font ?? '')))) }
}

/** Greedy word wrap to a width; a single word longer than the width stays whole. */
function wrap(text: string, maxWidth: number, size: number, family: string): string[] {
  const words = text.split(' ')
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    const next = line ? `${line} ${word}` : word
    if (line && textWidth(next, size, family) > maxWidth) {
      lines.push(line)
      line = word
    } else line = next
  }
  if (line || lines.length === 0) lines.push(line)
  return lines
}

// --- axes -------------------------------------------------------------------------------------

const superscripts: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' }
const sup = (n: number) => [...String(n)].map((c) => superscripts[c] ?? c).join('')
const round12 = (v: number) => Number(v.toPrecision(12))

interface AxisScale {
  log: boolean
  min: number
  max: number
  /** Linear axes: the tick interval. Log axes: powers of ten between min and max. */
  interval: number
  /** Whether a manual bound falls between ticks (its label is then not drawn). */
  minOffTick: boolean
  maxOffTick: boolean
  /** Linear axes: labels are value / 10^factor, the axis title says `(×10^factor)`. */
  factor: number
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count)
  const p = 10 ** Math.floor(Math.log10(raw))
  const m = raw / p
  return round12((m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p)
}

/** A tick label: plain decimals with as many places as the interval needs, powers of ten on log axes. */
export function tickLabel(raw: number, scale: Pick<AxisScale, 'log' | 'interval' | 'factor'>): string {
  if (scale.log) {
    const k = Math.log10(raw)
    return Math.abs(k - Math.round(k)) < 1e-9 ? `10${sup(Math.round(k))}` : Number(raw.toPrecision(2)).toString()
  }
  const value = round12(raw / 10 ** scale.factor)
  const interval = round12(scale.interval / 10 ** scale.factor)
  if (value === 0) return '0'
  const minus = value < 0 ? '−' : ''
  const abs = Math.abs(value)
  if (abs >= 1e5 || abs < 1e-6) {
    const e = Math.floor(Math.log10(abs) + 1e-9)
    const mantissa = round12(abs / 10 ** e)
    return `${minus}${mantissa === 1 ? '' : `${mantissa}×`}10${sup(e)}`
  }
  let places = Math.max(0, -Math.floor(Math.log10(interval) + 1e-9))
  while (places < 8 && Math.abs(round12(interval * 10 ** places) - Math.round(interval * 10 ** places)) > 1e-9) places++
  return minus + abs.toFixed(places)
}

function tickValues(scale: AxisScale): number[] {
  const out: number[] = []
  if (scale.log) {
    for (let k = Math.ceil(Math.log10(scale.min) - 1e-9); k <= Math.floor(Math.log10(scale.max) + 1e-9); k++) out.push(Number(`1e${k}`))
    return out
  }
  const first = Math.ceil(scale.min / scale.interval - 1e-9)
  for (let k = first; k * scale.interval <= scale.max + scale.interval * 1e-9; k++) out.push(round12(k * scale.interval))
  return out
}

/** Fits an axis to the data [lo, hi]: nice linear ticks, or whole decades on a log axis; manual bounds win. */
function fitScale(lo: number, hi: number, log: boolean, count: number, manual: { min: number | null; max: number | null }): AxisScale {
  if (log) {
    const a = manual.min !== null && manual.min > 0 ? Math.log10(manual.min) : Math.floor(Math.log10(lo) + 1e-9)
    let b = manual.max !== null && manual.max > 0 ? Math.log10(manual.max) : Math.ceil(Math.log10(hi) - 1e-9)
    if (!(b > a)) b = a + 1
    const power = (k: number) => (Number.isInteger(k) ? Number(`1e${k}`) : 10 ** k)
    return { log, min: power(a), max: power(b), interval: 1, minOffTick: !Number.isInteger(a), maxOffTick: !Number.isInteger(b), factor: 0 }
  }
  const low = manual.min ?? lo
  let high = manual.max ?? hi
  let lowFitted = low
  if (!(high > low)) {
    const d = Math.abs(low) * 0.1 || 1
    lowFitted = manual.min ?? low - d
    high = manual.max ?? high + d
  }
  const interval = niceStep(high - lowFitted, count)
  const min = manual.min ?? round12(Math.floor(lowFitted / interval + 1e-9) * interval)
  const max = manual.max ?? round12(Math.ceil(high / interval - 1e-9) * interval)
  const off = (v: number) => Math.abs(v / interval - Math.round(v / interval)) > 1e-6
  // 0, 1, 2, 3 (×10⁴) rather than 0, 10000, 20000, 30000
  const largest = Math.max(Math.abs(min), Math.abs(max))
  const factor = largest >= 1e4 || (largest > 0 && largest < 1e-2) ? Math.floor(Math.log10(largest) + 1e-9) : 0
  return { log, min, max, interval, minOffTick: off(min), maxOffTick: off(max), factor }
}

/**
 * The axis range fitted to the data at about five ticks (so it does not depend on the panel's
 * size), then the densest interval that divides it and whose labels fit side by side (x) or
 * stacked (y) in `length` points; at worst only the two ends are labelled.
 */
function fitTicks(lo: number, hi: number, log: boolean, manual: { min: number | null; max: number | null }, length: number, horizontal: boolean, f: number, family: string): AxisScale {
  const base = fitScale(lo, hi, log, 5, manual)
  if (log) return base
  const fits = (scale: AxisScale) => {
    const labels = tickValues(scale).map((v) => tickLabel(v, scale))
    return (horizontal ? labels.reduce((sum, l) => sum + textWidth(l, f, family) + f * 0.8, 0) : labels.length * f * 1.6) <= length
  }
  const span = base.max - base.min
  for (const k of [1, 2, 4, 5, 10, 20, 25, 50, 100]) {
    const interval = round12(base.interval * k)
    const steps = span / interval
    if (interval > span + 1e-12 || (!base.minOffTick && !base.maxOffTick && Math.abs(steps - Math.round(steps)) > 1e-6)) continue
    const scale = { ...base, interval }
    if (fits(scale)) return scale
  }
  return { ...base, interval: round12(span) }
}

// --- lines ------------------------------------------------------------------------------------

interface Curve {
  xs: number[]
  mean: number[]
  lower: number[] | null
  upper: number[] | null
}

interface PanelLine {
  group: RunGroup
  mean: Curve
  raw: Curve | null
  /** Sweep points: runs per point. */
  counts?: number[]
}

/**
 * A group's curve: each run smoothed over its whole series, then at every step all of the
 * group's runs share, the mean of their values (x is the mean of their x, which differs only
 * on the wall-time axis) and, with two or more runs, the band.
 */
function groupCurve(members: RunSeries[], xAxis: XAxis, band: FigureSpec['band'], smoothing: number): Curve {
  const perRun = members.map((s) => {
    const xs = xValues(s, xAxis)
    const ys = smoothEma(s.values, smoothing)
    return new Map(s.steps.map((step, i) => [step, [xs[i], ys[i]] as const]))
  })
  const steps = [...perRun[0].keys()].filter((step) => perRun.every((m) => m.has(step))).sort((a, b) => a - b)
  const withBand = members.length >= 2 && band !== 'none'
  const curve: Curve = { xs: [], mean: [], lower: withBand ? [] : null, upper: withBand ? [] : null }
  for (const step of steps) {
    const points = perRun.map((m) => m.get(step)!)
    const s = spread(points.map((p) => p[1]), band)
    if (!Number.isFinite(s.mean)) continue
    curve.xs.push(points.reduce((a, p) => a + p[0], 0) / points.length)
    curve.mean.push(s.mean)
    curve.lower?.push(s.mean - s.halfWidth)
    curve.upper?.push(s.mean + s.halfWidth)
  }
  return curve
}

function keep<T>(values: T[] | null, indices: number[]): T[] | null {
  return values && indices.map((i) => values[i])
}

function downsampled(curve: Curve, maxPoints: number): Curve {
  const kept = downsampleMinMax(curve.xs.map((_, i) => i), curve.mean, maxPoints).xs
  return { xs: keep(curve.xs, kept)!, mean: keep(curve.mean, kept)!, lower: keep(curve.lower, kept), upper: keep(curve.upper, kept) }
}

/** Leaves out points a log axis cannot show (x or y ≤ 0); band edges ≤ 0 are raised to the axis floor later. */
function positiveOnly(curve: Curve, logX: boolean, logY: boolean): Curve {
  const ok = curve.xs.map((x, i) => (!logX || x > 0) && (!logY || curve.mean[i] > 0))
  const pick = <T>(v: T[] | null) => v && v.filter((_, i) => ok[i])
  return { xs: pick(curve.xs)!, mean: pick(curve.mean)!, lower: pick(curve.lower), upper: pick(curve.upper) }
}

function sweepCurve(members: RunSeries[], measure: string, xField: string, statistic: FigureSpec['statistic'], band: FigureSpec['band']): { curve: Curve; counts: number[] } {
  const byX = new Map<number, number[]>()
  for (const s of members) {
    const x = Number(flattenConfig(s.config).get(xField))
    const value = pointValue(s, measure, statistic)
    if (!Number.isFinite(x) || value === null || !Number.isFinite(value)) continue
    byX.set(x, [...(byX.get(x) ?? []), value])
  }
  const xs = [...byX.keys()].sort((a, b) => a - b)
  const anyBand = band !== 'none' && xs.some((x) => byX.get(x)!.length >= 2)
  const curve: Curve = { xs, mean: [], lower: anyBand ? [] : null, upper: anyBand ? [] : null }
  const counts: number[] = []
  for (const x of xs) {
    const s = spread(byX.get(x)!, band)
    curve.mean.push(s.mean)
    curve.lower?.push(s.mean - s.halfWidth)
    curve.upper?.push(s.mean + s.halfWidth)
    counts.push(s.n)
  }
  return { curve, counts }
}

/** A panel's manual ranges: its own zoom where set, else the figure's manual range. */
export function manualRanges(spec: Pick<FigureSpec, 'xRange' | 'yRange' | 'zoom'>, panelKey: string): { xRange: z.infer<typeof Range>; yRange: z.infer<typeof Range> } {
  const own = spec.zoom[panelKey]
  const pick = (a: z.infer<typeof Range> | undefined, b: z.infer<typeof Range>) => ({ min: a?.min ?? b.min, max: a?.max ?? b.max })
  return { xRange: pick(own?.x, spec.xRange), yRange: pick(own?.y, spec.yRange) }
}

/**
 * The spec after a zoom of panel `panelKey` to x ∈ [x0, x1] and/or y ∈ [y0, y1] (null leaves
 * that axis alone): a shared axis takes the range in every panel (the manual range), an unshared
 * one only in that panel. The screen and every export then draw the same range.
 */
export function zoomedSpec(spec: FigureSpec, panelKey: string, x: [number, number] | null, y: [number, number] | null): FigureSpec {
  const next: FigureSpec = JSON.parse(JSON.stringify(spec))
  // bounds to about a thousandth of the range: short in the URL, finer than a pixel
  const range = (r: [number, number]) => {
    const [lo, hi] = [Math.min(...r), Math.max(...r)]
    const span = hi - lo || Math.abs(hi) || 1
    const round = (v: number) => (v === 0 ? 0 : Number(v.toPrecision(Math.min(12, Math.max(3, Math.ceil(Math.log10(Math.abs(v) / span)) + 4)))))
    return { min: round(lo), max: round(hi) }
  }
  const own = (next.zoom[panelKey] ??= { x: { min: null, max: null }, y: { min: null, max: null } })
  if (x) {
    if (spec.sharedX) next.xRange = range(x)
    else own.x = range(x)
  }
  if (y) {
    if (spec.sharedY) next.yRange = range(y)
    else own.y = range(y)
  }
  if (own.x.min === null && own.x.max === null && own.y.min === null && own.y.max === null) delete next.zoom[panelKey]
  return next
}

/** Whether a zoom or a manual range is set anywhere. */
export function isZoomed(spec: Pick<FigureSpec, 'xRange' | 'yRange' | 'zoom'>): boolean {
  return [spec.xRange, spec.yRange].some((r) => r.min !== null || r.max !== null) || Object.keys(spec.zoom).length > 0
}

// --- the builder ------------------------------------------------------------------------------

interface Panel {
  key: string
  measure: string
  title: string
  lines: PanelLine[]
}

function rgba(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16)
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`
}

/**
 * Builds the figure from the series of each measure (`series[measure]`, one entry per run): the
 * chart option, the numbers it draws row for row, its lines with their colours, and warnings for
 * groups that mix unlike runs.
 */
export function buildFigure(spec: FigureSpec, series: Record<string, RunSeries[]>): BuiltFigure {
  const { width: W, height: H } = figureSizePt(spec)
  const f = spec.fontSize
  const family = spec.fontFamily
  const lineH = f * 1.2
  const pad = f * 0.5

  // lines: the same groups (and so the same colours) in every panel
  const configs = new Map<number, unknown>()
  const names = new Map<number, string>()
  for (const list of Object.values(series))
    for (const s of list) {
      configs.set(s.runId, s.config)
      if (s.name) names.set(s.runId, s.name)
    }
  const runs = spec.runIds.filter((id) => configs.has(id)).map((runId) => ({ runId, config: configs.get(runId) }))
  const ignore = [...(spec.kind === 'sweep' ? [spec.sweepField] : []), ...(spec.splitBy ? [spec.splitBy] : [])]
  const groupingForSweep = spec.kind === 'sweep' && spec.groupBy.length === 0
  // a sweep's per-run view: one line per setting of everything but the x field and the split field
  const sweepBy = groupingForSweep ? differingPaths(runs.map((r) => r.config)).filter((p) => !ignore.includes(p)) : []
  const groups = groupingForSweep ? (sweepBy.length ? groupRuns(runs, sweepBy, ignore) : [{ key: 'all', label: 'runs', shortLabel: 'runs', runIds: runs.map((r) => r.runId), mixed: [] }]) : groupRuns(runs, spec.groupBy, ignore, names)
  // one field tells the lines apart: it titles the legend, whose entries are its values
  // (not where the user named a line: a legend of values under a field's title would then mix in a name)
  const legendField = groups.some((g) => g.named) ? null : distinguishingField(runs, groupingForSweep ? sweepBy : spec.groupBy, ignore)
  const legendTitle = spec.labels.legendTitle || (legendField ? fieldLabel(legendField) : '')
  const lineOf = new Map(groups.map((g, i) => [g.key, i]))
  const groupOfRun = new Map(groups.flatMap((g) => g.runIds.map((id) => [id, g] as const)))
  const labelOf = (g: RunGroup) => spec.labels.entries[g.key] ?? (legendField ? g.shortLabel : g.label)
  const lines: FigureLine[] = groups.map((g, i) => ({ key: g.key, label: labelOf(g), color: palette[i % palette.length], runIds: g.runIds }))
  const warnings: MixWarning[] = spec.groupBy.length ? groups.filter((g) => g.mixed.length > 0).map((g) => ({ label: g.label, fields: g.mixed })) : []

  // panels: measures × values of the split field
  const splitValues = spec.splitBy ? [...new Set(runs.map((r) => flattenConfig(r.config).get(spec.splitBy!)))].sort((a, b) => String(a).localeCompare(String(b), undefined, { numeric: true })) : [undefined]
  const panels: Panel[] = []
  for (const measure of spec.measures) {
    for (const value of splitValues) {
      const key = value === undefined ? measure : `${measure}|${value}`
      const defaultTitle = [value !== undefined && spec.measures.length > 1 ? measureLabel(measure) : '', value !== undefined ? fieldValueLabel(spec.splitBy!, JSON.parse(value)) : ''].filter(Boolean).join(', ')
      const members = (series[measure] ?? []).filter((s) => value === undefined || flattenConfig(s.config).get(spec.splitBy!) === value)
      const panelLines: PanelLine[] = []
      for (const g of groups) {
        const own = members.filter((s) => groupOfRun.get(s.runId) === g && s.values.length > 0)
        if (own.length === 0) continue
        if (spec.kind === 'sweep') {
          const { curve, counts } = sweepCurve(own, measure, spec.sweepField, spec.statistic, spec.band)
          const shown = positiveOnly(curve, spec.logX, spec.logY)
          panelLines.push({ group: g, mean: shown, raw: null, counts: counts.filter((_, i) => curve.xs.indexOf(shown.xs[i]) >= 0) })
        } else {
          const mean = positiveOnly(downsampled(groupCurve(own, spec.xAxis, spec.band, spec.smoothing), spec.maxPoints), spec.logX, spec.logY)
          const raw = spec.smoothing > 0 ? positiveOnly(downsampled(groupCurve(own, spec.xAxis, 'none', 0), spec.maxPoints), spec.logX, spec.logY) : null
          panelLines.push({ group: g, mean, raw })
        }
      }
      panels.push({ key, measure, title: spec.labels.panels[key] ?? defaultTitle, lines: panelLines })
    }
  }

  // --- layout, top to bottom, in points ---
  const graphics: Record<string, unknown>[] = []
  const textStyle = (size: number) => ({ fontFamily: family, fontSize: size, lineHeight: size * 1.2, fill: '#000' })
  let y = pad
  if (spec.title) {
    const size = f * 1.15
    const titleLines = wrap(spec.title, W - 2 * pad, size, family)
    graphics.push({ type: 'text', x: W / 2, y, silent: true, style: { ...textStyle(size), text: titleLines.join('\n'), align: 'center', verticalAlign: 'top' } })
    y += titleLines.length * size * 1.2 + f * 0.3
  }

  // the legend: rows of items, each row one legend component, centred
  const legends: Record<string, unknown>[] = []
  const showLegend = lines.length >= 2 || spec.labels.legendTitle !== ''
  if (showLegend) {
    const itemWidth = f * 2.6
    const gap = f * 1.1
    const itemSize = (l: FigureLine) => itemWidth + 5 + textWidth(l.label, f, family)
    const rows: { items: FigureLine[]; width: number }[] = []
    const titleWidth = legendTitle ? textWidth(legendTitle, f, family) : 0
    let row = { items: [] as FigureLine[], width: titleWidth }
    for (const l of lines) {
      const w = itemSize(l)
      if (row.items.length > 0 && row.width + gap + w > W - 2 * pad) {
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
        graphics.push({ type: 'text', x: left, y: y + lineH / 2, silent: true, style: { ...textStyle(f), text: legendTitle, align: 'left', verticalAlign: 'middle' } })
        left += titleWidth + gap
      }
      legends.push({ type: 'plain', orient: 'horizontal', left, top: y, padding: 0, itemGap: gap, itemWidth, itemHeight: f * 0.55, selectedMode: false, width: W, data: r.items.map((l) => l.label), textStyle: { fontFamily: family, fontSize: f, lineHeight: lineH, color: '#000' } })
      y += lineH + f * 0.25
    })
    y += f * 0.25
  }

  const n = panels.length
  const columns = Math.min(n, spec.columns || (n <= 3 ? n : Math.ceil(Math.sqrt(n))))
  const rowsOfPanels = Math.ceil(n / columns)
  const hGap = f * 1.2
  const vGap = f * 0.8
  const cellW = (W - 2 * pad - (columns - 1) * hGap) / columns
  const cellH = (H - pad - y - (rowsOfPanels - 1) * vGap) / rowsOfPanels
  const tickLen = f * 0.35
  const labelMargin = tickLen + f * 0.3
  const panelTitleOf = (p: Panel) => p.title || measureLabel(p.measure)
  const bandDrawn = (p: Panel) => p.lines.some((l) => l.mean.lower !== null)
  const xTitle = spec.labels.x ?? (spec.kind === 'sweep' ? fieldTitle(spec.sweepField) : xAxisTitles[spec.xAxis])
  /** The y title: the measure's label and symbol, shortened to fit one line where it can; the band named only where drawn. */
  const yTitleOf = (p: Panel, length: number) => {
    const band = bandDrawn(p) ? ` (${bandNames[spec.band]})` : ''
    const own = spec.labels.y[p.measure]
    if (own !== undefined) return own
    const { label, symbol, unit } = measureLabelParts(p.measure)
    const withUnit = unit && unit !== 'cosine' ? ` (${unit})` : ''
    const candidates = [`${label}${symbol ? ` ${symbol}` : ''}${withUnit}${band}`, `${label}${symbol ? ` ${symbol}` : ''}${band}`, `${label}${band}`, ...(symbol ? [`${symbol}${band}`] : [])]
    return candidates.find((t) => textWidth(t, f, family) <= length) ?? candidates.at(-1)!
  }

  // data extents per panel
  const extent = (values: number[]) => {
    const finite = values.filter(Number.isFinite)
    return finite.length ? [Math.min(...finite), Math.max(...finite)] : [spec.logY ? 0.1 : 0, 1]
  }
  const xExtentOf = (p: Panel) => extent(p.lines.flatMap((l) => [...l.mean.xs, ...(l.raw?.xs ?? [])]))
  /** y fits the points inside the panel's x range where one is set (a zoom on x refits y). */
  const yExtentOf = (p: Panel) => {
    const { xRange } = manualRanges(spec, p.key)
    const inside = (curve: Curve) => curve.xs.map((x) => (xRange.min === null || x >= xRange.min) && (xRange.max === null || x <= xRange.max))
    return extent(
      p.lines.flatMap((l) => {
        const shown = inside(l.mean)
        const pick = (v: number[] | null) => (v ?? []).filter((_, i) => shown[i])
        const rawShown = l.raw ? inside(l.raw) : []
        return [...pick(l.mean.mean), ...(spec.logY ? pick(l.mean.lower).filter((v) => v > 0) : pick(l.mean.lower)), ...pick(l.mean.upper), ...(l.raw?.mean ?? []).filter((_, i) => rawShown[i])]
      }),
    )
  }
  const union = (es: number[][]) => [Math.min(...es.map((e) => e[0])), Math.max(...es.map((e) => e[1]))]
  const sharedXExtent = union(panels.map(xExtentOf))
  const sharedYExtent = union(panels.map(yExtentOf))

  const grids: Record<string, unknown>[] = []
  const xAxes: Record<string, unknown>[] = []
  const yAxes: Record<string, unknown>[] = []
  const chartSeries: Record<string, unknown>[] = []
  const rows: (string | number)[][] = []
  const axisText = { fontFamily: family, fontSize: f, lineHeight: lineH, color: '#000' }

  // the x title may gain ` (×10⁻⁴)`: wrap it with room for that
  const factorNote = (scale: AxisScale) => (scale.factor ? ` (×10${sup(scale.factor)})` : '')
  const xNameLineCount = wrap(`${xTitle} (×10⁻⁰)`, cellW * 0.9, f, family).length
  const bottomMargin = labelMargin + lineH + f * 0.3 + xNameLineCount * lineH
  /**
   * The layout in passes over all panels, so that panels sharing an axis share its ticks (fitted
   * to the shortest of them) and the panels of a row reserve the same left margin (the widest
   * y-label block), hence equal plot widths.
   */
  const cells = panels.map((panel, index) => {
    const col = index % columns
    const row = Math.floor(index / columns)
    const cellLeft = pad + col * (cellW + hGap)
    const cellTop = y + row * (cellH + vGap)
    const titleLines = panel.title ? wrap(panel.title, cellW, f, family) : []
    const top = cellTop + titleLines.length * lineH + (titleLines.length ? f * 0.3 : 0) + f * 0.6
    const plotH = Math.max(f * 2, cellTop + cellH - bottomMargin - top)
    return { row, cellLeft, titleLines, top, plotH, ...manualRanges(spec, panel.key) }
  })
  const yScales = panels.map((panel, index) => {
    const pinned = spec.pinCosine && isCosine(panel.measure) && !spec.logY
    const [ylo, yhi] = spec.sharedY ? sharedYExtent : yExtentOf(panel)
    const length = spec.sharedY ? Math.min(...cells.map((c) => c.plotH)) : cells[index].plotH
    return fitTicks(pinned ? -1 : ylo, pinned ? 1 : yhi, spec.logY, cells[index].yRange, length, false, f, family)
  })
  const yBlocks = panels.map((panel, index) => {
    const yScale = yScales[index]
    const { plotH } = cells[index]
    const nameLines = wrap(yTitleOf(panel, plotH - textWidth(factorNote(yScale), f, family)) + factorNote(yScale), plotH, f, family)
    const tickW = Math.max(...tickValues(yScale).map((v) => textWidth(tickLabel(v, yScale), f, family)))
    const nameGap = labelMargin + tickW + f * 0.4
    return { nameLines, nameGap, width: nameGap + nameLines.length * lineH }
  })
  const rowLeftMargin = (row: number) => Math.max(...yBlocks.filter((_, i) => cells[i].row === row).map((b) => b.width))
  /** The room for the plot and its last x label, from the row's left margin to the cell's right edge. */
  const room = cells.map((c) => cellW - rowLeftMargin(c.row))
  const fitX = (index: number, rights: number[]) => {
    const [xlo, xhi] = spec.sharedX ? sharedXExtent : xExtentOf(panels[index])
    const length = spec.sharedX ? Math.min(...room.map((r, i) => r - rights[i])) : room[index] - rights[index]
    return fitTicks(xlo, xhi, spec.logX, cells[index].xRange, length, true, f, family)
  }
  let rights = panels.map(() => f * 0.5)
  let xScales = panels.map((_, index) => fitX(index, rights))
  for (let pass = 0; pass < 2; pass++) {
    rights = xScales.map((scale) => Math.max(f * 0.5, textWidth(tickLabel(tickValues(scale).at(-1) ?? scale.max, scale), f, family) / 2 + f * 0.2))
    xScales = panels.map((_, index) => fitX(index, rights))
  }

  panels.forEach((panel, index) => {
    const { cellLeft, titleLines, top, plotH, row } = cells[index]
    const yScale = yScales[index]
    const xScale = xScales[index]
    const { nameLines: yNameLines, nameGap: yNameGap } = yBlocks[index]
    const left = cellLeft + rowLeftMargin(row)
    const cellTop = y + row * (cellH + vGap)
    const xNameLines = wrap(xTitle + factorNote(xScale), cellW * 0.9, f, family)
    const plotW = Math.max(f * 2, cellLeft + cellW - rights[index] - left)
    if (titleLines.length) graphics.push({ type: 'text', x: left + plotW / 2, y: cellTop, silent: true, style: { ...textStyle(f), text: titleLines.join('\n'), align: 'center', verticalAlign: 'top' } })

    grids.push({ left, top, width: plotW, height: plotH, containLabel: false })
    const axisBase = (scale: AxisScale, name: string, nameGap: number) => ({
      type: scale.log ? 'log' : 'value',
      gridIndex: index,
      min: scale.min,
      max: scale.max,
      ...(scale.log ? { logBase: 10 } : { interval: scale.interval }),
      name,
      nameLocation: 'middle',
      nameGap,
      nameTextStyle: axisText,
      axisLine: { show: true, onZero: false, lineStyle: { color: '#000', width: 0.6 } },
      // the ticks are given: ECharts would count them from a manual (zoomed) bound that falls between round values
      axisTick: { show: true, length: tickLen, inside: false, customValues: tickValues(scale), lineStyle: { color: '#000', width: 0.6 } },
      axisLabel: { margin: labelMargin, interval: 0, hideOverlap: false, customValues: tickValues(scale), formatter: (v: number) => tickLabel(v, scale), ...axisText },
      splitLine: { show: false },
      minorTick: { show: false },
    })
    xAxes.push({ ...axisBase(xScale, xNameLines.join('\n'), labelMargin + lineH + f * 0.3) })
    yAxes.push({ ...axisBase(yScale, yNameLines.join('\n'), yNameGap) })

    const lw = Math.max(0.75, f / 8)
    const panelTitle = panelTitleOf(panel)
    for (const line of panel.lines) {
      const i = lineOf.get(line.group.key)!
      const color = palette[i % palette.length]
      const name = labelOf(line.group)
      const dash = dashes[i % dashes.length]
      const marker = markers[i % markers.length]
      const { mean, raw } = line
      const lineType = dash === 'solid' ? 'solid' : dash.map((d) => d * lw)
      const floor = yScale.min
      if (raw) {
        chartSeries.push({ id: `raw:${panel.key}:${line.group.key}`, name: `${name} (unsmoothed)`, type: 'line', xAxisIndex: index, yAxisIndex: index, showSymbol: false, silent: true, animation: false, lineStyle: { width: lw * 0.6, color: rgba(color, 0.3) }, data: raw.xs.map((x, k) => [x, raw.mean[k]]), z: 1 })
        raw.xs.forEach((x, k) => rows.push([panel.key, name, 'unsmoothed', x, raw.mean[k], '', '', line.group.runIds.length, panelTitle]))
      }
      if (mean.lower && mean.upper) {
        const lower = mean.lower.map((v) => (spec.logY ? Math.max(v, floor) : v))
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
          chartSeries.push({
            ...spread,
            id: `band:${panel.key}:${line.group.key}`,
            renderItem: ((params: { dataIndex: number; coordSys: { x: number; y: number; width: number; height: number } }, api: { coord(p: number[]): number[] }) => {
              if (params.dataIndex !== 0) return null
              const points = [...xs.map((x, k) => api.coord([x, upper[k]])), ...xs.map((x, k) => api.coord([x, lower[k]])).reverse()]
              const c = params.coordSys
              return { type: 'polygon', shape: { points }, style: { fill: rgba(color, 0.2), stroke: 'none' }, clipPath: { type: 'rect', shape: { x: c.x, y: c.y, width: c.width, height: c.height } } }
            }) as never,
            z: 0,
          })
        } else {
          chartSeries.push({
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
      chartSeries.push({
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
        lineStyle: { width: lw, color, type: lineType },
        itemStyle: { color, borderColor: color, borderWidth: lw * 0.8 },
        data: mean.xs.map((x, k) => [x, mean.mean[k]]),
        z: 3,
      })
      if (spec.kind === 'curves' && mean.xs.length > 0) {
        const at = mean.xs.map((_, k) => k).filter((k) => k % markerEvery === Math.floor(markerEvery / 2) % markerEvery)
        chartSeries.push({ id: `markers:${panel.key}:${line.group.key}`, name: `${name} (markers)`, type: 'scatter', xAxisIndex: index, yAxisIndex: index, silent: true, animation: false, symbol: marker, symbolSize: f * 0.4, itemStyle: { color, borderColor: color, borderWidth: lw * 0.8 }, data: at.map((k) => [mean.xs[k], mean.mean[k]]), z: 4 })
      }
      mean.xs.forEach((x, k) => rows.push([panel.key, name, spec.smoothing > 0 && spec.kind === 'curves' ? 'smoothed mean' : 'mean', x, mean.mean[k], mean.lower?.[k] ?? '', mean.upper?.[k] ?? '', line.counts?.[k] ?? line.group.runIds.length, panelTitle]))
    }
  })

  const option: EChartsOption = {
    animation: false,
    backgroundColor: '#ffffff',
    color: palette,
    textStyle: { fontFamily: family, fontSize: f, color: '#000' },
    legend: legends as never,
    grid: grids as never,
    xAxis: xAxes as never,
    yAxis: yAxes as never,
    graphic: { elements: graphics } as never,
    series: chartSeries as never,
  }
  const xHeader = spec.kind === 'sweep' ? fieldTitle(spec.sweepField) : xAxisTitles[spec.xAxis]
  return {
    option,
    // `panel` is the key scripts and --panels use (the measure's registry name, `|value` of a split);
    // `panel title` is what the figure shows for it (its title, else the measure's label), as `line` is the legend's entry
    data: { header: ['panel', 'line', 'curve', xHeader, 'value', 'lower', 'upper', 'runs', 'panel title'], rows },
    width: W,
    height: H,
    lines,
    warnings,
    panels: panels.map((p) => ({ key: p.key, title: panelTitleOf(p) })),
  }
}

/** File name of an export: the comparison's name and the panels, safe on every file system. */
export function figureFileName(spec: Pick<FigureSpec, 'name' | 'measures' | 'splitBy' | 'kind'>, extension: string): string {
  const parts = [spec.name || 'figure', ...spec.measures, ...(spec.splitBy ? [`by-${spec.splitBy.split('.').at(-1)}`] : []), ...(spec.kind === 'sweep' ? ['sweep'] : [])]
  const base = parts
    .join('-')
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
  return `${base.slice(0, 120) || 'figure'}.${extension}`
}
