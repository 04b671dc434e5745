/**
 * The runs table's parallel-coordinates view: one axis per config parameter that differs among
 * the shown runs and one for a final measure, one line per run; brushing an axis selects runs.
 */
import type { EChartsOption } from 'echarts'
import type { RunSummary } from '../../../src-shared/contract'
import { measureInfo } from '../../../src-shared/measures'
import { palette } from '../../../src-shared/figure'

export interface ParallelAxis {
  name: string
  /** Value of a run on this axis, or undefined where it has none. */
  value(run: RunSummary): number | string | undefined
}

/** The axes: parameters whose values differ among the runs (numbers as value axes, the rest as categories), then the measure. */
export function parallelAxes(runs: RunSummary[], measure: string): ParallelAxis[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.parameters)))]
  const axes: ParallelAxis[] = []
  for (const key of [...keys, 'seed', 'rule']) {
    const value = (r: RunSummary) => (key === 'seed' ? r.seed : key === 'rule' ? r.rule : (r.parameters[key] as number | string | undefined))
    if (new Set(runs.map((r) => JSON.stringify(value(r)))).size > 1) axes.push({ name: key, value })
  }
  axes.push({ name: measureInfo(measure).label, value: (r) => r.finalMetrics?.[measure] })
  return axes
}

/** The option: run ids ride along as each line's name, so a brush maps back to runs. */
export function parallelOption(runs: RunSummary[], measure: string, selected: Set<number>): EChartsOption {
  const axes = parallelAxes(runs, measure)
  const isNumeric = axes.map((a) => runs.every((r) => a.value(r) === undefined || typeof a.value(r) === 'number'))
  return {
    animation: false,
    parallel: { left: 48, right: 96, top: 36, bottom: 24 },
    parallelAxis: axes.map((a, dim) =>
      isNumeric[dim]
        ? { dim, name: a.name, type: 'value', scale: true }
        : { dim, name: a.name, type: 'category', data: [...new Set(runs.map((r) => String(a.value(r) ?? '—')))].sort() },
    ),
    series: [
      {
        type: 'parallel',
        lineStyle: { width: 1.2, opacity: 0.7 },
        inactiveOpacity: 0.08,
        activeOpacity: 1,
        data: runs.map((r) => ({
          name: String(r.id),
          value: axes.map((a, dim) => (isNumeric[dim] ? (a.value(r) ?? null) : String(a.value(r) ?? '—'))) as (number | string)[],
          lineStyle: { color: selected.has(r.id) ? palette[1] : palette[0] },
        })),
      },
    ],
  }
}
