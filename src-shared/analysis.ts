/**
 * Comparing runs: x axes, smoothing, downsampling, grouping with mean and spread, sweep points and
 * summaries. Pure functions shared by the comparison view and the headless figure command.
 */
import { z } from 'zod'
import { bundledSizes } from './config'
import { getPath } from './fields'
import { fieldValueLabel } from './labels'
import { measureInfo } from './measures'
import { spreadsheetSafe } from './text'

/** What a comparison puts on x: updates, epochs, samples seen, or wall time. */
export const XAxis = z.enum(['step', 'epoch', 'samples', 'wallTime'])
export type XAxis = z.infer<typeof XAxis>
/** The spread drawn around a group's mean: none, SD, SE or a 95% confidence interval. */
export const Band = z.enum(['none', 'sd', 'se', 'ci95'])
export type Band = z.infer<typeof Band>

export interface RunSeries {
  runId: number
  /** The run's config, for grouping and the x axes that need the batch and data sizes. */
  config: Record<string, unknown>
  /** The name the user gave the run (a rename); absent while it keeps its generated name. Per-run legends use it. */
  name?: string
  steps: number[]
  values: number[]
  wallTimesMs: number[]
}


/** Training samples per step and per epoch from a run config (synthetic n, or the image subset). */
function batchAndDataSize(config: Record<string, unknown>): { batch: number; n: number | null } {
  const data = config.data as Record<string, unknown> | undefined
  const n = data?.kind === 'synthetic' ? (data.n as number) : ((data?.trainSize as number | undefined) ?? (data?.source === 'bundled' || data?.source === undefined ? bundledSizes(data ?? {}).train : null))
  const batchSize = (getPath(config, 'optimizer.batchSize') as number | undefined) ?? 0
  const batch = batchSize === 0 && n !== null ? n : batchSize
  return { batch, n }
}

/** x values of a series on the chosen axis: step, epoch (step·batch/n), samples seen, or wall time in seconds. */
export function xValues(series: RunSeries, axis: XAxis): number[] {
  if (axis === 'step') return series.steps
  if (axis === 'wallTime') return series.wallTimesMs.map((ms) => ms / 1000)
  const { batch, n } = batchAndDataSize(series.config)
  if (axis === 'samples') return series.steps.map((s) => s * batch)
  if (n === null) throw new Error(`run ${series.runId}: its training-set size is unknown, so epochs cannot be computed`)
  return series.steps.map((s) => (s * batch) / n)
}

export const axisTitles: Record<XAxis, string> = { step: 'step (updates)', epoch: 'epoch', samples: 'samples seen', wallTime: 'wall time (s)' }

/**
 * Exponential moving average with start-up bias corrected (as Adam's moments):
 * m_t = β m_{t−1} + (1−β) x_t, m_0 = 0, reported as m_t / (1 − β^t). β = 0 returns the input.
 */
export function smoothEma(values: number[], beta: number): number[] {
  if (!(beta > 0)) return [...values]
  let m = 0
  let power = 1
  return values.map((x) => {
    m = beta * m + (1 - beta) * x
    power *= beta
    return m / (1 - power)
  })
}

/**
 * At most `maxPoints` points for drawing, keeping each bucket's minimum and maximum (in x order),
 * plus the first and last points, so peaks and dips survive.
 */
export function downsampleMinMax(xs: number[], ys: number[], maxPoints: number): { xs: number[]; ys: number[] } {
  const kept = minMaxIndices(ys, maxPoints)
  return { xs: kept.map((i) => xs[i]), ys: kept.map((i) => ys[i]) }
}

/**
 * The indices downsampleMinMax keeps of a series of `ys.length` points: all of them when there
 * are at most `maxPoints` (or fewer than 4 are asked for), else the first, the last, and each
 * bucket's minimum and maximum in order. Several arrays of one series (steps, values, wall times)
 * are thinned alike with it.
 */
