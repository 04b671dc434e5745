/** Finding a config field to sweep or set by what the researcher types: its label, symbol, path or help. */
import { runFields, type Field } from '../../../src-shared/fields'

/** Greek letters by name, so `lambda` finds λ and `eta` finds η. */
const greekNames: Record<string, string> = { α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', η: 'eta', θ: 'theta', λ: 'lambda', μ: 'mu', σ: 'sigma', τ: 'tau', ψ: 'psi' }

/** One entry per settable path (alternatives such as the two model kinds share `model.hidden`); data sources are chosen with the dataset instead. */
export function pickableFields(fields: Field[] = runFields): Field[] {
  const seen = new Map<string, Field>()
  for (const field of fields) if (field.kind !== 'source' && !seen.has(field.path)) seen.set(field.path, field)
  return [...seen.values()]
}

function haystack(field: Field): string {
  const symbol = field.symbol ?? ''
  const greek = [...symbol].map((c) => greekNames[c] ?? '').join(' ')
  return [field.label, symbol, greek, field.path, field.unit ?? '', field.help ?? ''].join(' ').toLowerCase()
}

/**
 * The field `query` names exactly (case and spaces at the ends aside): its path, then its symbol,
 * label or the path's last key when only one field has it (`rule`, `seed`, `λ`, `Learning rate`).
 */
export function exactField(query: string, fields: Field[] = pickableFields()): Field | undefined {
  const q = query.trim().toLowerCase()
  if (!q) return undefined
  const byPath = fields.find((f) => f.path.toLowerCase() === q)
  if (byPath) return byPath
  const named = fields.filter((f) => (f.symbol ?? '').toLowerCase() === q || f.label.toLowerCase() === q || f.path.split('.').at(-1)!.toLowerCase() === q)
  return named.length === 1 ? named[0] : undefined
}

/**
 * The fields matching every word of `query` (case-insensitive), best first: the field it names
 * exactly (exactField), then a symbol or label that starts with the query, then a label word that does, then a path that does, then any
 * other match; among equals, the runs table's key parameters, then basic fields, first. An empty
 * query lists every field, basic ones first.
 */
export function searchFields(query: string, fields: Field[] = pickableFields()): Field[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const q = words.join(' ')
  const exact = exactField(query, fields)
  const rank = (f: Field) => {
    if (!q) return 0
    if (f === exact) return -1
    const label = f.label.toLowerCase()
    if ((f.symbol ?? '').toLowerCase() === q || label.startsWith(q)) return 0
    if (label.split(/\s+/).some((w) => w.startsWith(q))) return 1
    if (f.path.toLowerCase().startsWith(q) || f.path.toLowerCase().split('.').at(-1)!.startsWith(q)) return 2
    return 3
  }
  const standing = (f: Field) => (f.column ? 0 : 1) + (f.level === 'basic' ? 0 : 2)
  return fields
    .filter((f) => words.every((w) => haystack(f).includes(w)))
    .map((f, i) => ({ f, i, r: rank(f), s: standing(f) }))
    .sort((a, b) => a.r - b.r || a.s - b.s || a.i - b.i)
    .map((x) => x.f)
}
