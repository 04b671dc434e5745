/**
 * Which runs a figure line stands for: one line per run (named by what differs between the runs),
 * or one per group of chosen config fields, with a warning wherever a group mixes runs that
 * differ in more than their seed and the grouping fields.
 */
import { applies, fieldAt, runFields } from './fields'
import { fieldValue, fieldValueLabel } from './labels'

/** Every leaf of a config as path → JSON text (arrays are leaves). */
export function flattenConfig(config: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (config && typeof config === 'object' && !Array.isArray(config)) {
    for (const [key, value] of Object.entries(config)) flattenConfig(value, prefix ? `${prefix}.${key}` : key, out)
  } else if (prefix) out.set(prefix, JSON.stringify(config))
  return out
}

/** Config paths whose values differ among the given configs (the run's `name` left out), sorted. */
export function differingPaths(configs: unknown[]): string[] {
  const flat = configs.map((c) => flattenConfig(c))
  const paths = new Set(flat.flatMap((m) => [...m.keys()]))
  return [...paths].filter((p) => p !== 'name' && new Set(flat.map((m) => m.get(p))).size > 1).sort()
}

const parse = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text))

/** Whether every config holds a number at `path` (a field a sweep's x axis can take). */
export function holdsNumbers(configs: unknown[], path: string): boolean {
  return configs.every((c) => typeof parse(flattenConfig(c).get(path)) === 'number')
}

export interface RunGroup {
  /** Stable identity of the line: `run 3`, or the grouping values as JSON. */
  key: string
  /** Every grouping field named with its value (`learning rule sign-symmetry, sign feedback magnitudes random`): what exports write. */
  label: string
  /** The label without the field's name where one field tells the lines apart (`0.1` for `λ = 0.1`). */
  shortLabel: string
  /** Where several fields group the runs, the legend's label: their short values alone (compactLabel: `FA`, `frSF`). */
  compactLabel?: string
  runIds: number[]
  /** Fields other than the seed and the grouping fields whose values differ inside the group. */
  mixed: string[]
  /** The label is the name the user gave the run. */
  named?: boolean
}

/**
 * The one order of the fields that tell lines apart, whichever view draws them: the config
 * schema's order (the form's: data, model, rule, optimizer, regularization, …), the seed last
 * (what a group averages over), fields the schema does not know after, by name. One run per line
 * and lines grouped by the same fields then sort, label and colour the same runs the same way.
 */
export function orderFields(paths: readonly string[]): string[] {
  const rank = (p: string) => (p === 'seed' ? Infinity : runFields.findIndex((f) => f.path === p) >>> 0)
  return [...paths].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** Orders values: numbers numerically, before strings, which compare in locale order. */
function compareValues(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x - y
    } else {
      const c = (typeof x === 'number' ? -1 : 0) - (typeof y === 'number' ? -1 : 0) || String(JSON.stringify(x)).localeCompare(String(JSON.stringify(y)), undefined, { numeric: true })
      if (c !== 0) return c
    }
  }
  return 0
}

/**
 * The fields a group mixes: those that differ among its runs where they meet on the figure, that is
 * among runs with the same values of `ignore` (a sweep's x field, the panel field). A field that moves
 * with one of those (the teacher's width zipped with p, η set per activation) draws no point from
 * unlike runs, so it is not a mix; one that differs at the same x in the same panel is.
 */
function mixedFields(members: { config: unknown }[], ignore: string[], allowed: ReadonlySet<string>): string[] {
  const cells = new Map<string, unknown[]>()
  for (const m of members) {
    const flat = flattenConfig(m.config)
    const key = JSON.stringify(ignore.map((p) => flat.get(p)))
    cells.set(key, [...(cells.get(key) ?? []), m.config])
  }
  const mixed = new Set<string>()
  for (const configs of cells.values()) for (const p of differingPaths(configs)) if (!allowed.has(p)) mixed.add(p)
  return [...mixed]
}

/**
 * A line's legend label where several fields group it: the fields that apply to its runs only
 * (sign's magnitudes under rule sign alone), each by its option's short name (`FA`) or, without
 * option names, as `name = value` (`λ = 0.1`); a field whose options have short names of their own
 * and that applies under one value of another field names that value too, so the other is left
 * out (sign-symmetry with unit, random or batchwise magnitudes reads uSF, frSF, brSF, BioTorch's names).
 */
