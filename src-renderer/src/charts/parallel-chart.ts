/**
 * The runs table's parallel-coordinates view: one axis per config column that differs among the
 * runs and one for a final measure, one line per run. Brushing axes filters the table: the runs
 * inside every brushed axis's intervals (brushedRunIds) stay.
 */
import type { EChartsOption } from 'echarts'
import type { RunSummary } from '../../../src-shared/contract'
import { columnFields } from '../../../src-shared/fields'
import { palette } from '../../../src-shared/figure'
import { columnTitle, columnValue, type ColumnKey } from '../lab/run-table'

export interface ParallelAxis {
  key: ColumnKey
  name: string
  /** Numbers on a value axis; anything else on a category axis of the sorted texts (`—` for none). */
  numeric: boolean
  categories: string[]
}

/** The axes: rule, seed and the schema's column fields whose values differ among the runs, then the measure. */
export function parallelAxes(runs: readonly RunSummary[], measure: string): ParallelAxis[] {
  const keys: ColumnKey[] = [...new Set<ColumnKey>(['field:rule', 'field:seed', ...columnFields().map((f) => `field:${f.path}` as ColumnKey)])]
  const axes: ParallelAxis[] = []
  const axis = (key: ColumnKey): ParallelAxis => {
    const values = runs.map((r) => columnValue(r, key))
    const numeric = values.every((v) => v === undefined || typeof v === 'number')
    return { key, name: columnTitle(key), numeric, categories: numeric ? [] : [...new Set(values.map((v) => String(v ?? '—')))].sort() }
  }
  for (const key of keys) {
    const first = runs.length ? JSON.stringify(columnValue(runs[0], key)) : ''
    if (runs.some((r) => JSON.stringify(columnValue(r, key)) !== first)) axes.push(axis(key))
  }
  axes.push(axis(`measure:${measure}`))
  return axes
}

/** A run's coordinate on an axis: its number, or its category's index (what ECharts' brush intervals are in). */
function coordinate(run: RunSummary, axis: ParallelAxis): number | null {
  const value = columnValue(run, axis.key)
  if (axis.numeric) return typeof value === 'number' ? value : null
  return axis.categories.indexOf(String(value ?? '—'))
}

/**
 * Each line's opacity: 0.7 for a few runs, falling as 1/n past 40 (so that where every line
 * crosses one point, as they do at a category, the stack stays about as dark as 40 lines at 0.7
 * would draw), never under 0.01. At 2,200 runs of 0.25, every axis was a solid bar of colour.
 */
export function parallelLineOpacity(count: number): number {
  return Math.max(0.01, Math.min(0.7, 28 / Math.max(1, count)))
}

/**
 * Axis labels and names are drawn above the lines, each on a white halo, so the categories of
 * Learning rule, Seed's ticks and λ's 0 read through any number of lines. Above means a layer of
 * its own (zlevel 1 over the series' 0): past a few thousand points ECharts draws a series
 * progressively on an incremental layer, which a z alone does not put under the axes.
 */
const axisText = { textBorderColor: '#fff', textBorderWidth: 3 }

/** The option: run ids ride along as each line's name. It does not depend on the brush, so brushing never redraws it. */
export function parallelOption(runs: readonly RunSummary[], axes: ParallelAxis[]): EChartsOption {
  const common = { zlevel: 1, z: 4, axisLabel: axisText, nameTextStyle: axisText }
  return {
    animation: false,
    parallel: { left: 48, right: 96, top: 36, bottom: 24 },
    parallelAxis: axes.map((a, dim) => (a.numeric ? { ...common, dim, name: a.name, type: 'value', scale: true } : { ...common, dim, name: a.name, type: 'category', data: a.categories })),
    series: [
      {
        type: 'parallel',
        zlevel: 0,
        z: 2,
        lineStyle: { width: 1, opacity: parallelLineOpacity(runs.length), color: palette[0] },
        inactiveOpacity: 0.04,
        activeOpacity: 1,
        progressive: 2000,
        data: runs.map((r) => ({ name: String(r.id), value: axes.map((a) => (a.numeric ? coordinate(r, a) : (a.categories[coordinate(r, a)!] ?? '—'))) as (number | string)[] })),
      },
    ],
  }
}

/**
 * The runs inside every brushed axis: on a value axis, a value within one of its intervals; on a
 * category axis, a category whose index is. `intervals[dim]` empty or missing: that axis is not brushed.
 * Null when no axis is brushed (the table is not filtered).
 */
export function brushedRunIds(runs: readonly RunSummary[], axes: ParallelAxis[], intervals: readonly (readonly [number, number][] | undefined)[]): Set<number> | null {
  const brushed = axes.map((a, dim) => ({ a, list: intervals[dim] ?? [] })).filter((b) => b.list.length > 0)
  if (brushed.length === 0) return null
  const ids = new Set<number>()
  for (const run of runs) {
    const inside = brushed.every(({ a, list }) => {
      const c = coordinate(run, a)
      if (c === null || c < 0) return false
      // as ECharts marks lines active: the coordinate (a category's index) within an interval
      return list.some(([lo, hi]) => c >= lo && c <= hi)
    })
    if (inside) ids.add(run.id)
  }
  return ids
}
