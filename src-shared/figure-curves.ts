/**
 * The numbers a figure plots: each group's curve (runs smoothed, then mean and band at the steps
 * they share), a sweep's points (a statistic of each run against a config field), downsampled to
 * the figure's resolution and cut to what a log axis can show; and the panels that hold them.
 */
import { downsampleMinMax, pointValue, smoothEma, spread, xValues, type RunSeries, type XAxis } from './analysis'
import { ownEntry, type FigureSpec } from './figure-spec'
import { flattenConfig, type RunGroup } from './grouping'
import { fieldValueLabel, measureLabel } from './labels'

export interface Curve {
  xs: number[]
  mean: number[]
  lower: number[] | null
  upper: number[] | null
}

export interface PanelLine {
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
export function groupCurve(members: RunSeries[], xAxis: XAxis, band: FigureSpec['band'], smoothing: number): Curve {
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

export function downsampled(curve: Curve, maxPoints: number): Curve {
  const kept = downsampleMinMax(curve.xs.map((_, i) => i), curve.mean, maxPoints).xs
  return { xs: keep(curve.xs, kept)!, mean: keep(curve.mean, kept)!, lower: keep(curve.lower, kept), upper: keep(curve.upper, kept) }
}

/** Leaves out points a log axis cannot show (x or y ≤ 0); band edges ≤ 0 are raised to the axis floor later. */
export function positiveOnly(curve: Curve, logX: boolean, logY: boolean): Curve {
  const ok = curve.xs.map((x, i) => (!logX || x > 0) && (!logY || curve.mean[i] > 0))
  const pick = <T>(v: T[] | null) => v && v.filter((_, i) => ok[i])
  return { xs: pick(curve.xs)!, mean: pick(curve.mean)!, lower: pick(curve.lower), upper: pick(curve.upper) }
}

export function sweepCurve(members: RunSeries[], measure: string, xField: string, statistic: FigureSpec['statistic'], band: FigureSpec['band']): { curve: Curve; counts: number[] } {
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

/** One panel: a measure, or a measure at one value of the split field. */
export interface Panel {
  key: string
  measure: string
  title: string
  lines: PanelLine[]
}

/** The panels (measures × values of the split field) with each group's curve in each. */
export function collectPanels(spec: FigureSpec, series: Record<string, RunSeries[]>, runs: { runId: number; config: unknown }[], groups: RunGroup[]): Panel[] {
  const groupOfRun = new Map(groups.flatMap((g) => g.runIds.map((id) => [id, g] as const)))
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
      panels.push({ key, measure, title: ownEntry(spec.labels.panels, key) ?? defaultTitle, lines: panelLines })
    }
  }
  return panels
}
