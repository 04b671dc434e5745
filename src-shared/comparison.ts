/**
 * A comparison's data: which runs make which line, and each line's curve in each panel as group
 * statistics (mean, band, n at each x) downsampled to the figure's resolution. Main computes it
 * where the runs' series are (services/figures.ts) and hands it to the figure builder, on screen
 * and in every export, so what crosses to the renderer grows with groups × points, never with
 * runs × points. Pure: no node, electron or DOM imports.
 */
import type { Band, RunSeries } from './analysis'
import { collectPanels, splitValues, type ComparisonPanel, type Curve } from './figure-curves'
import { bandNames, type FigureSpec, type FigureSpecInput } from './figure-spec'
import { differingPaths, distinguishingField, groupRuns, holdsNumbers, orderFields, type RunGroup } from './grouping'
import { runRangesText } from './run-ranges'

export type { ComparisonPanel, Curve }

/** The data settings of a spec and its resolution as one string: the comparison changes exactly when it does. */
export function comparisonKey(spec: FigureSpec, widthPt: number): string {
  const { kind, runIds, measures, splitBy, xAxis, groupBy, band, smoothing, logX, logY, sweepField, statistic, reference } = spec
  return JSON.stringify([kind, runIds, measures, splitBy, xAxis, groupBy, band, smoothing, logX, logY, sweepField, statistic, reference ?? null, figureResolution(spec, widthPt)])
}

/** A copy of the spec with its runs as ranges text (`1-2460`): what requests and links carry, a few characters for a sweep's runs. */
export function compactSpec(spec: FigureSpec): FigureSpecInput {
  return { ...(JSON.parse(JSON.stringify(spec)) as FigureSpec), runIds: runRangesText(spec.runIds) }
}

/**
 * A legend entry standing for several lines (past legendLineLimit lines): the lines of one value of
 * the summarising fields, drawn in one colour.
 */
export interface LegendGroup {
  key: string
  /** `λ = 0.1, rule BP (275 runs)`, or without the field's name where one field titles the legend. */
  label: string
  /** Keys of the lines (groups) it stands for. */
  lines: string[]
  runCount: number
}

/**
 * A published number drawn over a figure: in panel `panel`, for line `group` (the line it is
 * compared with), at `x`, the published mean with a bar over [lower, upper] (mean ± 2 SE).
 */
export interface ReferencePoint {
  panel: string
  group: string
  x: number
  mean: number
  lower: number
  upper: number
  /** The authors' runs behind the number. */
  n: number
}

/** Published numbers over a figure (src-shared/reproduction.ts referenceOverlay): the legend names them by `label`, the reference's citation. */
export interface ReferenceOverlay {
  label: string
  points: ReferencePoint[]
}

/** What a figure plots, before any layout. */
export interface Comparison {
  /** Every line in legend (and colour) order; a group's runs are those of the spec found in the lab. */
  groups: RunGroup[]
  /** The one field that tells the legend's entries apart (the legend's title), or null. */
  legendField: string | null
  /** Past legendLineLimit lines, the legend's entries, each standing for several lines; else null (one entry per line). */
  legend: LegendGroup[] | null
  panels: ComparisonPanel[]
  /** Runs of the spec drawn (with data in at least one panel's measure), those in the lab without any yet, and the ones the lab no longer has. */
  runCount: number
  emptyRunIds: number[]
  missingRunIds: number[]
  /** The most points one curve may have (the figure's resolution, less for very many lines). */
  pointsPerCurve: number
  /** Published numbers drawn over the lines, where the spec names a reference (attached by main). */
  references?: ReferenceOverlay
}

/**
 * Points per curve for a figure: four per point of its width (a PNG at 3× has four device pixels
 * per point), at most the spec's `maxPoints`. Each downsampling bucket keeps its minimum and
 * maximum, so peaks survive at every pixel.
 */
export function figureResolution(spec: Pick<FigureSpec, 'maxPoints'>, widthPt: number): number {
  return Math.max(10, Math.min(spec.maxPoints, Math.ceil(widthPt * 4)))
}

/** The most points one comparison sends, whatever its runs: many per-run lines share it. */
export const comparisonPointBudget = 200_000

