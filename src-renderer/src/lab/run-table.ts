/** Filtering and sorting of the runs table: pure, so tested without a DOM. */
import type { RunSummary } from '../../../src-shared/contract'

export type SortKey = 'id' | 'status' | 'rule' | 'seed' | 'durationMs' | `param:${string}` | `metric:${string}`

export function sortValue(run: RunSummary, key: SortKey): number | string {
  if (key.startsWith('param:')) return run.parameters[key.slice(6)] ?? ''
  if (key.startsWith('metric:')) return run.finalMetrics?.[key.slice(7)] ?? Number.NEGATIVE_INFINITY
  return (run[key as keyof RunSummary] as number | string | null) ?? ''
}

/** Runs whose name, rule, status, backend, tags, note or parameters contain every word of `query`. */
export function filterRuns(runs: RunSummary[], query: string): RunSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) return runs
  return runs.filter((run) => {
    const text = [run.name, run.rule, run.status, run.backend, run.note, ...run.tags, ...Object.entries(run.parameters).map(([k, v]) => `${k}=${v}`)].join(' ').toLowerCase()
    return words.every((w) => text.includes(w))
  })
}

export function sortRuns(runs: RunSummary[], key: SortKey, descending: boolean): RunSummary[] {
  const sign = descending ? -1 : 1
  return [...runs].sort((a, b) => {
    const x = sortValue(a, key)
    const y = sortValue(b, key)
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true })
    return sign * order || a.id - b.id
  })
}
