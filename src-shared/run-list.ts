/**
 * runs:list's answer, packed and unpacked. The runs of a sweep share all of their config but the
 * swept fields, so each experiment's first listed config is sent once as a base and every run
 * carries only where its config differs from it: a 10,000-run sweep's list was 9.7 MB with each
 * whole config, and the payload was what kept the runs table's first paint over 1 s. Main packs
 * (`packRunList`); the renderer, the scripts and the tests unpack (`unpackRunList`) into the
 * `RunSummary`s with whole configs that the table, its filter, its columns and parallel
 * coordinates read. No electron, node or DOM imports.
 */
import type { ConfigChange, RunList, RunRow, RunSummary } from './contract'
import type { RunConfig } from './config'

type Json = unknown

const isRecord = (value: Json): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Whether two JSON values are equal: the same primitives, or arrays and objects with equal entries (key order aside). */
function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]))
  if (Array.isArray(b)) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, Json>)[k], (b as Record<string, Json>)[k]))
}

/**
 * Where `config` differs from `base`: objects with the same keys are compared key by key; any
 * other difference (a value, an array, an object whose keys differ, as a data source of another
 * kind) is one change that replaces the whole value at its path. `[]` when they are equal.
 */
export function configChanges(base: Json, config: Json): ConfigChange[] {
  const out: ConfigChange[] = []
  collectChanges(base, config, [], out)
  return out
}

/** configChanges's walk, 10,000 configs per listing: `path` is one stack, copied only into a change. */
function collectChanges(base: Json, config: Json, path: string[], out: ConfigChange[]): void {
  if (base === config) return
  if (isRecord(base) && isRecord(config) && sameKeys(base, config)) {
    for (const k in config) {
      if (!Object.hasOwn(config, k)) continue
      path.push(k)
      collectChanges(base[k], config[k], path, out)
      path.pop()
    }
    return
  }
  if (!sameJson(base, config)) out.push([path.slice(), config])
}

function sameKeys(a: Record<string, Json>, b: Record<string, Json>): boolean {
  let count = 0
  for (const k in b) {
    if (!Object.hasOwn(b, k)) continue
    if (!Object.hasOwn(a, k)) return false
    count++
  }
  for (const k in a) if (Object.hasOwn(a, k)) count--
  return count === 0
}

/** `value` and everything it holds, frozen: unpacked configs share their bases' objects, so none may change. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}

/** Sets `key` on an object being built: defined, not assigned, for a stored config's keys are data ("__proto__" included), never a prototype. */
function put(node: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * A config from its base and its changes (`configChanges(base, config)` gives back `config`, field
 * for field). The base is frozen in place (its objects are shared with every config made from it);
 * each object on a changed path is copied once, whatever the number of changes under it, and the
 * result is frozen too.
 */
export function applyConfigChanges(base: Json, changes: readonly ConfigChange[]): Json {
  let config = deepFreeze(base)
  // objects copied for this config are the ones not yet frozen: changed freely until the end
  const copies: object[] = []
  const writable = (node: Json): Record<string, Json> => {
    if (isRecord(node) && !Object.isFrozen(node)) return node
    const copy: Record<string, Json> = isRecord(node) ? { ...node } : {}
    copies.push(copy)
    return copy
  }
  for (const [path, value] of changes) {
    if (path.length === 0) {
      config = deepFreeze(value)
      continue
    }
    const root = writable(config)
    config = root
    let node = root
    for (let at = 0; at < path.length - 1; at++) {
      const child = writable(node[path[at]])
      if (child !== node[path[at]]) put(node, path[at], child)
      node = child
    }
    put(node, path[path.length - 1], deepFreeze(value))
  }
  for (const copy of copies) Object.freeze(copy)
  return config
}

/**
 * The changes of frozen configs from frozen bases, kept with the config: main lists the store's one
 * frozen parse of each stored config, so a table refreshed while runs train (twice a second at
 * most) works out each run's changes once. Configs that can change are compared every time.
 */
const knownChanges = new WeakMap<object, { base: RunConfig; changes: ConfigChange[] }>()

function changesFrom(base: RunConfig, config: RunConfig): ConfigChange[] {
  const known = knownChanges.get(config)
  if (known?.base === base) return known.changes
  const changes = configChanges(base, config)
  // shared by every listing from now on: frozen, as the configs are
  for (const change of changes) Object.freeze(Object.freeze(change)[0])
  Object.freeze(changes)
  if (Object.isFrozen(config) && Object.isFrozen(base) && typeof config === 'object' && config !== null) knownChanges.set(config, { base, changes })
  return changes
}

/**
 * The runs as runs:list sends them: one base per experiment (the config of its first run listed;
 * runs without an experiment share one too), each run's config as its changes from its base.
 * `listed(record)` is a run's summary but for its config, a fresh object that becomes its row
 * (10,000 runs: no second copy of each).
 */
export function packRunList<R extends { experimentId: number | null; config: RunConfig }>(records: readonly R[], listed: (record: R) => Omit<RunSummary, 'config'>): RunList {
  const bases: RunConfig[] = []
  const baseOf = new Map<number | null, number>()
  const rows = records.map((record): RunRow => {
    let base = baseOf.get(record.experimentId)
    if (base === undefined) {
      base = bases.push(record.config) - 1
      baseOf.set(record.experimentId, base)
    }
    return Object.assign(listed(record), { base, changes: changesFrom(bases[base], record.config) })
  })
  return { bases, runs: rows }
}

/** `packRunList` of summaries that have their configs already (tests, the renderer's test double). */
export function packRunSummaries(runs: readonly RunSummary[]): RunList {
  return packRunList(runs, ({ config: _config, ...run }) => run)
}

/** The runs of a runs:list answer with their whole configs (frozen; those of one experiment share what they have in common). */
export function unpackRunList(list: RunList): RunSummary[] {
  const bases = list.bases.map((b) => deepFreeze(b))
  return list.runs.map(({ base, changes, ...run }) => {
    if (!Number.isInteger(base) || base < 0 || base >= bases.length) throw new Error(`runs:list: run ${run.id} names base ${base}, of ${bases.length}`)
    return { ...run, config: applyConfigChanges(bases[base], changes) as RunConfig }
  })
}
