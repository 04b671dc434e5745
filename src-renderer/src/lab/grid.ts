/** Sweep axes as the form edits them (a field and its values, typed or as a range) ⇄ an experiment's grid. */
import { z } from 'zod'
import { fieldAt, fieldShortName } from '../../../src-shared/fields'
import { fieldCaption, parseFieldInput } from './form'

export interface AxisRange {
  from: number
  to: number
  count: number
  scale: 'linear' | 'log'
}

export interface GridRow {
  /** The swept field's path (`model.hidden`). */
  path: string
  /** Values typed as a list: `100 400`, `0, 0.1` or JSON `[[100], [50, 50]]`. */
  values: string
  /** When set, the values are this range instead. */
  range?: AxisRange
}

/** Parses "0, 0.1, 0.3", "100 400" or a JSON list like [[100], [50, 50]] into values. */
export function parseGridValues(text: string): unknown[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed)
      if (Array.isArray(parsed)) return parsed
    } catch {
      // fall through to the plain list
    }
  }
  return trimmed
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((t) => {
      try {
        return JSON.parse(t)
      } catch {
        return t
      }
    })
}

/**
 * `count` values from `from` to `to`, evenly spaced (linear) or evenly spaced in the logarithm
 * (log: 100 to 1600 in 3 gives 100, 400, 1600); whole numbers for integer fields, and 4
 * significant digits otherwise so 0.1 stays 0.1.
 */
export function rangeValues(range: AxisRange, integer = false): number[] {
  const { from, to, scale } = range
  const count = Math.max(1, Math.floor(range.count))
  if (![from, to, count].every(Number.isFinite) || (scale === 'log' && (from <= 0 || to <= 0))) return []
  const values: number[] = []
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0 : i / (count - 1)
    const v = scale === 'log' ? Math.exp(Math.log(from) + t * (Math.log(to) - Math.log(from))) : from + t * (to - from)
    values.push(integer ? Math.round(v) : Number(v.toPrecision(4)))
  }
  return [...new Set(values)]
}

/** A row's values: its range when it has one, else its typed list. */
export function rowValues(row: GridRow): unknown[] {
  if (row.range) return rangeValues(row.range, fieldAt(row.path.trim())?.kind === 'integer')
  return parseGridValues(row.values)
}

/**
 * The axis `row` moved to the field at `path`: its values stay when the new field takes every one
 * of them (λ to η), else it starts from the field's choices (every option) or its example value,
 * so a changed field never opens on errors about the old field's values.
 */
export function movedRow(row: GridRow, path: string): GridRow {
  const field = fieldAt(path)
  if (!field) return { ...row, path }
  const values = rowValues(row)
  if (values.length && values.every((v) => z.safeParse(field.schema, v).success)) return { ...row, path }
  const start = field.options ? [...field.options] : [field.example ?? field.default].filter((v) => v !== undefined)
  return { path, range: undefined, values: start.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v))).join(', ') }
}

export function rowsToGrid(rows: GridRow[]): Record<string, unknown[]> {
  // keyed by the paths the user typed: no prototype to write through
  const grid = Object.create(null) as Record<string, unknown[]>
  for (const row of rows) if (row.path.trim()) grid[row.path.trim()] = rowValues(row)
  return grid
}

export function gridToRows(grid: Record<string, unknown[]>): GridRow[] {
  return Object.entries(grid).map(([path, values]) => ({
    path,
    values: values.every((v) => typeof v === 'number' || typeof v === 'string') ? values.join(', ') : JSON.stringify(values),
  }))
}

/** A field a variant sets to one value: its path and the value as typed (`tanh`, `0.1`). */
export interface SetRow {
  path: string
  value: string
}

/** A variant as the form edits it: a name, fields set to one value each, and its own axes. */
export interface VariantDraft {
  name: string
  set: SetRow[]
  grid: GridRow[]
}

/** What a variant's typed value means for its field (a number for numeric fields, JSON for lists and schedules). */
export function parseSetValue(path: string, text: string): unknown {
  const field = fieldAt(path.trim())
  if (field) return parseFieldInput(field, text)
  const trimmed = text.trim()
  try {
    return JSON.parse(trimmed)
  } catch {
    return trimmed
  }
}

/** A value as the text a set row shows. */
export function setValueText(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join(', ')
  return JSON.stringify(value)
}

