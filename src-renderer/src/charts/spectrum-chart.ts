/**
 * Pure option builders for the Theory panel's spectra: a histogram of the eigenvalues of G or H at
 * one logged step. Data in, EChartsOption out.
 */
import type { EChartsOption } from 'echarts'
import { palette } from './series-chart'

export interface Histogram {
  /** Bin edges, one more than the counts; on the log₁₀ scale when `log`. */
  edges: number[]
  /** Fraction of the values in each bin (they sum to 1). */
  fractions: number[]
  log: boolean
}

/**
 * Equal-width bins over [min, max] of the values, or of log₁₀ of them when `log` is asked for and
 * every value is positive (G's eigenvalues span decades). Each value counts as an equal share, so a
 * spectrum kept as evenly spaced order statistics gives the same shape as the whole spectrum.
 */
export function histogram(values: number[], bins: number, log = false): Histogram {
  const useLog = log && values.length > 0 && values.every((v) => v > 0)
  const xs = useLog ? values.map(Math.log10) : values
  if (xs.length === 0) return { edges: [], fractions: [], log: useLog }
  let min = Math.min(...xs)
  let max = Math.max(...xs)
  if (min === max) {
    min -= 0.5
    max += 0.5
  }
  const width = (max - min) / bins
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width)
  const counts = new Array<number>(bins).fill(0)
  for (const x of xs) counts[Math.min(bins - 1, Math.floor((x - min) / width))]++
  return { edges, fractions: counts.map((c) => c / xs.length), log: useLog }
}

function formatEdge(x: number, log: boolean): string {
  const value = log ? 10 ** x : x
  return Number(value.toPrecision(3)).toString()
}

/** A histogram of a spectrum as a bar chart; the x labels are bin centres (as eigenvalues, also on the log scale). */
export function spectrumChartOption(spec: { title: string; values: number[]; bins?: number; log?: boolean; color?: number }): EChartsOption {
  const h = histogram(spec.values, spec.bins ?? 30, spec.log ?? false)
  const centres = h.fractions.map((_, i) => formatEdge((h.edges[i] + h.edges[i + 1]) / 2, h.log))
  return {
    animation: false,
    color: [palette[spec.color ?? 0]],
    title: { text: spec.title, left: 8, top: 4, textStyle: { fontSize: 13, fontWeight: 600 } },
    grid: { left: 64, right: 16, top: 40, bottom: 48 },
    tooltip: {
      trigger: 'axis',
      formatter: (items) => {
        const item = (Array.isArray(items) ? items[0] : items) as { dataIndex: number; value: number }
        const i = item.dataIndex
        return `${formatEdge(h.edges[i], h.log)} to ${formatEdge(h.edges[i + 1], h.log)}: ${(item.value * 100).toFixed(1)}%`
      },
    },
    xAxis: { type: 'category', data: centres, name: h.log ? 'eigenvalue (log scale)' : 'eigenvalue', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: 'fraction of eigenvalues', nameLocation: 'middle', nameGap: 48, min: 0 },
    series: [{ type: 'bar', data: h.fractions, barCategoryGap: '5%' }],
  }
}