/** Past this many lines a legend summarises them by group rather than list them. */
export const legendLineLimit = 20

/**
 * The legend of many lines: by the lines' own fields less the seed (for one line per run), or by the
 * grouping fields, as many of them, first first, as give at most legendLineLimit entries; one entry
 * for all the lines where even the first field gives more.
 */
function summariseLegend(spec: FigureSpec, runs: { runId: number; config: unknown }[], groups: RunGroup[]): { legend: LegendGroup[]; field: string | null } {
  const ignore = new Set(['seed', 'name', ...(spec.kind === 'sweep' ? [spec.sweepField] : []), ...(spec.splitBy ? [spec.splitBy] : [])])
  const candidates = orderFields(spec.groupBy.length ? spec.groupBy : differingPaths(runs.map((r) => r.config))).filter((p) => !ignore.has(p))
  const lineOfRun = new Map(groups.flatMap((g) => g.runIds.map((id) => [id, g.key] as const)))
  const count = (n: number) => `${n.toLocaleString('en-US')} run${n === 1 ? '' : 's'}`
  for (let k = candidates.length; k >= 1; k--) {
    const fields = candidates.slice(0, k)
    const summary = groupRuns(runs, fields)
    if (summary.length > legendLineLimit) continue
    const field = fields.length === 1 ? fields[0] : null
    return {
      field,
      legend: summary.map((g) => {
        const lines = [...new Set(g.runIds.map((id) => lineOfRun.get(id)!))]
        // an entry standing for several groups' lines says how many, so a legend of 12 entries over 44 lines hides none of them
        // (one line per run: the caption says so, and the run count is the line count)
        const counts = spec.groupBy.length && lines.length > 1 ? `${lines.length} lines, ${count(g.runIds.length)}` : count(g.runIds.length)
        return { key: `legend ${g.key}`, label: `${field ? g.shortLabel : (g.compactLabel ?? g.label)} (${counts})`, lines, runCount: g.runIds.length }
      }),
    }
  }
  return { field: null, legend: [{ key: 'legend all', label: `${groups.length.toLocaleString('en-US')} lines (${count(runs.length)})`, lines: groups.map((g) => g.key), runCount: runs.length }] }
}

/** The lines of a spec over its runs: one per run, one per group of the grouping fields, or a sweep's per-setting lines. */
function linesOf(spec: FigureSpec, runs: { runId: number; config: unknown }[], names: ReadonlyMap<number, string>): { groups: RunGroup[]; legendField: string | null } {
  const ignore = [...(spec.kind === 'sweep' ? [spec.sweepField] : []), ...(spec.splitBy ? [spec.splitBy] : [])]
  const groupingForSweep = spec.kind === 'sweep' && spec.groupBy.length === 0
  // a sweep's per-run view: one line per setting of everything but the x field and the split field
  const sweepBy = groupingForSweep ? differingPaths(runs.map((r) => r.config)).filter((p) => !ignore.includes(p)) : []
  const groups = groupingForSweep ? (sweepBy.length ? groupRuns(runs, sweepBy, ignore) : [{ key: 'all', label: 'runs', shortLabel: 'runs', runIds: runs.map((r) => r.runId), mixed: [] }]) : groupRuns(runs, spec.groupBy, ignore, names)
  // one field tells the lines apart: it titles the legend, whose entries are its values
  // (not where the user named a line: a legend of values under a field's title would then mix in a name)
  const legendField = groups.some((g) => g.named) ? null : distinguishingField(runs, groupingForSweep ? sweepBy : spec.groupBy, ignore)
  return { groups, legendField }
}

/**
 * The comparison of `series[measure]` (one entry per run, with its config) under `spec`: lines,
 * panels (measures × values of the split field) and each line's curve. `resolution` is the most
 * points a curve keeps (figureResolution); with very many lines each keeps fewer, so that the
 * whole stays within comparisonPointBudget.
 */
