/**
 * Axes and ticks: fits a range to the data (nice linear steps or whole decades), chooses the
 * densest tick interval whose labels fit the axis's length, and writes tick labels (plain
 * decimals, powers of ten, a common factor ×10ⁿ moved into the axis title).
 */
import { textWidth } from './figure-text'

const superscripts: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' }
export const sup = (n: number) => [...String(n)].map((c) => superscripts[c] ?? c).join('')
const round12 = (v: number) => Number(v.toPrecision(12))

export interface AxisScale {
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
  /**
   * Log axes: the ticks, where not every power of ten in range (1, 2 and 5 per decade on a range
   * of under three decades, every second or fifth power where decades crowd).
   */
  ticks?: number[]
  /** Log axes over less than a decade: ticks at linear steps of `interval`, labelled as plain decimals. */
  linearTicks?: boolean
}

/** The fewest labelled ticks a y axis keeps: two ends alone do not say how the scale runs. */
export const minYTicks = 3
/** The fewest labelled ticks an x axis keeps, as a y axis does. */
export const minXTicks = 3
/** Distance between the centres of two stacked tick labels, in font sizes: a line and a little air. */
const stackedLabelPitch = 1.3

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count)
  const p = 10 ** Math.floor(Math.log10(raw))
  const m = raw / p
  return round12((m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p)
}

