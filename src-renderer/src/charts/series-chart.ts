/**
 * Pure chart option builders: data in, EChartsOption out. Components only render what these
 * return, so the options are unit-tested without a DOM.
 */
import type { EChartsOption } from 'echarts'
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
}

export const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#7c3aed', '#b45309']

/** A line chart of measures against steps, for live and saved runs. */
export function seriesChartOption(spec: SeriesChartSpec): EChartsOption {
  return {
    animation: false,
    color: palette,
    title: { text: spec.title, left: 8, top: 4, textStyle: { fontSize: 13, fontWeight: 600 } },
    grid: { left: 64, right: 16, top: 40, bottom: 48 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? Number(v.toPrecision(4)).toString() : String(v)) },
    legend: { top: 4, right: 8, type: 'scroll', data: spec.series.map((s) => s.name) },
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
    series: spec.series.map((s) => ({
      name: s.name,
      type: 'line',
      showSymbol: s.points.length < 40,
      symbolSize: 4,
      sampling: 'lttb',
      data: spec.yLog ? s.points.filter(([, y]) => y > 0) : s.points,
    })),
  }
}

/**
 * Groups a run's measure names into the run detail's charts, with titles, axes and ranges from the
 * measures registry; with `groupIds`, only the groups in it (`inside`) or outside it.
 */
export function chartGroups(
  metricNames: string[],
  groupIds?: ReadonlySet<string>,
  inside = true,
): { title: string; yName: string; names: string[]; yLog?: boolean; yMin?: number; yMax?: number }[] {
  const chosen = groupMeasures(metricNames).filter(({ group }) => !groupIds || groupIds.has(group.id) === inside)
  return chosen.map(({ group, names }) => ({ title: group.title, yName: group.axis, names, yLog: group.range.log, yMin: group.range.log ? undefined : group.range.min, yMax: group.range.max }))
}
