/**
 * The runs table's filter: `rule=kp λ=0 p>=800 tag:baseline -status=failed mnist`. Each term is
 * a field, an operator and a value, or free text; a run passes when every term holds. Field names
 * are read off the run schema (src-shared/fields.ts): a field's symbol (`λ`, `η`, `p`), its path
 * (`regularization.outputL2`), its last key (`outputL2`, `seed`) or its label without spaces
 * (`learningrate`); besides them a run's own columns (`id`, `status`, `name`, `backend`, `steps`,
 * `experiment`, `tag`, `note`) and its final measures by name (`testAccuracy>0.9`). Pure, so the
 * parsing is tested without a DOM and runs once per keystroke, not once per row.
 */
import type { RunSummary } from '../../../src-shared/contract'
import { getPath, runFields } from '../../../src-shared/fields'

export type FilterOperator = '=' | '!=' | '>' | '>=' | '<' | '<='

/** One value a run has for a filter key: a number, a string, or a list (tags, hidden widths). */
export type FilterValue = number | string | boolean | null | undefined | readonly (number | string)[] | Record<string, unknown>

/** What a filter key names: a config field, a run column or a final measure. */
export interface FilterKey {
  /** How the table shows it (`λ`, `status`, `testAccuracy`). */
  name: string
  /** The runs table's column key (`field:<path>`, `measure:<name>`, `status`): names that mean the same column are one key. */
  column: string
  value(run: RunSummary): FilterValue
  /** A config field's options (rule: bp, fa, …), from the schema: a value outside them is said, not matched to nothing. */
  options?: readonly string[]
}

export interface FilterTerm {
  /** The term as typed. */
  text: string
  negated: boolean
  /** Null for free text. */
  key: FilterKey | null
  operator: FilterOperator
  /** The values a run may have (a comma list: `rule=fa,dfa`), lower-case. */
  values: string[]
}

export interface ParsedFilter {
  terms: FilterTerm[]
  /** Plain-words reasons for terms left out (an unknown field, a number expected). */
  errors: string[]
}

/** A run's own columns that a filter and the column picker can name. */
export const runAttributes: Record<string, (run: RunSummary) => FilterValue> = {
  id: (r) => r.id,
  status: (r) => r.status,
  name: (r) => r.name ?? '',
  backend: (r) => r.backend ?? '',
  steps: (r) => r.stepsDone,
  experiment: (r) => r.experimentId,
  tag: (r) => r.tags,
  note: (r) => r.note,
}

/** The name a key is typed as: lower case, spaces and underscores dropped (`Learning rate` → `learningrate`). */
export function keyName(text: string): string {
  return text.toLowerCase().replace(/[\s_]+/g, '')
}

/**
 * Every name a filter key can be typed as, to the key it means. A name two different config
 * fields share (`kind`: data.kind and model.kind) maps to null: the filter asks for the path.
 */
export function filterKeys(measures: readonly string[] = []): Map<string, FilterKey | null> {
  const keys = new Map<string, FilterKey | null>()
  const add = (name: string, key: FilterKey, strong: boolean) => {
    const k = keyName(name)
    const known = keys.get(k)
    if (known === undefined || strong) keys.set(k, key)
    else if (known !== null && known.column !== key.column) keys.set(k, null)
  }
  // fields first by their weaker names (last key, label), then by symbol and path, which win
  const fields = runFields.filter((f, i) => runFields.findIndex((g) => g.path === f.path) === i)
  const fieldKey = (path: string, name: string): FilterKey => ({ name, column: `field:${path}`, value: (r) => getPath(r.config, path) as FilterValue, options: fieldOptions(path) })
  for (const f of fields) {
    const key = fieldKey(f.path, f.symbol ?? f.path.split('.').at(-1)!)
    add(f.path.split('.').at(-1)!, key, false)
    add(f.label, key, false)
  }
  for (const f of fields) if (f.symbol) add(f.symbol, fieldKey(f.path, f.symbol), true)
  for (const f of fields) add(f.path, fieldKey(f.path, f.path), true)
  for (const m of measures) add(m, { name: m, column: `measure:${m}`, value: (r) => r.finalMetrics?.[m] }, true)
  // a run's own columns win over a config field of the same name (`steps` is steps done)
  for (const [name, value] of Object.entries(runAttributes)) add(name, { name, column: name, value }, true)
  keys.set('tags', keys.get('tag')!)
  return keys
}

/** The options of a config field that is a choice (each alternative's at a shared path, together), else undefined. */
function fieldOptions(path: string): readonly string[] | undefined {
  const at = runFields.filter((f) => f.path === path)
  if (!at.every((f) => f.kind === 'select' && f.options)) return undefined
  return [...new Set(at.flatMap((f) => f.options!))]
}

/** `no rule “xyz”: rules are bp, fa, …`; for a name that is not one word, `data.kind is one of …`. */
function unknownOptions(key: FilterKey, unknown: string[]): string {
  const typed = unknown.map((v) => `“${v}”`).join(', ')
  const options = key.options!.join(', ')
  return /^[a-z]+$/i.test(key.name) ? `no ${key.name} ${typed}: ${key.name}s are ${options}` : `no ${key.name} ${typed}: ${key.name} is one of ${options}`
}

const termPattern = /^(-?)(.+?)(!=|>=|<=|=|:|>|<)(.*)$/s

