/**
 * Pure chart option builders: data in, EChartsOption out. Components only render what these
 * return, so the options are unit-tested without a DOM.
 */
import type { EChartsOption } from 'echarts'
import { palette as figurePalette } from '../../../src-shared/figure'
import { textWidth } from '../../../src-shared/figure-text'
import { groupMeasures } from '../../../src-shared/measures'

export interface ChartSeries {
  name: string
  /** [x, y] pairs in x order. */
  points: [number, number][]
}

export interface SeriesChartSpec {
  title: string
  xName: string
  yName: string
  series: ChartSeries[]
  /** Logarithmic y axis; points with y ≤ 0 are left out, since they have no place on it. */
  yLog?: boolean
  yMin?: number
  yMax?: number
  /** Width the chart is laid out for, in px (the legend wraps to it). */
  width?: number
}

/** The figures' colour-blind-safe palette, so a measure looks alike everywhere. */
export const palette = figurePalette
const dashes: ('solid' | 'dashed' | 'dotted')[] = ['solid', 'dashed', 'dotted']

const legendItemWidth = 18
const legendGap = 12
const legendTop = 26
const legendRowHeight = 20
const axisBottom = 48
/** The plot's own height in a chart of seriesChartHeight: the 260 px chart of a one-row legend. */
const plotHeight = 260 - (legendTop + legendRowHeight + 8) - axisBottom

const inDrawingOrder = (series: ChartSeries[]) => [...series].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))

/** How many rows the legend wraps to at the chart's width (the series' names in drawing order). */
function legendRows(spec: SeriesChartSpec): number {
  const width = spec.width ?? 480
  let rows = 1
  let used = 0
  for (const { name } of inDrawingOrder(spec.series)) {
    const w = legendItemWidth + 5 + textWidth(name, 12)
    if (used > 0 && used + legendGap + w > width - 16) {
      rows++
      used = 0
    }
    used += (used > 0 ? legendGap : 0) + w
  }
  return rows
}

/**
 * The chart's height in px: the plot keeps its height whatever the legend's rows (a conv run's nine
 * per-layer alignments squashed a fixed 260 px chart's plot to a line).
 */
export function seriesChartHeight(spec: SeriesChartSpec): number {
  return legendTop + legendRows(spec) * legendRowHeight + 8 + plotHeight + axisBottom
}

/**
 * A line chart of measures against steps, for live and saved runs. Series are drawn in name
 * order (numbers as numbers), so a measure keeps its colour while a run trains and after; the
 * legend wraps under the title and the plot starts below it, so they never overlap.
 */
export function seriesChartOption(spec: SeriesChartSpec): EChartsOption {
  const sorted = inDrawingOrder(spec.series)
  const rows = legendRows(spec)
  const itemWidth = legendItemWidth
  const gap = legendGap
  return {
    animation: false,
    color: palette,
    title: { text: spec.title, left: 8, top: 4, textStyle: { fontSize: 13, fontWeight: 600 } },
    grid: { left: 64, right: 16, top: legendTop + rows * legendRowHeight + 8, bottom: axisBottom },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? Number(v.toPrecision(4)).toString() : String(v)) },
    legend: { type: 'plain', top: legendTop, left: 8, right: 8, itemWidth, itemGap: gap, data: sorted.map((s) => s.name) },
    xAxis: { type: 'value', name: spec.xName, nameLocation: 'middle', nameGap: 28, min: 'dataMin', max: 'dataMax' },
    yAxis: {
      type: spec.yLog ? 'log' : 'value',
      name: spec.yName,
      nameLocation: 'middle',
      nameGap: 48,
      scale: !spec.yLog,
      min: spec.yMin,
      max: spec.yMax,
    },
    series: sorted.map((s, i) => ({
      name: s.name,
      type: 'line',
      showSymbol: s.points.length < 40,
      symbolSize: 4,
      sampling: 'lttb',
      color: palette[i % palette.length],
      lineStyle: { type: dashes[Math.floor(i / palette.length) % dashes.length] },
      data: spec.yLog ? s.points.filter(([, y]) => y > 0) : s.points,
    })),
  }
}

/**
 * Groups a run's measure names into the run detail's charts, with titles and axes from the
 * measures registry; with `groupIds`, only the groups in it (`inside`) or outside it. Linear axes
 * fit the data (alignments of 0.02–0.1 are not flattened against [−1, 1]).
 */
export function chartGroups(
  metricNames: string[],
  groupIds?: ReadonlySet<string>,
  inside = true,
): { title: string; yName: string; names: string[]; yLog?: boolean; yMin?: number; yMax?: number }[] {
  const chosen = groupMeasures(metricNames).filter(({ group }) => !groupIds || groupIds.has(group.id) === inside)
  return chosen.map(({ group, names }) => ({ title: group.title, yName: group.axis, names, yLog: group.range.log }))
}

/**
 * Measures equal by construction for this run, with why: with one output the signal sent to the
 * hidden layer is e·b against e·β, so signal alignment is weight alignment.
 */
export function coincidingMeasures(config: Record<string, unknown>, metricNames: string[]): { names: [string, string]; reason: string }[] {
  const model = config.model as { kind?: string; outputs?: number } | undefined
  const out: { names: [string, string]; reason: string }[] = []
  if (model?.kind === 'two-layer' && (model.outputs ?? 1) === 1 && metricNames.includes('signalAlignment') && metricNames.includes('weightAlignment'))
    out.push({ names: ['signalAlignment', 'weightAlignment'], reason: 'with one output the error e is a scalar, so cos(e·b, e·β) = cos(b, β): signal alignment equals weight alignment by construction, and the two lines coincide' })
  return out
}