/** The form's variants as the experiment's `variants` (rows without a path are left out). */
export function draftsToVariants(drafts: VariantDraft[]): { name?: string; set: Record<string, unknown>; grid: Record<string, unknown[]> }[] {
  return drafts.map((d) => {
    const set = Object.create(null) as Record<string, unknown>
    for (const row of d.set) if (row.path.trim()) set[row.path.trim()] = parseSetValue(row.path, row.value)
    return { ...(d.name.trim() ? { name: d.name.trim() } : {}), set, grid: rowsToGrid(d.grid) }
  })
}

/** An experiment's `variants` as the form edits them; anything that is not a list of variants gives none. */
export function variantsToDrafts(variants: unknown): VariantDraft[] {
  if (!Array.isArray(variants)) return []
  return variants.map((v) => {
    const variant = (v && typeof v === 'object' ? v : {}) as { name?: unknown; set?: unknown; grid?: unknown }
    const set = variant.set && typeof variant.set === 'object' ? Object.entries(variant.set as Record<string, unknown>).map(([path, value]) => ({ path, value: setValueText(value) })) : []
    const grid = variant.grid && typeof variant.grid === 'object' ? gridToRows(variant.grid as Record<string, unknown[]>) : []
    return { name: typeof variant.name === 'string' ? variant.name : '', set, grid }
  })
}

/**
 * Linked axes whose value lists differ in length, said plainly with each field's label and count
 * (`Linked fields must have the same number of values: Hidden width p has 3, Teacher width has 2`);
 * null when they agree.
 */
export function zipLengthIssue(rows: GridRow[]): string | null {
  const counted = rows.filter((r) => r.path.trim()).map((r) => ({ path: r.path.trim(), count: rowValues(r).length }))
  if (new Set(counted.map((c) => c.count)).size <= 1) return null
  const named = counted.map((c) => `${fieldAt(c.path) ? fieldCaption(fieldAt(c.path)!) : c.path} has ${c.count}`)
  return `Linked fields must have the same number of values, since the i-th values go together: ${named.join(', ')}`
}

/** `p=100`; a linked list shorter than the others shows `?` where its value is missing. */
function axisLabel(path: string, value: unknown): string {
  return `${fieldShortName(path)}=${value === undefined ? '?' : JSON.stringify(value).replaceAll('"', '')}`
}

/**
 * The runs an experiment expands to, as short labels in the lab's order (variant slowest, then
 * its own grid, the shared grid, and the linked axes fastest, as expandExperiment orders them):
 * `relu · p=100 λ=0`. A variant is named by its name, else by the values it sets. At most
 * `limit` labels.
 */
export function previewExperiment(
  experiment: { grid?: Record<string, unknown[]>; variants?: { name?: string; set?: Record<string, unknown>; grid?: Record<string, unknown[]> }[]; zip?: Record<string, unknown[]> },
  limit = 200,
  /** Labels each run instead: its values by path and its variant's name (run names from a template). */
  label?: (point: Record<string, unknown>, variantName: string | undefined) => string,
): string[] {
  const variants = experiment.variants?.length ? experiment.variants : [{}]
  const shared = Object.entries(experiment.grid ?? {})
  const zip = Object.entries(experiment.zip ?? {})
  const zipCount = zip.length ? zip[0][1].length : 1
  const labels: string[] = []
  for (const variant of variants) {
    const own = Object.entries(variant.grid ?? {})
    const axes = [...own, ...shared]
    const count = axes.reduce((n, [, values]) => n * values.length, 1) * zipCount
    const head = variant.name ?? Object.entries(variant.set ?? {}).map(([p, v]) => axisLabel(p, v)).join(' ')
    for (let index = 0; index < count; index++) {
      if (labels.length >= limit) return labels
      const z = index % zipCount
      let rest = Math.floor(index / zipCount)
      const parts: string[] = []
      const point = Object.assign(Object.create(null) as Record<string, unknown>, variant.set)
      for (let a = axes.length - 1; a >= 0; a--) {
        const [path, values] = axes[a]
        parts.unshift(axisLabel(path, values[rest % values.length]))
        point[path] = values[rest % values.length]
        rest = Math.floor(rest / values.length)
      }
      for (const [path, values] of zip) parts.push(axisLabel(path, (point[path] = values[z])))
      if (label) {
        labels.push(label(point, variant.name))
        continue
      }
      const body = parts.join(' ')
      labels.push(head && body ? `${head} · ${body}` : head || body)
    }
  }
  return labels
}
