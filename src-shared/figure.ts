/**
 * Figures: a saved comparison's settings (FigureSpec) and the pure builder that turns runs'
 * series into an ECharts option plus the exact numbers it plots. The comparison view renders the
 * option live; main renders the same option to SVG, PNG or PDF without a window.
 */
import type { EChartsOption } from 'echarts'
import { z } from 'zod'
import { axisTitles, Band, downsampleMinMax, groupCurves, sweepLines, XAxis, type RunSeries } from './analysis'
import { fieldTitle } from './fields'
import { measureInfo, measureTitle } from './measures'

export const FigureSpec = z.strictObject({
  kind: z.enum(['curves', 'sweep']).default('curves'),
  title: z.string().default(''),
  runIds: z.array(z.int().positive()).min(1),
  measure: z.string().min(1),
  xAxis: XAxis.default('step'),
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
  width: z.int().min(100).max(8000).default(800),
  height: z.int().min(100).max(8000).default(500),
})
export type FigureSpec = z.infer<typeof FigureSpec>
export type FigureSpecInput = z.input<typeof FigureSpec>

/** The file formats a figure renders to. */
export const FigureFormat = z.enum(['svg', 'png', 'pdf'])
export type FigureFormat = z.infer<typeof FigureFormat>

export interface FigureData {
  header: string[]
  rows: (string | number)[][]
}

const bandNames = { none: '', sd: '± SD', se: '± SE', ci95: '95% CI' }
export const printPalette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22']