export function minMaxIndices(ys: ArrayLike<number>, maxPoints: number): number[] {
  const n = ys.length
  if (n <= maxPoints || maxPoints < 4) return Array.from({ length: n }, (_, i) => i)
  const buckets = Math.floor((maxPoints - 2) / 2)
  const kept = [0]
  const size = (n - 2) / buckets
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(b * size)
    const end = Math.min(n - 1, 1 + Math.floor((b + 1) * size))
    let lo = start
    let hi = start
    for (let i = start; i < end; i++) {
      if (ys[i] < ys[lo]) lo = i
      if (ys[i] > ys[hi]) hi = i
    }
    kept.push(...(lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]))
  }
  kept.push(n - 1)
  return kept
}

/** Two-sided 95% Student t quantiles t_{0.975, df} for df = 1..30; larger df use 1.96. */
const t975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042]

export interface Spread {
  mean: number
  /** Half-width of the band (SD, SE or the 95% CI), 0 for a single value. */
  halfWidth: number
  n: number
}

/** Mean and band of a sample: SD with n−1, SE = SD/√n, 95% CI = t_{0.975,n−1}·SE. */
export function spread(values: number[], band: Band): Spread {
  const n = values.length
  const mean = values.reduce((a, b) => a + b, 0) / n
  if (n < 2 || band === 'none') return { mean, halfWidth: 0, n }
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1))
  if (band === 'sd') return { mean, halfWidth: sd, n }
  const se = sd / Math.sqrt(n)
  if (band === 'se') return { mean, halfWidth: se, n }
  return { mean, halfWidth: (t975[n - 2] ?? 1.96) * se, n }
}

/** A label for a group: `rule FA, λ = 0.1`, or `all runs`. */
export function groupLabel(config: Record<string, unknown>, fields: string[]): string {
  if (fields.length === 0) return 'all runs'
  return fields.map((f) => fieldValueLabel(f, getPath(config, f))).join(', ')
}

/** Whether larger is better for a measure, from the measures registry (losses and norms: smaller). */
export function largerIsBetter(name: string): boolean {
  return measureInfo(name).largerIsBetter
}

export type SweepStatistic = 'final' | 'best' | { atStep: number }

/** A run's value of a measure at the end, at its best, or at (the last evaluation not after) a step. */
export function pointValue(series: RunSeries, name: string, statistic: SweepStatistic): number | null {
  if (series.values.length === 0) return null
  if (statistic === 'final') return series.values[series.values.length - 1]
  if (statistic === 'best') return largerIsBetter(name) ? Math.max(...series.values) : Math.min(...series.values)
  let value: number | null = null
  series.steps.forEach((s, i) => {
    if (s <= statistic.atStep) value = series.values[i]
  })
  return value
}

export interface SummaryRow {
  label: string
  runIds: number[]
  final: number
  best: number
  min: number
  max: number
}

/** Final, best, min and max of a measure per run (groupBy empty) or averaged per group. */
export function summarize(series: RunSeries[], name: string, groupBy: string[] | null): SummaryRow[] {
  const perRun = series
    .filter((s) => s.values.length > 0)
    .map((s) => ({
      label: groupBy ? groupLabel(s.config, groupBy) : `run ${s.runId}`,
      runId: s.runId,
      final: s.values[s.values.length - 1],
      best: pointValue(s, name, 'best')!,
      min: Math.min(...s.values),
      max: Math.max(...s.values),
    }))
  const groups = new Map<string, typeof perRun>()
  for (const r of perRun) groups.set(r.label, [...(groups.get(r.label) ?? []), r])
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  return [...groups.entries()].map(([label, rows]) => ({
    label,
    runIds: rows.map((r) => r.runId),
    final: mean(rows.map((r) => r.final)),
    best: mean(rows.map((r) => r.best)),
    min: mean(rows.map((r) => r.min)),
    max: mean(rows.map((r) => r.max)),
  }))
}

/** RFC 4180 CSV; text cells a spreadsheet would run as a formula are defused (spreadsheetSafe). */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const text = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : spreadsheetSafe(v)
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n'
}
