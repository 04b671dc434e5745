/**
 * Reproductions: published numbers shipped with a preset (resources/references/NAME.json) and
 * the comparison of an experiment's runs with them, cell by cell. The CLI (`fa-lab reproduce`),
 * the Reproduction panel and the figures' published points all read `compareWithReference`.
 */
import { z } from 'zod'
import { spread } from './analysis'
import type { Comparison, ReferenceOverlay, ReferencePoint } from './comparison'
import { getPath } from './fields'
import type { FigureSpec } from './figure-spec'
import { flattenConfig } from './grouping'
import { fieldValueLabel } from './labels'
import { isMeasure, measureConversion, measureInfo } from './measures'

/** Where a published number comes from. */
export const ReferenceSource = z.strictObject({
  /** Short citation, as the figures' legends show it: `Song et al. 2021`. */
  paper: z.string().min(1).max(200),
  /** Figure or table: `Fig. 2`. */
  figure: z.string().max(200).optional(),
  /** The authors' repository and the file the number was computed from, where there is one. */
  repository: z.string().max(300).optional(),
  file: z.string().max(300).optional(),
  /** How the number was obtained (computed from the file, read off the figure, quoted from the text). */
  how: z.string().max(1000).optional(),
})
export type ReferenceSource = z.infer<typeof ReferenceSource>

/** A cell's config values: config path → value (`model.activation` → `linear`). */
const CellKey = z.record(z.string().regex(/^[\w]+(\.[\w]+)*$/), z.union([z.string(), z.number(), z.boolean()]))

export const ReferenceCell = z.strictObject({
  key: CellKey,
  /** A measure of the registry; the run's final value of it is compared. */
  measure: z.string().min(1),
  mean: z.number(),
  /** The published SD over the authors' n runs; null where none was published (the cell's SE is then taken as 0). */
  sd: z.number().min(0).nullable(),
  n: z.int().positive(),
  /** A key of the file's `sources`. */
  source: z.string().min(1),
})
export type ReferenceCell = z.infer<typeof ReferenceCell>

export const ReferenceFile = z
  .strictObject({
    preset: z.string().regex(/^[\w.-]+$/),
    /** The name the figures' legends give the published points. */
    label: z.string().min(1).max(100),
    /** What differs between the authors' setting and the preset's, if anything. */
    note: z.string().max(4000).optional(),
    sources: z.record(z.string(), ReferenceSource),
    cells: z.array(ReferenceCell).min(1).max(10_000),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>()
    file.cells.forEach((cell, i) => {
      if (!Object.hasOwn(file.sources, cell.source)) ctx.addIssue({ code: 'custom', path: ['cells', i, 'source'], message: `'${cell.source}' is not one of sources (${Object.keys(file.sources).join(', ')})` })
      if (!isMeasure(cell.measure)) ctx.addIssue({ code: 'custom', path: ['cells', i, 'measure'], message: `'${cell.measure}' is not a measure of src-shared/measures.ts` })
      const id = cellId(cell)
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['cells', i, 'key'], message: `a second cell with the same key and measure (${id})` })
      seen.add(id)
    })
  })
export type ReferenceFile = z.infer<typeof ReferenceFile>

/** A cell's identity: its measure and its key, paths in sorted order. */
export function cellId(cell: Pick<ReferenceCell, 'key' | 'measure'>): string {
  return JSON.stringify([cell.measure, ...Object.keys(cell.key).sort().map((k) => [k, cell.key[k]])])
}

/** Verdicts: |z| ≤ 2 agrees, beyond differs; fewer than 2 of our runs cannot say. */
export const verdicts = ['agrees', 'differs', 'too few runs'] as const
export type Verdict = (typeof verdicts)[number]

/** How far a difference may go, in combined standard errors, and still agree. */
export const agreementZ = 2

/** What a run contributes: its config, its final measures and how it stopped. */
export interface ReproductionRun {
  runId: number
  config: unknown
  finalMetrics: Record<string, number> | null
  stopReason: string | null
}

export interface ReproductionCell {
  key: Record<string, string | number | boolean>
  measure: string
  reference: { mean: number; sd: number | null; n: number; se: number; source: string }
  ours: { mean: number; sd: number | null; n: number; se: number | null }
  /** (ours − ref) / √(SE_ours² + SE_ref²); null with fewer than 2 of our runs, or when both SEs are 0. */
  z: number | null
  verdict: Verdict
  /** Our runs in the cell that stopped at their step limit rather than by the convergence stop. */
  stepLimit: number
  runIds: number[]
}

