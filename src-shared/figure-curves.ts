/**
 * The numbers a figure plots: each group's curve (runs smoothed, then mean and band at the steps
 * they share), a sweep's points (a statistic of each run against a config field), downsampled to
 * the figure's resolution and cut to what a log axis can show; and the panels that hold them.
 */
import { downsampleMinMax, pointValue, smoothEma, spread, xValues, type RunSeries, type XAxis } from './analysis'
import type { FigureSpec } from './figure-spec'
import { flattenConfig, type RunGroup } from './grouping'
import { fieldValueLabel, measureLabel } from './labels'

/** A line's points in one panel: at each x the mean, the band's edges (null without a band) and the runs averaged. */
export interface Curve {
  xs: number[]
  mean: number[]
  lower: number[] | null
  upper: number[] | null
  /** Runs behind each point. */
  n: number[]
}

/** A line of a panel as it is drawn: its group, its curve and, with smoothing, the unsmoothed curve behind. */
export interface PanelLine {
  group: RunGroup
  mean: Curve
  raw: Curve | null
}

/** A line of a panel as main sends it (services/figures.ts): its group by key, so a group's run ids cross once, not once per panel. */
export interface ComparisonLine {
  /** The group's key (`run 3`, or the grouping values as JSON). */
  group: string
  mean: Curve
  raw: Curve | null
}

/**
 * A group's curve: each run smoothed over its whole series, then at every step all of the
 * group's runs share, the mean of their values (x is the mean of their x, which differs only
 * on the wall-time axis) and, with two or more runs, the band.
 */
export function groupCurve(members: RunSeries[], xAxis: XAxis, band: FigureSpec['band'], smoothing: number): Curve {
  const perRun = members.map((s) => {
    const xs = xValues(s, xAxis)
    const ys = smoothEma(s.values, smoothing)
    return new Map(s.steps.map((step, i) => [step, [xs[i], ys[i]] as const]))
  })
  const steps = [...perRun[0].keys()].filter((step) => perRun.every((m) => m.has(step))).sort((a, b) => a - b)
  const withBand = members.length >= 2 && band !== 'none'
  const curve: Curve = { xs: [], mean: [], lower: withBand ? [] : null, upper: withBand ? [] : null, n: [] }
  for (const step of steps) {
    const points = perRun.map((m) => m.get(step)!)
    const s = spread(points.map((p) => p[1]), band)
    if (!Number.isFinite(s.mean)) continue
    curve.xs.push(points.reduce((a, p) => a + p[0], 0) / points.length)
    curve.mean.push(s.mean)
    curve.lower?.push(s.mean - s.halfWidth)
    curve.upper?.push(s.mean + s.halfWidth)
    curve.n.push(s.n)
  }
  return curve
}

function keep<T>(values: T[] | null, indices: number[]): T[] | null {
  return values && indices.map((i) => values[i])
}

/** At most `maxPoints` points of a curve: the first, the last, and each bucket's lowest and highest mean, with their band and n. */
export function downsampled(curve: Curve, maxPoints: number): Curve {
  const kept = downsampleMinMax(curve.xs.map((_, i) => i), curve.mean, maxPoints).xs
  return { xs: keep(curve.xs, kept)!, mean: keep(curve.mean, kept)!, lower: keep(curve.lower, kept), upper: keep(curve.upper, kept), n: keep(curve.n, kept)! }
}

/**
 * Leaves out points a log x axis cannot show (x ≤ 0). Values ≤ 0 are never left out: a panel
 * holding one keeps a linear y (ComparisonPanel.logY); band edges ≤ 0 under a log y are raised to
 * the axis floor when drawn.
 */
export function positiveOnly(curve: Curve, logX: boolean): Curve {
  const ok = curve.xs.map((x) => !logX || x > 0)
  const pick = <T>(v: T[] | null) => v && v.filter((_, i) => ok[i])
  return { xs: pick(curve.xs)!, mean: pick(curve.mean)!, lower: pick(curve.lower), upper: pick(curve.upper), n: pick(curve.n)! }
}

/** A sweep's points: per value of the x field, the mean of the runs' statistic (final, best, at a step), its band and n. */
export function sweepCurve(members: RunSeries[], measure: string, xField: string, statistic: FigureSpec['statistic'], band: FigureSpec['band']): Curve {
  const byX = new Map<number, number[]>()
  for (const s of members) {
    const x = Number(flattenConfig(s.config).get(xField))
    const value = pointValue(s, measure, statistic)
    if (!Number.isFinite(x) || value === null || !Number.isFinite(value)) continue
    byX.set(x, [...(byX.get(x) ?? []), value])
  }
  const xs = [...byX.keys()].sort((a, b) => a - b)
  const anyBand = band !== 'none' && xs.some((x) => byX.get(x)!.length >= 2)
  const curve: Curve = { xs, mean: [], lower: anyBand ? [] : null, upper: anyBand ? [] : null, n: [] }
  for (const x of xs) {
    const s = spread(byX.get(x)!, band)
    curve.mean.push(s.mean)
    curve.lower?.push(s.mean - s.halfWidth)
    curve.upper?.push(s.mean + s.halfWidth)
    curve.n.push(s.n)
  }
  return curve
}