/** A tick label: plain decimals with as many places as the interval needs, powers of ten on log axes. */
export function tickLabel(raw: number, scale: Pick<AxisScale, 'log' | 'interval' | 'factor' | 'linearTicks'>): string {
  if (scale.log && !scale.linearTicks) {
    const k = Math.log10(raw)
    if (Math.abs(k - Math.round(k)) < 1e-9) return `10${sup(Math.round(k))}`
    // 2 and 5 between decades: plain decimals near 1, else 2×10⁻⁵
    const e = Math.floor(k + 1e-9)
    const mantissa = round12(raw / 10 ** e)
    return e >= -3 && e <= 3 ? round12(raw).toString() : `${Number(mantissa.toPrecision(2))}×10${sup(e)}`
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

export function tickValues(scale: AxisScale): number[] {
  const out: number[] = []
  if (scale.log) {
    if (scale.ticks) return scale.ticks
    for (let k = Math.ceil(Math.log10(scale.min) - 1e-9); k <= Math.floor(Math.log10(scale.max) + 1e-9); k++) out.push(Number(`1e${k}`))
    return out
  }
  // a range that float steps cannot divide (an interval of 0 or ∞ from extreme bounds) is labelled at its ends
  if (!(scale.interval > 0 && (scale.max - scale.min) / scale.interval <= 1000)) return [scale.min, scale.max]
  const first = Math.ceil(scale.min / scale.interval - 1e-9)
  for (let k = first; k * scale.interval <= scale.max + scale.interval * 1e-9; k++) out.push(round12(k * scale.interval))
  return out
}

/** Fits an axis to the data [lo, hi]: nice linear ticks, or whole decades on a log axis; manual bounds win. */
function fitScale(lo: number, hi: number, log: boolean, count: number, manual: { min: number | null; max: number | null }): AxisScale {
  if (log) {
    // nothing positive to show (an empty panel): one decade
    if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi))) [lo, hi] = [0.1, 1]
    const a = manual.min !== null && manual.min > 0 ? Math.log10(manual.min) : Math.floor(Math.log10(lo) + 1e-9)
    let b = manual.max !== null && manual.max > 0 ? Math.log10(manual.max) : Math.ceil(Math.log10(hi) - 1e-9)
    if (!(b > a)) b = a + 1
    const power = (k: number) => (Number.isInteger(k) ? Number(`1e${k}`) : 10 ** k)
    return { log, min: power(a), max: power(b), interval: 1, minOffTick: !Number.isInteger(a), maxOffTick: !Number.isInteger(b), factor: 0 }
  }
  // manual bounds that cross (a zoom's bound against the figure's range) say nothing: fit the data
  if (manual.min !== null && manual.max !== null && !(manual.max > manual.min)) manual = { min: null, max: null }
  const low = manual.min ?? lo
  let high = manual.max ?? hi
  let lowFitted = low
  if (!(high > low)) {
    const d = Math.abs(low) * 0.1 || 1
    lowFitted = manual.min ?? low - d
    high = manual.max ?? high + d
  }
  // a manual bound beyond all the data (a zoom past its end): the range extends from that bound
  // (or a range too narrow for float steps: 0 to 5e-324)
  const span = high - lowFitted
  if (!(span > Math.max(Math.abs(high), Math.abs(lowFitted)) * 1e-9 && span > 1e-200)) {
    const d = Math.max(Math.abs(manual.max ?? lowFitted) * 0.1, 1e-100)
    if (manual.max !== null) lowFitted = high - d
    else high = lowFitted + d
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
export function fitTicks(lo: number, hi: number, log: boolean, manual: { min: number | null; max: number | null }, length: number, horizontal: boolean, f: number, family: string): AxisScale {
  const base = fitScale(lo, hi, log, 5, manual)
  const fits = (scale: AxisScale) => {
    const ticks = tickValues(scale)
    if (horizontal) return ticks.reduce((sum, v) => sum + textWidth(tickLabel(v, scale), f, family) + f * 0.8, 0) <= length
    // stacked labels need their pitch between neighbours (ticks evenly spread on a linear axis)
    const [a, b] = scale.log ? [Math.log10(scale.min), Math.log10(scale.max)] : [scale.min, scale.max]
    const at = (v: number) => ((scale.log ? Math.log10(v) : v) - a) / (b - a)
    return ticks.every((v, i) => i === 0 || (at(v) - at(ticks[i - 1])) * length >= f * stackedLabelPitch)
  }
  const enough = (scale: AxisScale) => tickValues(scale).length >= (horizontal ? minXTicks : minYTicks)
  if (log) {
    // y data inside one decade (a norm from 31 to 33, λ_max from 180 to 200): whole decades would
    // draw a flat line, so the range is the data's own, with linear-nice ticks on the log scale
    if (!horizontal && manual.min === null && manual.max === null && lo > 0 && hi / lo < 10) {
      const tight = fitScale(lo, hi, false, 5, manual)
      if (tight.min > 0) {
        const onLog = [1, 2, 4, 5, 10].map((k) => {
          const interval = round12(tight.interval * k)
          return { ...tight, log: true, interval, factor: 0, linearTicks: true, ticks: tickValues({ ...tight, interval }) }
        })
        const chosen = onLog.find((scale) => fits(scale) && enough(scale))
        if (chosen) return chosen
      }
    }
    return logTicks(base, fits, enough, horizontal)
  }
  const span = base.max - base.min
  const aligned = (interval: number) => {
    const steps = span / interval
    return !(interval > span + 1e-12 || (!base.minOffTick && !base.maxOffTick && Math.abs(steps - Math.round(steps)) > 1e-6))
  }
  // the densest interval whose labels fit; a y axis also keeps at least minYTicks labels
  const intervals = [1, 2, 4, 5, 10, 20, 25, 50, 100].map((k) => round12(base.interval * k)).filter(aligned)
  const chosen = intervals.map((interval) => ({ ...base, interval })).find((scale) => fits(scale) && enough(scale))
  if (chosen) return chosen
  // finer steps inside a manual range, or a range widened to whole steps of about half of it
  // (0, 5000, 10000 where 0, 2000, …, 10000 does not fit and 0, 10000 says too little)
  for (const k of [0.5, 0.25, 0.2, 0.1]) {
    const scale = { ...base, interval: round12(base.interval * k) }
    if (aligned(scale.interval) && fits(scale) && enough(scale)) return scale
  }
  if (manual.min === null && manual.max === null) {
    const halves = fitScale(base.min, base.max, false, 2, manual)
    // stacked y labels may sit closer than their pitch; x labels side by side must not overlap
    if (enough(halves) && (!horizontal || fits(halves))) return halves
  }
  // x labels of four or five digits (0, 2000, 4000: a quick preset's steps) that do not fit side by
  // side: their thousands, the factor in the axis title (0, 2, 4 and `step (×10³)`)
  const largest = Math.max(Math.abs(base.min), Math.abs(base.max))
  if (horizontal && base.factor === 0 && largest >= 1000) {
    const factor = Math.floor(Math.log10(largest) + 1e-9)
    const scaled = intervals.map((interval) => ({ ...base, interval, factor })).find((scale) => fits(scale) && enough(scale))
    if (scaled) return scaled
  }
  // an x axis too short for three labels keeps the densest that fit
  const fitting = horizontal ? intervals.map((interval) => ({ ...base, interval })).find(fits) : undefined
  return fitting ?? { ...base, interval: round12(span) }
}

/**
 * A log axis's ticks: every power of ten where they fit stacked (y) or side by side (x); fewer
 * decades crowd in less room (every second, fifth…), as long as minYTicks / minXTicks remain;
 * under that many powers in range, 1, 2 and 5 of each decade (or 1 and 3, or every digit, the
 * first that gives enough ticks and, on an x axis, fits side by side). An x axis where nothing
 * fits keeps the densest powers that do.
 */
function logTicks(base: AxisScale, fits: (scale: AxisScale) => boolean, enough: (scale: AxisScale) => boolean, horizontal: boolean): AxisScale {
  const powers = tickValues(base)
  const thinned = [1, 2, 3, 5, 10, 20, 50, 100].map((every) => ({ ...base, ticks: powers.filter((_, i) => (powers.length - 1 - i) % every === 0) }))
  if (enough(base)) return thinned.find((scale) => fits(scale) && enough(scale)) ?? (horizontal ? (thinned.find(fits) ?? base) : base)
  const lo = Math.floor(Math.log10(base.min) + 1e-9)
  const hi = Math.ceil(Math.log10(base.max) - 1e-9)
  const subdivided = [[1, 2, 5], [1, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]].map((mantissas) => {
    const ticks: number[] = []
    for (let e = lo; e <= hi; e++) for (const m of mantissas) ticks.push(round12(m * 10 ** e))
    return { ...base, ticks: ticks.filter((v) => v >= base.min * (1 - 1e-9) && v <= base.max * (1 + 1e-9)) }
  })
  // stacked y labels: the first subdivision with enough ticks; x labels must also fit side by side
  const chosen = subdivided.find((scale) => enough(scale) && (!horizontal || fits(scale)))
  if (chosen) return chosen
  return horizontal ? (thinned.find(fits) ?? base) : (subdivided.find(enough) ?? base)
}

/** What the axis title gains when tick labels are scaled: ` (×10⁻⁴)`. */
export function factorNote(scale: Pick<AxisScale, 'factor'>): string {
  return scale.factor ? ` (×10${sup(scale.factor)})` : ''
}
