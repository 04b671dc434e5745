/** Sweep axes as the form edits them (a field and its values, typed or as a range) ⇄ an experiment's grid. */
import { fieldAt, fieldShortName } from '../../../src-shared/fields'

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

export function rowsToGrid(rows: GridRow[]): Record<string, unknown[]> {
  const grid: Record<string, unknown[]> = {}
  for (const row of rows) if (row.path.trim()) grid[row.path.trim()] = rowValues(row)
  return grid
}

export function gridToRows(grid: Record<string, unknown[]>): GridRow[] {
  return Object.entries(grid).map(([path, values]) => ({
    path,
    values: values.every((v) => typeof v === 'number' || typeof v === 'string') ? values.join(', ') : JSON.stringify(values),
  }))
}

/**
 * The runs a grid expands to, as short labels in the lab's order (first axis slowest):
 * `p=100 λ=0`. At most `limit` labels; the count is the product of the axis lengths.
 */
export function previewRuns(grid: Record<string, unknown[]>, limit = 200): string[] {
  const axes = Object.entries(grid)
  const total = axes.reduce((n, [, values]) => n * values.length, 1)
  const labels: string[] = []
  for (let index = 0; index < Math.min(total, limit); index++) {
    let rest = index
    const parts: string[] = []
    for (let a = axes.length - 1; a >= 0; a--) {
      const [path, values] = axes[a]
      parts.unshift(`${fieldShortName(path)}=${JSON.stringify(values[rest % values.length]).replaceAll('"', '')}`)
      rest = Math.floor(rest / values.length)
    }
    labels.push(parts.join(' '))
  }
  return labels
}
