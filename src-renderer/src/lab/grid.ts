/** Grid editor rows ⇄ an experiment's grid object. */
export interface GridRow {
  path: string
  values: string
}

/** Parses "0, 0.1, 0.3" or a JSON list like [[100], [50, 50]] into values. */
export function parseGridValues(text: string): unknown[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed)
      if (Array.isArray(parsed)) return parsed
    } catch {
      // fall through to the comma list
    }
  }
  return trimmed.split(',').map((part) => {
    const t = part.trim()
    if (t === '') return t
    try {
      return JSON.parse(t)
    } catch {
      return t
    }
  })
}

export function rowsToGrid(rows: GridRow[]): Record<string, unknown[]> {
  const grid: Record<string, unknown[]> = {}
  for (const row of rows) if (row.path.trim()) grid[row.path.trim()] = parseGridValues(row.values)
  return grid
}

export function gridToRows(grid: Record<string, unknown[]>): GridRow[] {
  return Object.entries(grid).map(([path, values]) => ({
    path,
    values: values.every((v) => typeof v === 'number' || typeof v === 'string') ? values.join(', ') : JSON.stringify(values),
  }))
}