export interface ReproductionReport {
  preset: string
  label: string
  note?: string
  cells: ReproductionCell[]
  agree: number
  total: number
  /** Runs of the cells that reached their step limit, over all cells. */
  stepLimit: number
}

/** `Song et al. 2021, Fig. 2; github:owner/repo file` */
export function sourceText(source: ReferenceSource): string {
  const where = [source.repository, source.file].filter(Boolean).join(' ')
  return [source.figure ? `${source.paper}, ${source.figure}` : source.paper, where, source.how].filter(Boolean).join('; ')
}

/** Whether a run's config holds every value of a cell's key. */
function inCell(config: unknown, key: ReferenceCell['key']): boolean {
  return Object.entries(key).every(([path, value]) => getPath(config, path) === value)
}

/**
 * Compares runs with a reference, cell by cell: each run falls in the cells whose key its config
 * matches; cells none of the runs fall in are left out. A cell's mean and SD are over the final
 * values of its measure (SD with n − 1), SE = SD/√n; the reference's SE is its SD/√n (0 without
 * an SD). Differing cells come first, then too few runs, then agreeing ones, each in file order.
 */
export function compareWithReference(reference: ReferenceFile, runs: readonly ReproductionRun[]): ReproductionReport {
  const cells: ReproductionCell[] = []
  for (const cell of reference.cells) {
    const members = runs.filter((r) => inCell(r.config, cell.key) && Number.isFinite(r.finalMetrics?.[cell.measure]))
    if (members.length === 0) continue
    const values = members.map((r) => r.finalMetrics![cell.measure])
    const { mean, halfWidth, n } = spread(values, 'sd')
    const sd = n >= 2 ? halfWidth : null
    const se = sd === null ? null : sd / Math.sqrt(n)
    const refSe = cell.sd === null ? 0 : cell.sd / Math.sqrt(cell.n)
    const combined = se === null ? 0 : Math.sqrt(se ** 2 + refSe ** 2)
    const z = se === null || combined === 0 ? null : (mean - cell.mean) / combined
    const verdict: Verdict = n < 2 ? 'too few runs' : z === null ? (mean === cell.mean ? 'agrees' : 'differs') : Math.abs(z) <= agreementZ ? 'agrees' : 'differs'
    cells.push({
      key: cell.key,
      measure: cell.measure,
      reference: { mean: cell.mean, sd: cell.sd, n: cell.n, se: refSe, source: sourceText(reference.sources[cell.source]) },
      ours: { mean, sd, n, se },
      z,
      verdict,
      stepLimit: members.filter((r) => r.stopReason === 'step-limit').length,
      runIds: members.map((r) => r.runId),
    })
  }
  const order: Record<Verdict, number> = { differs: 0, 'too few runs': 1, agrees: 2 }
  const sorted = cells.map((c, i) => ({ c, i })).sort((a, b) => order[a.c.verdict] - order[b.c.verdict] || a.i - b.i).map(({ c }) => c)
  return {
    preset: reference.preset,
    label: reference.label,
    ...(reference.note ? { note: reference.note } : {}),
    cells: sorted,
    agree: cells.filter((c) => c.verdict === 'agrees').length,
    total: cells.length,
    stepLimit: cells.reduce((a, c) => a + c.stepLimit, 0),
  }
}

/**
 * The published numbers to draw over a figure of `comparison`: each cell of the reference, in every
 * panel of its measure (or of its complement: a published accuracy on a test error panel reads as
 * 1 − accuracy, measureConversion) where a line holds runs of the cell (the panel's split value and the line's
 * runs match the cell's key), for that line. On a sweep the point sits at the cell's value of the
 * swept field; on curves at the line's last x (the references are final values). The bar spans
 * ±agreementZ published SEs (SD/√n; none without an SD), the band within which our mean agrees
 * when our own SE is small. `configs` holds each run's config by id.
 */