/** Splits on spaces outside double quotes; the quotes are dropped. */
function tokens(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/(?:[^\s"]+|"[^"]*"?)+/g)) out.push(m[0].replace(/"/g, ''))
  return out.filter(Boolean)
}

/** Parses a filter; terms it cannot read are left out and said why in `errors`. */
export function parseRunFilter(text: string, measures: readonly string[] = [], keys: Map<string, FilterKey | null> = filterKeys(measures)): ParsedFilter {
  const terms: FilterTerm[] = []
  const errors: string[] = []
  for (const token of tokens(text)) {
    const m = termPattern.exec(token)
    if (!m) {
      const negated = token.startsWith('-') && token.length > 1
      terms.push({ text: token, negated, key: null, operator: '=', values: [(negated ? token.slice(1) : token).toLowerCase()] })
      continue
    }
    const [, minus, rawKey, rawOperator, rawValue] = m
    const key = keys.get(keyName(rawKey))
    if (key === undefined) {
      errors.push(`“${rawKey}” in “${token}” is not a field: try a symbol (λ, η, p), a path (regularization.outputL2), status, tag or a measure name`)
      continue
    }
    if (key === null) {
      const paths = [...new Set(runFields.filter((f) => keyName(f.path.split('.').at(-1)!) === keyName(rawKey) || keyName(f.label) === keyName(rawKey)).map((f) => f.path))]
      errors.push(`“${rawKey}” could be ${paths.join(' or ')}: write the path`)
      continue
    }
    const operator: FilterOperator = rawOperator === ':' ? '=' : (rawOperator as FilterOperator)
    const values = rawValue.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean)
    if (values.length === 0) {
      errors.push(`“${token}” has no value after ${rawOperator}`)
      continue
    }
    if (operator !== '=' && operator !== '!=' && (values.length !== 1 || !Number.isFinite(Number(values[0])))) {
      errors.push(`“${token}”: ${operator} compares with one number`)
      continue
    }
    if (key.options && (operator === '=' || operator === '!=')) {
      const known = new Set(key.options.map((o) => o.toLowerCase()))
      const unknown = values.filter((v) => !known.has(v))
      if (unknown.length) errors.push(unknownOptions(key, unknown))
      // the values no run can have are left out with the message; a term of none of them is left out whole
      if (unknown.length === values.length) continue
      terms.push({ text: token, negated: minus === '-', key, operator, values: values.filter((v) => known.has(v)) })
      continue
    }
    terms.push({ text: token, negated: minus === '-', key, operator, values })
  }
  return { terms, errors }
}

/** Text of a value as a filter compares it: lists joined by `-` (hidden widths `100-100`), objects as JSON. */
function textOf(value: FilterValue): string {
  if (value === null || value === undefined) return ''
  if (Array.isArray(value)) return value.join('-')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value).toLowerCase()
}

/** Whether one stored value equals one typed value: numbers as numbers (`λ=0` is not 0.1), text exactly, case aside. */
function equals(value: FilterValue, typed: string): boolean {
  if (typeof value === 'number') return typed.trim() !== '' && Number(typed) === value
  if (Array.isArray(value) && value.some((v) => typeof v === 'string')) return value.some((v) => String(v).toLowerCase() === typed)
  return textOf(value) === typed
}

function compare(value: FilterValue, operator: FilterOperator, typed: string): boolean {
  if (typeof value !== 'number') return false
  const n = Number(typed)
  return operator === '>' ? value > n : operator === '>=' ? value >= n : operator === '<' ? value < n : value <= n
}

/** What free text matches: words that must be typed whole (rule, status, backend), and words of the name, tags and note, which match from their start. */
interface RunWords {
  whole: string[]
  starts: string[]
}
/**
 * A run's words, lower case, worked out once per run object (the list is replaced whole when it is
 * reloaded, so a run object never changes): a keystroke of free text over 10,000 runs then only
 * compares strings, instead of joining, lower-casing and splitting every run's text again.
 */
const wordsOf = new WeakMap<RunSummary, RunWords>()
function runWords(run: RunSummary): RunWords {
  let words = wordsOf.get(run)
  if (!words) {
    const split = (parts: (string | null)[]) => parts.join(' ').toLowerCase().split(/[^\p{L}\p{N}.]+/u).filter(Boolean)
    words = { whole: split([run.rule, run.status, run.backend]), starts: split([run.name, run.note, ...run.tags]) }
    wordsOf.set(run, words)
  }
  return words
}

/**
 * Whether a run passes one term. Free text matches a rule, status or backend whole, and the start
 * of a word of the name, tags or note: `fa` finds `fa-λ0-seed1`, not `dfa-…` or `failed`.
 */
export function termHolds(run: RunSummary, term: FilterTerm, words?: RunWords): boolean {
  let holds: boolean
  if (!term.key) {
    const typed = term.values[0]
    const { whole, starts } = words ?? runWords(run)
    holds = whole.includes(typed) || starts.some((w) => w.startsWith(typed)) || (typed.includes(' ') && textOf(run.name).includes(typed))
  } else {
    const value = term.key.value(run)
    if (term.operator === '=' || term.operator === '!=') {
      const any = term.values.some((v) => equals(value, v))
      holds = term.operator === '=' ? any : !any
    } else holds = compare(value, term.operator, term.values[0])
  }
  return term.negated ? !holds : holds
}

/** The runs that pass every term, in their order. */
export function filterRuns(runs: readonly RunSummary[], filter: ParsedFilter): RunSummary[] {
  const { terms } = filter
  if (terms.length === 0) return runs.slice()
  const free = terms.some((t) => !t.key)
  return runs.filter((run) => {
    const words = free ? runWords(run) : undefined
    return terms.every((t) => termHolds(run, t, words))
  })
}