export function compactLabel(fields: string[], values: unknown[], config: unknown): string {
  const shown = fields.map((path) => fieldAt(path)).map((field, i) => ({ path: fields[i], field, value: values[i] })).filter((f) => !f.field || applies(f.field, config))
  const named = new Set(shown.filter((f) => f.field?.optionShortLabels && f.field.when.length > 0).map((f) => f.field!.when.at(-1)!.path))
  return shown
    .filter((f) => !named.has(f.path))
    .map((f) => (f.field?.optionLabels || f.field?.optionShortLabels ? fieldValue(f.path, f.value) : fieldValueLabel(f.path, f.value)))
    .join(' ')
}

/**
 * Groups runs into lines. `groupBy` empty: one line per run, labelled by the fields that differ
 * among all the runs (`λ = 0.1, seed 2`), or by the name the user gave the run (`names`). Otherwise one line per distinct value of the grouping
 * fields; `ignore` lists further fields allowed to differ inside a group (a sweep's x field).
 * Lines are in the order of their values (numbers as numbers), which fixes their colours.
 */
export function groupRuns(runs: { runId: number; config: unknown }[], groupBy: string[], ignore: string[] = [], names: ReadonlyMap<number, string> = new Map()): RunGroup[] {
  const perRun = groupBy.length === 0
  const fields = orderFields(perRun ? differingPaths(runs.map((r) => r.config)) : groupBy)
  const byKey = new Map<string, { values: unknown[]; members: { runId: number; config: unknown }[] }>()
  for (const run of runs) {
    const flat = flattenConfig(run.config)
    const values = fields.map((p) => parse(flat.get(p)))
    // the key keeps the spec's order of its grouping fields: labels the user gave lines are stored under it
    const key = perRun ? `run ${run.runId}` : JSON.stringify(groupBy.map((p) => flat.get(p)))
    const entry = byKey.get(key) ?? { values, members: [] }
    entry.members.push(run)
    byKey.set(key, entry)
  }
  const allowed = new Set(['seed', ...groupBy, ...ignore])
  const groups = [...byKey.entries()]
    .sort(([, a], [, b]) => compareValues(a.values, b.values) || a.members[0].runId - b.members[0].runId)
    .map(([key, { values, members }]) => {
      // a run the user named is called by its name in the per-run view
      const given = perRun ? names.get(members[0].runId) : undefined
      // a field that does not apply to these runs (sign's magnitudes under FA) keeps its plain value
      const applying = (p: string) => {
        const field = fieldAt(p)
        return !field || applies(field, members[0].config)
      }
      const label = given ?? (fields.map((p, i) => fieldValueLabel(p, values[i], applying(p))).join(', ') || `run ${members[0].runId}`)
      return {
        key,
        label,
        shortLabel: given ?? (fields.length === 1 ? fieldValue(fields[0], values[0]) : label),
        ...(!perRun && fields.length > 1 ? { compactLabel: compactLabel(fields, values, members[0].config) || label } : {}),
        runIds: members.map((m) => m.runId),
        mixed: perRun ? [] : mixedFields(members, ignore, allowed),
        ...(given ? { named: true } : {}),
      }
    })
  const seen = new Map<string, number>()
  for (const g of groups) seen.set(g.label, (seen.get(g.label) ?? 0) + 1)
  for (const g of groups)
    if (seen.get(g.label)! > 1) {
      g.label = `${g.label} (run ${g.runIds[0]})`
      g.shortLabel = `${g.shortLabel} (run ${g.runIds[0]})`
    }
  // compact labels that meet (FA with two magnitudes it does not use) say every field again
  const compactSeen = new Map<string, number>()
  for (const g of groups) if (g.compactLabel) compactSeen.set(g.compactLabel, (compactSeen.get(g.compactLabel) ?? 0) + 1)
  for (const g of groups) if (g.compactLabel && compactSeen.get(g.compactLabel)! > 1) g.compactLabel = g.label
  return groups
}

/** The one field that tells lines apart, if there is exactly one (the legend's title then). */
export function distinguishingField(runs: { config: unknown }[], groupBy: string[], ignore: string[] = []): string | null {
  const fields = groupBy.length ? groupBy : differingPaths(runs.map((r) => r.config)).filter((p) => !ignore.includes(p))
  return fields.length === 1 ? fields[0] : null
}