export function referenceOverlay(reference: ReferenceFile, spec: Pick<FigureSpec, 'kind' | 'sweepField' | 'splitBy' | 'logX'>, comparison: Pick<Comparison, 'groups' | 'panels'>, configs: ReadonlyMap<number, unknown>): ReferenceOverlay {
  const groups = new Map(comparison.groups.map((g) => [g.key, g]))
  const panelKeyOf = (measure: string, config: unknown) => (spec.splitBy ? `${measure}|${flattenConfig(config).get(spec.splitBy)}` : measure)
  const points: ReferencePoint[] = []
  for (const cell of reference.cells) {
    const se = cell.sd === null ? 0 : cell.sd / Math.sqrt(cell.n)
    for (const panel of comparison.panels) {
      // a published accuracy reaches a test error panel as 1 − accuracy (the measures' own definition)
      const convert = measureConversion(cell.measure, panel.measure)
      if (!convert) continue
      for (const line of panel.lines) {
        const holds = (groups.get(line.group)?.runIds ?? []).some((id) => {
          const config = configs.get(id)
          return config !== undefined && inCell(config, cell.key) && panelKeyOf(panel.measure, config) === panel.key
        })
        if (!holds) continue
        const x = spec.kind === 'sweep' ? cell.key[spec.sweepField] : line.mean.xs.at(-1)
        if (typeof x !== 'number' || !Number.isFinite(x) || (spec.logX && x <= 0)) continue
        const [lower, upper] = [convert(cell.mean - agreementZ * se), convert(cell.mean + agreementZ * se)].sort((a, b) => a - b)
        points.push({ panel: panel.key, group: line.group, x, mean: convert(cell.mean), lower, upper, n: cell.n })
        // one point a cell and panel: per-run lines of one cell all end where the published value is
        break
      }
    }
  }
  return { label: reference.label, points }
}

/** `model.activation = linear, λ = 0.2, p = 200`: a cell's key as the lab labels config values. */
export function cellLabel(key: ReproductionCell['key']): string {
  return Object.entries(key)
    .map(([path, value]) => fieldValueLabel(path, value))
    .join(', ')
}

/** The exit code of `fa-lab reproduce`: 0 when every cell agrees, 1 otherwise. */
export function reproductionExitCode(report: ReproductionReport): 0 | 1 {
  return report.total > 0 && report.agree === report.total ? 0 : 1
}

const fmt = (x: number | null, digits = 3) => (x === null ? '–' : x.toFixed(digits))

/**
 * The report as Markdown: one table per group of cells sharing every key path but the last
 * (the config they share), then "k of m cells agree".
 */
export function reproductionMarkdown(report: ReproductionReport, title?: string): string {
  const lines = [`# ${title ?? `Reproduction of ${report.label}: ${report.preset}`}`, '']
  if (report.note) lines.push(report.note, '')
  const groups = new Map<string, ReproductionCell[]>()
  for (const cell of report.cells) {
    const paths = Object.keys(cell.key)
    const shared = Object.fromEntries(paths.slice(0, -1).map((p) => [p, cell.key[p]]))
    const label = `${measureInfo(cell.measure).label}${paths.length > 1 ? ` — ${cellLabel(shared)}` : ''}`
    groups.set(label, [...(groups.get(label) ?? []), cell])
  }
  for (const [label, cells] of groups) {
    lines.push(`## ${label}`, '', '| cell | reference mean ± SD (n) | ours mean ± SD (n) | z | verdict | step limit |', '|---|---|---|---|---|---|')
    for (const c of cells) {
      const last = Object.keys(c.key).at(-1)!
      lines.push(
        `| ${fieldValueLabel(last, c.key[last])} | ${fmt(c.reference.mean)} ± ${fmt(c.reference.sd)} (${c.reference.n}) | ${fmt(c.ours.mean)} ± ${fmt(c.ours.sd)} (${c.ours.n}) | ${c.z === null ? '–' : c.z.toFixed(2)} | ${c.verdict} | ${c.stepLimit || ''} |`,
      )
    }
    lines.push('')
  }
  if (report.stepLimit > 0) lines.push(`${report.stepLimit} run${report.stepLimit === 1 ? '' : 's'} stopped at the step limit, not by the convergence stop.`, '')
  lines.push(`${report.agree} of ${report.total} cells agree (|z| ≤ ${agreementZ}).`)
  return lines.join('\n') + '\n'
}
