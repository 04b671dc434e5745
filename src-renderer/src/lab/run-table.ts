/**
 * The runs table's columns, sorting, selection and scrolling window: pure, so tested without a
 * DOM, and written for 10,000 rows (a sort reads each run's key once; a keystroke only filters).
 */
import type { RunSummary } from '../../../src-shared/contract'
import { formatSeconds } from '../../../src-shared/durations'
import { columnFields, fieldColumnName, fieldTitle, getPath, runFields } from '../../../src-shared/fields'
import { measureInfo, tableMeasures } from '../../../src-shared/measures'
import { backendWithPath } from '../../../src-shared/training-paths'
import { runAttributes } from './run-filter'

/**
 * A column, as a key the URL, the picker, the sort and the filter share: `id`, `status`, `name`
 * (always shown), `field:<config path>`, `measure:<name>` or one of the run's own columns.
 */
export type ColumnKey = 'id' | 'status' | 'name' | 'experiment' | 'steps' | 'backend' | 'duration' | 'tags' | `field:${string}` | `measure:${string}`

/** The run's own columns the picker offers besides config fields and measures. */
export const runColumns = ['experiment', 'steps', 'backend', 'duration', 'tags'] as const

/** A cell's sortable value: a number, a string, or undefined (sorted last). */
export function columnValue(run: RunSummary, key: ColumnKey): number | string | undefined {
  if (key.startsWith('field:')) {
    const value = getPath(run.config, key.slice(6))
    if (typeof value === 'number' || typeof value === 'string') return value
    if (typeof value === 'boolean') return String(value)
    if (Array.isArray(value)) return value.join('-')
    return value === undefined || value === null ? undefined : JSON.stringify(value)
  }
  if (key.startsWith('measure:')) return run.finalMetrics?.[key.slice(8)]
  switch (key) {
    case 'id':
      return run.id
    case 'status':
      return run.activity ?? run.status
    case 'name':
      return run.name ?? undefined
    case 'experiment':
      return run.experimentId ?? undefined
    case 'steps':
      return run.stepsDone
    case 'backend':
      return run.backend ? backendWithPath(run.backend, run.trainingPath) : undefined
    case 'duration':
      return run.durationMs ?? undefined
    case 'tags':
      return run.tags.join(', ') || undefined
  }
  return undefined
}

/** A cell as text: measures to 4 significant digits, durations in words. */
export function cellText(run: RunSummary, key: ColumnKey): string {
  const value = columnValue(run, key)
  if (value === undefined) return ''
  if (key === 'duration') return formatSeconds((value as number) / 1000)
  if (key === 'steps') return `${run.stepsDone} / ${run.totalSteps}`
  if (key.startsWith('measure:') && typeof value === 'number') return Number(value.toPrecision(4)).toString()
  return String(value)
}

/** Whether a column holds numbers (measures, durations): its cells and its header are right-aligned, so digits line up under the name. */
export function isNumericColumn(key: ColumnKey): boolean {
  return key.startsWith('measure:') || key === 'duration'
}

/** A column's header: a field's symbol or label (`λ`, `Batch size`), a measure's label. */
export function columnTitle(key: ColumnKey): string {
  if (key.startsWith('field:')) return fieldColumnName(key.slice(6))
  if (key.startsWith('measure:')) return measureInfo(key.slice(8)).label
  return { id: '#', status: 'Status', name: 'Name', experiment: 'Experiment', steps: 'Steps', backend: 'Backend', duration: 'Duration', tags: 'Tags' }[key as string] ?? key
}

/** A column's longer description for the picker and the header's tooltip. */
export function columnDescription(key: ColumnKey): string {
  if (key.startsWith('field:')) return `${fieldTitle(key.slice(6))} · ${key.slice(6)}`
  if (key.startsWith('measure:')) return `${measureInfo(key.slice(8)).label} · ${key.slice(8)}`
  return columnTitle(key)
}

/**
 * Every config field (each path once, in schema order) as a column key, but for the fields a run's
 * own column already stands for, as the filter reads them (runAttributes: `name`, `backend`, `steps`):
 * Steps shows the config's steps as its total, Backend what the config's backend trained on, Name
 * the run's name. The picker offered `Steps` twice, with one title and one path.
 */
export function fieldColumns(): ColumnKey[] {
  return [...new Set(runFields.map((f) => f.path))].filter((path) => !(path in runAttributes)).map((path) => `field:${path}` as ColumnKey)
}

/** The column picker's offer, one entry per column: the run's own columns, the config fields, the final measures logged. */
export function pickerColumns(measures: readonly string[]): { group: string; keys: ColumnKey[] }[] {
  return [
    { group: 'Run', keys: [...runColumns] },
    { group: 'Config fields', keys: fieldColumns() },
    { group: 'Measures (final)', keys: measures.map((m) => `measure:${m}` as ColumnKey) },
  ]
}

/**
 * The columns shown when the user has not picked any: rule and seed, the schema's `column`
 * fields whose values differ among the runs, the registry's table measures, then backend,
 * duration and tags.
 */
export function defaultColumns(runs: readonly RunSummary[]): ColumnKey[] {
  const differs = (key: ColumnKey) => {
    const first = runs.length ? columnValue(runs[0], key) : undefined
    return runs.some((r) => columnValue(r, key) !== first)
  }
  const fields = columnFields()
    .map((f) => `field:${f.path}` as ColumnKey)
    .filter(differs)
  return ['field:rule', 'field:seed', ...fields, ...tableMeasures().map((m) => `measure:${m}` as ColumnKey), 'backend', 'duration', 'tags']
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/**
 * The runs ordered by a column (ties by id, ascending), values missing last in either direction.
 * Each run's key is read once (10,000 runs: one pass, then a numeric or collator sort).
 */
export function sortRuns(runs: readonly RunSummary[], key: ColumnKey, descending: boolean): RunSummary[] {
  const sign = descending ? -1 : 1
  const keyed = runs.map((run) => ({ run, value: columnValue(run, key) }))
  keyed.sort((a, b) => {
    const x = a.value
    const y = b.value
    if (x === undefined || y === undefined) return x === y ? a.run.id - b.run.id : x === undefined ? 1 : -1
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y))
    return sign * order || a.run.id - b.run.id
  })
  return keyed.map((k) => k.run)
}

/**
 * The selection after a click on a row's checkbox. A plain click toggles the run and makes it
 * the anchor; a shift-click sets every run shown between the anchor and it (inclusive) to the
 * clicked box's new state, as file managers do. `shown` is the table's order.
 */
export function clickSelection(selected: ReadonlySet<number>, shown: readonly { id: number }[], clicked: number, anchor: number | null, shift: boolean): Set<number> {
  const next = new Set(selected)
  const on = !selected.has(clicked)
  const to = shown.findIndex((r) => r.id === clicked)
  const from = anchor === null ? -1 : shown.findIndex((r) => r.id === anchor)
  if (!shift || from < 0 || to < 0) {
    if (on) next.add(clicked)
    else next.delete(clicked)
    return next
  }
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
    if (on) next.add(shown[i].id)
    else next.delete(shown[i].id)
  }
  return next
}

/** The rows to draw for a scroll position: the visible ones plus `overscan` either side. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 10): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight)
  const start = Math.max(0, first - overscan)
  const end = Math.min(count, first + Math.ceil(viewportHeight / rowHeight) + overscan)
  return { start, end: Math.max(start, end) }
}
