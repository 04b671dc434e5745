/** Config paths whose values differ between runs: the candidates for grouping and sweep axes. */
function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out)
  } else out.set(prefix, JSON.stringify(value))
}

export function varyingPaths(configs: Record<string, unknown>[]): { path: string; numeric: boolean }[] {
  const flat = configs.map((c) => {
    const m = new Map<string, string>()
    flatten(c, '', m)
    return m
  })
  const paths = new Set(flat.flatMap((m) => [...m.keys()]))
  const out: { path: string; numeric: boolean }[] = []
  for (const path of paths) {
    if (path === 'name') continue
    const values = new Set(flat.map((m) => m.get(path)))
    if (values.size > 1) out.push({ path, numeric: [...values].every((v) => v !== undefined && Number.isFinite(Number(JSON.parse(v)))) })
  }
  return out.sort((a, b) => a.path.localeCompare(b.path))
}