function hexToRgba(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16)
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`
}

/** Builds the figure: the chart option and the numbers it draws, row for row. */
export function buildFigure(spec: FigureSpec, series: RunSeries[]): { option: EChartsOption; data: FigureData } {
  const measure = measureInfo(spec.measure).label
  const sweepTitle = fieldTitle(spec.sweepField)
  const base: EChartsOption = {
    animation: false,
    backgroundColor: '#ffffff',
    color: printPalette,
    textStyle: { fontFamily: 'DejaVu Sans, Helvetica, Arial, sans-serif', color: '#000000' },
    title: { text: spec.title || `${measure}${spec.kind === 'sweep' ? ` against ${fieldTitle(spec.sweepField, false)}` : ''}`, left: 'center', top: 6, textStyle: { fontSize: 15, fontWeight: 'normal' } },
    legend: { top: 30, type: 'plain', itemWidth: 18, itemGap: 28, textStyle: { fontSize: 11 } },
    grid: { left: 72, right: 24, top: 70, bottom: 56 },
  }
  /** Many groups: a vertical legend on the right, so long labels never overlap. */
  const withLegend = (labels: string[]): EChartsOption => {
    if (labels.length <= 3) return { legend: { ...(base.legend as object), data: labels } }
    const longest = Math.max(...labels.map((l) => l.length))
    const right = Math.min(Math.round(spec.width * 0.5), 56 + Math.ceil(longest * 7.2))
    // anchored on its left edge, so text wider than ECharts estimates runs into the margin, not off the page
    return { legend: { ...(base.legend as object), data: labels, orient: 'vertical', top: 60, left: spec.width - right + 16, itemGap: 8 }, grid: { ...(base.grid as object), right, top: 50 } }
  }
  const yAxis = { type: spec.logY ? 'log' : 'value', name: measureTitle(spec.measure), nameLocation: 'middle', nameGap: 52, scale: !spec.logY, axisLine: { show: true, lineStyle: { color: '#000' } }, splitLine: { lineStyle: { color: '#e5e5e5' } } } as const
  const xAxisStyle = { nameLocation: 'middle', nameGap: 32, axisLine: { onZero: false, lineStyle: { color: '#000' } }, splitLine: { show: false } } as const

  if (spec.kind === 'sweep') {
    const lines = sweepLines(series, { name: spec.measure, xField: spec.sweepField, groupBy: spec.groupBy, statistic: spec.statistic, band: spec.band })
    const rows: (string | number)[][] = []
    const chartSeries: NonNullable<EChartsOption['series']> = []
    lines.forEach((line, i) => {
      const color = printPalette[i % printPalette.length]
      chartSeries.push({ name: line.label, type: 'line', symbol: 'circle', symbolSize: 6, lineStyle: { width: 1.5 }, itemStyle: { color }, data: line.points.map((p) => [p.x, p.mean]) })
      if (spec.band !== 'none')
        chartSeries.push({
          name: line.label,
          type: 'custom',
          renderItem: ((params: unknown, api: { value(i: number): number; coord(p: [number, number]): [number, number]; style(): unknown }) => {
            const low = api.coord([api.value(0), api.value(1)])
            const high = api.coord([api.value(0), api.value(2)])
            return { type: 'group', children: [{ type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: { stroke: color, lineWidth: 1 } }, { type: 'line', shape: { x1: low[0] - 4, y1: low[1], x2: low[0] + 4, y2: low[1] }, style: { stroke: color, lineWidth: 1 } }, { type: 'line', shape: { x1: high[0] - 4, y1: high[1], x2: high[0] + 4, y2: high[1] }, style: { stroke: color, lineWidth: 1 } }] }
          }) as never,
          data: line.points.map((p) => [p.x, p.lower, p.upper]),
          z: 1,
        })
      for (const p of line.points) rows.push([line.label, p.x, p.mean, p.lower, p.upper, p.n])
    })
    return {
      option: { ...base, ...withLegend(lines.map((l) => l.label)), xAxis: { type: spec.logX ? 'log' : 'value', name: sweepTitle, ...xAxisStyle, scale: true, min: 'dataMin', max: 'dataMax' }, yAxis, series: chartSeries },
      data: { header: ['group', sweepTitle, `${measure} mean`, 'lower', 'upper', 'runs'], rows },
    }
  }

  const curves = groupCurves(series, { groupBy: spec.groupBy, xAxis: spec.xAxis, band: spec.band, smoothing: spec.smoothing })
  const raw = spec.smoothing > 0 ? groupCurves(series, { groupBy: spec.groupBy, xAxis: spec.xAxis, band: 'none', smoothing: 0 }) : []
  const rows: (string | number)[][] = []
  const chartSeries: NonNullable<EChartsOption['series']> = []
  const bandInLegend = spec.band === 'none' ? '' : ` (mean ${bandNames[spec.band]})`
  curves.forEach((curve, i) => {
    const color = printPalette[i % printPalette.length]
    const kept = downsampleMinMax(curve.xs.map((_, k) => k), curve.mean, spec.maxPoints).xs
    const at = (values: number[]) => kept.map((k) => [curve.xs[k], values[k]] as [number, number])
    const rawCurve = raw.find((r) => r.label === curve.label)
    if (rawCurve) {
      const keptRaw = downsampleMinMax(rawCurve.xs.map((_, k) => k), rawCurve.mean, spec.maxPoints).xs
      chartSeries.push({ name: curve.label, type: 'line', showSymbol: false, silent: true, lineStyle: { width: 1, color: hexToRgba(color, 0.25) }, data: keptRaw.map((k) => [rawCurve.xs[k], rawCurve.mean[k]]), z: 1 })
    }
    if (spec.band !== 'none' && !spec.logY) {
      const stack = `band-${i}`
      chartSeries.push({ name: curve.label, type: 'line', stack, stackStrategy: 'all', showSymbol: false, silent: true, lineStyle: { opacity: 0 }, data: at(curve.lower), z: 0 })
      chartSeries.push({ name: curve.label, type: 'line', stack, stackStrategy: 'all', showSymbol: false, silent: true, lineStyle: { opacity: 0 }, areaStyle: { color: hexToRgba(color, 0.18) }, data: kept.map((k) => [curve.xs[k], curve.upper[k] - curve.lower[k]]), z: 0 })
    } else if (spec.band !== 'none') {
      for (const edge of [curve.lower, curve.upper]) chartSeries.push({ name: curve.label, type: 'line', showSymbol: false, silent: true, lineStyle: { width: 1, type: 'dashed', color: hexToRgba(color, 0.6) }, data: at(edge), z: 1 })
    }
    chartSeries.push({ name: curve.label, type: 'line', showSymbol: false, lineStyle: { width: 1.8, color }, itemStyle: { color }, data: at(curve.mean), z: 3 })
    for (const k of kept) rows.push([curve.label, curve.xs[k], curve.mean[k], curve.lower[k], curve.upper[k]])
  })
  return {
    option: {
      ...base,
      ...withLegend(curves.map((c) => c.label)),
      xAxis: { type: spec.logX ? 'log' : 'value', name: axisTitles[spec.xAxis], ...xAxisStyle, min: 'dataMin', max: 'dataMax' },
      yAxis: { ...yAxis, name: `${measureTitle(spec.measure)}${bandInLegend}` },
      series: chartSeries,
    },
    data: { header: ['group', axisTitles[spec.xAxis], `${measure}${spec.smoothing > 0 ? ' (smoothed)' : ''} mean`, 'lower', 'upper'], rows },
  }
}