export function compareSeries(spec: FigureSpec, series: Record<string, RunSeries[]>, resolution = spec.maxPoints): Comparison {
  const configs = new Map<number, unknown>()
  const names = new Map<number, string>()
  for (const list of Object.values(series))
    for (const s of list) {
      configs.set(s.runId, s.config)
      if (s.name) names.set(s.runId, s.name)
    }
  // a run that has measured none of the panels' measures draws nothing: it makes no line and no
  // legend entry (ECharts warns of a legend entry without its series), and the caption says so
  const measured = new Set(Object.values(series).flatMap((list) => list.filter((s) => s.steps.length > 0).map((s) => s.runId)))
  const inLab = spec.runIds.filter((id) => configs.has(id))
  const runs = inLab.filter((id) => measured.has(id)).map((runId) => ({ runId, config: configs.get(runId) }))
  const emptyRunIds = inLab.filter((id) => !measured.has(id))
  const lined = linesOf(spec, runs, names)
  const { groups } = lined
  const summarised = groups.length > legendLineLimit ? summariseLegend(spec, runs, groups) : null
  const panelCount = spec.measures.length * splitValues(spec, runs).length
  const curvesPerPanel = groups.length * (spec.smoothing > 0 ? 2 : 1)
  const pointsPerCurve = Math.max(10, Math.min(resolution, Math.floor(comparisonPointBudget / Math.max(1, curvesPerPanel * panelCount))))
  const panels = collectPanels(spec, series, runs, groups, pointsPerCurve)
  const missingRunIds = spec.runIds.filter((id) => !configs.has(id))
  return { groups, legendField: summarised ? summarised.field : lined.legendField, legend: summarised?.legend ?? null, panels, runCount: runs.length, emptyRunIds, missingRunIds, pointsPerCurve }
}

/**
 * The data's columns of a line's band, named by what the band is (`lower (mean ± SD)`), so a CSV
 * read alone says whether its bounds are an SD, an SE or a confidence interval; with published rows
 * beside the runs', what theirs are too.
 */
export function bandColumns(band: Band, published = false, z = 2): [string, string] {
  const name = bandNames[band].replaceAll('\u00a0', ' ')
  // published rows (a reference overlay) hold the published mean ± z SE, whatever the runs' band
  const says = [name, published ? `published rows: mean ± ${z} SE` : ''].filter(Boolean).join('; ')
  return says ? [`lower (${says})`, `upper (${says})`] : ['lower', 'upper']
}

/**
 * What a comparison shows, in words, counting only what is drawn: `2,200 runs in 8 groups`,
 * `12 runs, one line each`, `2 of 3 runs, in 2 groups; 1 run has no measurements yet`; and where
 * the legend summarises the lines, that it does and by what (`the legend shows 44 lines in 12
 * entries, by rule and λ: each entry's colour is all of its lines`).
 */
export function comparisonCaption(comparison: Pick<Comparison, 'runCount' | 'groups' | 'emptyRunIds' | 'legend'>, spec: Pick<FigureSpec, 'groupBy' | 'kind'>): string {
  const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`
  const empty = comparison.emptyRunIds.length
  const runs = empty ? `${comparison.runCount.toLocaleString('en-US')} of ${count(comparison.runCount + empty, 'run')}` : count(comparison.runCount, 'run')
  const perRun = spec.kind === 'curves' && spec.groupBy.length === 0
  const lines = perRun ? `${runs}, one line each` : `${runs}${empty ? ',' : ''} in ${count(comparison.groups.length, spec.kind === 'sweep' && spec.groupBy.length === 0 ? 'line' : 'group')}`
  const notes = [lines]
  if (empty) notes.push(`${count(empty, 'run')} ${empty === 1 ? 'has' : 'have'} no measurements yet`)
  const legend = comparison.legend
  if (legend && legend.length < comparison.groups.length) notes.push(`the legend shows the ${count(comparison.groups.length, 'line')} in ${count(legend.length, 'entry').replace(/entrys$/, 'entries')}, each entry's colour standing for all of its lines`)
  return notes.join('; ')
}

/** The config fields that differ among runs, for grouping, splitting and a sweep's x (numeric ones), in the order lines take them (orderFields). */
export function comparisonFields(configs: unknown[]): { path: string; numeric: boolean }[] {
  return orderFields(differingPaths(configs)).map((path) => ({ path, numeric: holdsNumbers(configs, path) }))
}