/** One panel as drawn: a measure, or a measure at one value of the split field. */
export interface Panel {
  key: string
  measure: string
  title: string
  lines: PanelLine[]
  /** Whether its y axis is logarithmic (ComparisonPanel.logY). */
  logY: boolean
  /** Log y was asked for but the panel stays linear: its values' range (ComparisonPanel.logYRefused). */
  logYRefused: ValueRange | null
}

/** The lowest and highest value a panel draws. */
export interface ValueRange {
  lowest: number
  highest: number
}

/** A panel as main sends it: its title before the user's labels (the split value, with the measure where there are several). */
export interface ComparisonPanel {
  /** `measure`, or `measure|value` of the split field (JSON text of the value). */
  key: string
  measure: string
  title: string
  lines: ComparisonLine[]
  /**
   * Whether its y axis is logarithmic: where log y is asked for, every panel whose values are all
   * above zero, however narrow their span (the user asked; it used to take a decade). A panel with
   * a value ≤ 0 stays linear (a log axis has no place for it, and leaving those points out would
   * hide lines, BP's negative cos(β, b) among them).
   */
  logY: boolean
  /** Log y was asked for but the panel stays linear: its values' range, for the figure to say why. */
  logYRefused: ValueRange | null
}

/** The panels (measures × values of the split field) with each group's curve in each, at most `pointsPerCurve` points a curve. */
export function collectPanels(spec: FigureSpec, series: Record<string, RunSeries[]>, runs: { runId: number; config: unknown }[], groups: RunGroup[], pointsPerCurve: number): ComparisonPanel[] {
  const groupOfRun = new Map(groups.flatMap((g) => g.runIds.map((id) => [id, g] as const)))
  const panels: ComparisonPanel[] = []
  for (const measure of spec.measures) {
    for (const value of splitValues(spec, runs)) {
      const key = value === undefined ? measure : `${measure}|${value}`
      const title = [value !== undefined && spec.measures.length > 1 ? measureLabel(measure) : '', value !== undefined ? fieldValueLabel(spec.splitBy!, JSON.parse(value)) : ''].filter(Boolean).join(', ')
      const members = (series[measure] ?? []).filter((s) => value === undefined || flattenConfig(s.config).get(spec.splitBy!) === value)
      const lines: ComparisonLine[] = []
      for (const g of groups) {
        const own = members.filter((s) => groupOfRun.get(s.runId) === g && s.values.length > 0)
        if (own.length === 0) continue
        if (spec.kind === 'sweep') {
          lines.push({ group: g.key, mean: positiveOnly(sweepCurve(own, measure, spec.sweepField, spec.statistic, spec.band), spec.logX), raw: null })
        } else {
          const curve = (band: FigureSpec['band'], smoothing: number) => positiveOnly(downsampled(groupCurve(own, spec.xAxis, band, smoothing), pointsPerCurve), spec.logX)
          lines.push({ group: g.key, mean: curve(spec.band, spec.smoothing), raw: spec.smoothing > 0 ? curve('none', 0) : null })
        }
      }
      // log y where every value drawn is above zero; else linear, with their range to say why
      let lowest = Infinity
      let highest = -Infinity
      for (const l of lines)
        for (const v of [...l.mean.mean, ...(l.raw?.mean ?? [])]) {
          if (v < lowest) lowest = v
          if (v > highest) highest = v
        }
      const empty = !(lowest <= highest)
      const logY = spec.logY && (empty || lowest > 0)
      panels.push({ key, measure, title, lines, logY, logYRefused: spec.logY && !logY ? { lowest, highest } : null })
    }
  }
  return panels
}

/** The split field's values among the runs (JSON text, in natural order), or one undefined without a split. */
export function splitValues(spec: Pick<FigureSpec, 'splitBy'>, runs: { config: unknown }[]): (string | undefined)[] {
  return spec.splitBy ? [...new Set(runs.map((r) => flattenConfig(r.config).get(spec.splitBy!)))].sort((a, b) => String(a).localeCompare(String(b), undefined, { numeric: true })) : [undefined]
}
