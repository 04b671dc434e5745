/**
 * What `import-runs` and `merge` accept: a lab file opened read-only, its format checked, and every
 * run, metric blob and artifact validated before anything is written. A crafted or damaged file is
 * refused whole, naming the file, the run and the fault.
 */
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { ConfigError, maxReportedIssues, type RunConfig } from '../../src-shared/config'
import { defaultMaxRuns } from '../../src-shared/experiment'
import { defaultResourceLimits, parseBoundedRunConfig } from '../../src-shared/run-cost'
import { nameTextFault, proseTextFault } from '../../src-shared/text'
import { structureIssues } from '../../src-shared/input'
import { networkLabel, networkShapes } from '../engine/checkpoint'
import { electronSqliteBinding } from '../lib/paths'
import { maxConfigFileBytes, maxDescriptionLength, maxNameLength, maxNoteLength, maxStoredConfigBytes, maxTagLength, maxTags } from '../lib/limits'
import { databaseOf, type Db } from './connection'
import { applicationId, migrate, schemaVersion, StoreFormatError } from './schema'
import { openStore, type Store } from './store'

/** A lab file being imported, opened without changing it. */
export interface ImportSource {
  store: Store
  close(): void
}

/**
 * Opens `path` read-only for import. A file from an older lab is copied to a temporary folder and
 * the copy migrated, so the file itself is never written.
 */
export function openImportSource(path: string): ImportSource {
  if (!existsSync(path)) throw new StoreFormatError(`${path}: no such lab file`)
  let version: number
  try {
    const probe = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: electronSqliteBinding() })
    try {
      const [app, v] = probe.transaction(() => [probe.pragma('application_id', { simple: true }) as number, probe.pragma('user_version', { simple: true }) as number])()
      if (app !== applicationId || v === 0) throw new StoreFormatError(`${path} is not an FA Lab file${v === 0 && app === 0 ? ' (it is empty or holds no lab)' : ''}; nothing was imported`)
      if (!Number.isInteger(v) || v < 0) throw new StoreFormatError(`${path} is damaged: its schema version (PRAGMA user_version) is ${v}, and a lab's is 1 to ${schemaVersion}; nothing was imported`)
      if (v > schemaVersion) throw new StoreFormatError(`${path} was written by a newer FA Lab (schema ${v}; this one knows up to ${schemaVersion}); update the lab to import it`)
      version = v
    } finally {
      probe.close()
    }
  } catch (error) {
    if (error instanceof StoreFormatError) throw error
    throw new StoreFormatError(/not a database|file is encrypted/.test((error as Error).message) ? `${path} is not an FA Lab file (not SQLite); nothing was imported` : `${path}: ${(error as Error).message}`)
  }
  if (version === schemaVersion) {
    const store = openStore(path, { readonly: true, mustExist: true })
    return { store, close: () => store.close() }
  }
  const folder = mkdtempSync(join(tmpdir(), 'fa-lab-import-'))
  const copy = join(folder, basename(path))
  copyFileSync(path, copy)
  for (const suffix of ['-wal']) if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix)
  const db = new Database(copy, { nativeBinding: electronSqliteBinding() })
  try {
    migrate(db, copy)
  } finally {
    db.close()
  }
  const store = openStore(copy, { readonly: true, mustExist: true })
  return {
    store,
    close() {
      store.close()
      rmSync(folder, { recursive: true, force: true })
    },
  }
}

const statuses = new Set(['queued', 'running', 'completed', 'failed', 'cancelled', 'diverged', 'interrupted'])

interface RawRun {
  id: number
  uid: string
  config: string
  status: string
  steps_done: number
  total_steps: number
  final_metrics: string | null
  dataset: string | null
}

/** Parses stored JSON text, or returns an error message. */
function json(text: string): { value: unknown } | { fault: string } {
  try {
    const value: unknown = JSON.parse(text)
    const unsafe = structureIssues(value)
    return unsafe.length ? { fault: `${unsafe[0].path}: ${unsafe[0].message}` } : { value }
  } catch (error) {
    return { fault: `is not JSON (${(error as Error).message})` }
  }
}

/**
 * Validates every run of `source` (the given ids, or all): config, status and step counts, metric
 * blobs (lengths agree, steps in range and in order, values finite, at most one point per
 * evaluation) and artifacts (shapes agree with the config, lengths with the shapes, values finite).
 * Throws a StoreFormatError naming the file, the run and up to 20 faults.
 */
export function validateImport(source: Store, file: string, runIds?: number[], options: ImportLimits = {}): void {
  const db = databaseOf(source)
  // sizes first, from SQLite's lengths: nothing oversized is read into memory
  const faults: string[] = sizeFaults(db, options.maxRuns ?? defaultMaxRuns)
  if (!faults.length) faults.push(...textFaults(db))
  if (faults.length) refuse(file, faults)
  const where = runIds ? `WHERE id IN (${runIds.map(() => '?').join(',')})` : ''
  const runs = db.prepare(`SELECT id, uid, config, status, steps_done, total_steps, final_metrics, dataset FROM runs ${where} ORDER BY id`).all(...(runIds ?? [])) as RawRun[]
  const chunks = db.prepare(`SELECT name_id, first_step, steps, vals, walls FROM metric_chunks WHERE run_id = ? ORDER BY name_id, first_step`)
  const artifacts = db.prepare(`SELECT name, shape, data FROM artifacts WHERE run_id = ?`)
  const names = new Map((db.prepare(`SELECT id, name FROM metric_names`).all() as { id: number; name: string }[]).map((r) => [r.id, r.name]))
  for (const experiment of db.prepare(`SELECT id, definition FROM experiments`).all() as { id: number; definition: string }[]) {
    const parsed = json(experiment.definition)
    if ('fault' in parsed) faults.push(`experiment ${experiment.id}: its definition ${parsed.fault}`)
  }
  for (const run of runs) {
    if (faults.length > maxReportedIssues) break
    const at = `run ${run.id} (${run.uid})`
    const add = (fault: string) => faults.push(`${at}: ${fault}`)
    if (!statuses.has(run.status)) add(`unknown status '${run.status}'`)
    const parsed = json(run.config)
    if ('fault' in parsed) {
      add(`its config ${parsed.fault}`)
      continue
    }
    let config: RunConfig
    try {
      // as the lab bounds a run at creation (the evaluations it may store); memory is this
      // machine's, and an imported run was trained elsewhere, so it is not bounded here
      config = parseBoundedRunConfig(parsed.value, { ...defaultResourceLimits, memoryBytes: Infinity })
    } catch (error) {
      add(error instanceof ConfigError ? `invalid config: ${error.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}` : (error as Error).message)
      continue
    }
    if (run.total_steps !== config.steps) add(`total steps ${run.total_steps} disagree with the config's ${config.steps}`)
    if (!Number.isSafeInteger(run.steps_done) || run.steps_done < 0 || run.steps_done > config.steps) add(`steps done ${run.steps_done} is outside 0..${config.steps}`)
    for (const [field, text] of [['final metrics', run.final_metrics], ['dataset', run.dataset]] as const) {
      if (text === null) continue
      const value = json(text)
      if ('fault' in value) add(`its ${field} ${value.fault}`)
      else if (field === 'final metrics' && (!value.value || typeof value.value !== 'object' || Object.values(value.value).some((v) => typeof v !== 'number'))) add('its final metrics are not a record of numbers')
    }
    const maxPoints = Math.floor(config.steps / config.evalEvery) + 2
    const points = new Map<number, number>()
    for (const c of chunks.all(run.id) as { name_id: number; first_step: number; steps: Buffer; vals: Buffer; walls: Buffer }[]) {
      const name = names.get(c.name_id)
      if (name === undefined) {
        add(`a metric chunk names no measure (id ${c.name_id})`)
        continue
      }
      const lengths = [c.steps.byteLength, c.vals.byteLength, c.walls.byteLength]
      if (lengths.some((n) => n % 8 !== 0 || n !== lengths[0]) || lengths[0] === 0) {
        add(`measure ${name}: blob lengths ${lengths.join(', ')} bytes are not one matching count of float64 values`)
        continue
      }
      const view = (b: Buffer) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
      const steps = view(c.steps)
      const values = view(c.vals)
      const walls = view(c.walls)
      const total = (points.get(c.name_id) ?? 0) + steps.length
      points.set(c.name_id, total)
      if (total > maxPoints) add(`measure ${name}: ${total} points, more than the ${maxPoints} evaluations of ${config.steps} steps every ${config.evalEvery}`)
      else if (steps[0] !== c.first_step) add(`measure ${name}: chunk starts at step ${steps[0]}, recorded as ${c.first_step}`)
      else if (steps.some((s, i) => !Number.isInteger(s) || s < 0 || s > config.steps || (i > 0 && s <= steps[i - 1]))) add(`measure ${name}: steps are not increasing integers in 0..${config.steps}`)
      else if (values.some((v) => !Number.isFinite(v)) || walls.some((w) => !Number.isFinite(w))) add(`measure ${name}: holds a value that is not finite`)
    }
    const shapes = networkShapes(config)
    let elements = 0
    for (const a of artifacts.all(run.id) as { name: string; shape: string; data: Buffer }[]) {
      const shape = json(a.shape)
      if ('fault' in shape || !Array.isArray(shape.value) || shape.value.length > 4 || shape.value.some((d) => !Number.isSafeInteger(d) || (d as number) < 1)) {
        add(`artifact ${a.name}: shape is not a list of positive integers`)
        continue
      }
      const dims = shape.value as number[]
      const count = dims.reduce((x, y) => x * y, 1)
      elements += count
      if (a.data.byteLength !== count * 4) {
        add(`artifact ${a.name}: shape ${JSON.stringify(dims)} needs ${count * 4} bytes, it has ${a.data.byteLength}`)
        continue
      }
      const layer = /^([Wb])(\d+)(?:\.init)?$/.exec(a.name)
      if (layer) {
        const l = Number(layer[2])
        const expected = l >= 1 && l <= shapes.length ? shapes[l - 1][layer[1] as 'W' | 'b'] : null
        if (!expected || JSON.stringify(dims) !== JSON.stringify(expected)) add(`artifact ${a.name}: shape ${JSON.stringify(dims)} disagrees with the config's network (${networkLabel(shapes)})`)
      }
      const values = new Float32Array(a.data.buffer.slice(a.data.byteOffset, a.data.byteOffset + a.data.byteLength))
      if (values.some((v) => !Number.isFinite(v))) add(`artifact ${a.name}: holds a value that is not finite`)
    }
    const weights = shapes.reduce((n, s) => n + s.W.reduce((x, y) => x * y, 1) + s.b[0], 0)
    if (elements > 4 * weights + 1e6) add(`artifacts hold ${elements} values, far more than a network of ${networkLabel(shapes)} has`)
  }
  if (faults.length) refuse(file, faults)
}

function refuse(file: string, faults: string[]): never {
  const shown = faults.slice(0, maxReportedIssues)
  const more = faults.length - shown.length
  throw new StoreFormatError(`${file} cannot be imported; nothing was written:\n${shown.map((f) => `  - ${f}`).join('\n')}${more ? `\n  … and more faults` : ''}`)
}

export interface ImportLimits {
  /** Most runs one import may bring (default: the experiment run limit, 10,000). */
  maxRuns?: number
}

/** Evaluations one run may store, as the lab refuses a run at creation (resources.ts). */
const maxPointsPerSeries = defaultResourceLimits.maxEvaluations + 2

/**
 * Everything the lab bounds at creation, checked on the file's own lengths before any row is read:
 * the number of runs, names, descriptions, notes, tags, stored JSON and metric series.
 */
function sizeFaults(db: Db, maxRuns: number): string[] {
  const faults: string[] = []
  const runCount = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n
  if (runCount > maxRuns) faults.push(`it holds ${runCount.toLocaleString('en-US')} runs; one import takes at most ${maxRuns.toLocaleString('en-US')}, the lab's run limit (FA_LAB_MAX_RUNS raises it)`)
  const limit = maxReportedIssues + 1
  const tooLong = (length: number, max: number) => `is ${length.toLocaleString('en-US')} characters long; the lab allows ${max.toLocaleString('en-US')}`
  const runs = db
    .prepare(
      `SELECT id, uid, length(uid) AS uidLength, length(name) AS name, length(note) AS note, length(config) AS config, length(error) AS error, length(final_metrics) AS finalMetrics, length(dataset) AS dataset FROM runs
       WHERE length(uid) > 100 OR length(name) > ? OR length(note) > ? OR length(config) > ? OR length(error) > ? OR length(final_metrics) > ? OR length(dataset) > ? LIMIT ${limit}`,
    )
    .all(maxNameLength, maxNoteLength, maxStoredConfigBytes, maxNoteLength, maxStoredConfigBytes, maxStoredConfigBytes) as Record<string, number | null>[]
  for (const r of runs) {
    const at = `run ${r.id}`
    if ((r.uidLength ?? 0) > 100) faults.push(`${at}: its uid ${tooLong(r.uidLength!, 100)}`)
    if ((r.name ?? 0) > maxNameLength) faults.push(`${at}: its name ${tooLong(r.name!, maxNameLength)}`)
    if ((r.note ?? 0) > maxNoteLength) faults.push(`${at}: its note ${tooLong(r.note!, maxNoteLength)}`)
    if ((r.error ?? 0) > maxNoteLength) faults.push(`${at}: its error message ${tooLong(r.error!, maxNoteLength)}`)
    for (const field of ['config', 'finalMetrics', 'dataset'] as const) if ((r[field] ?? 0) > maxStoredConfigBytes) faults.push(`${at}: its stored ${field === 'finalMetrics' ? 'final metrics' : field} ${tooLong(r[field]!, maxStoredConfigBytes)}`)
  }
  const experiments = db
    .prepare(`SELECT id, length(uid) AS uid, length(name) AS name, length(description) AS description, length(definition) AS definition FROM experiments WHERE length(uid) > 100 OR length(name) > ? OR length(description) > ? OR length(definition) > ? LIMIT ${limit}`)
    .all(maxNameLength, maxDescriptionLength, maxConfigFileBytes) as Record<string, number>[]
  for (const e of experiments) {
    const at = `experiment ${e.id}`
    if (e.uid > 100) faults.push(`${at}: its uid ${tooLong(e.uid, 100)}`)
    if (e.name > maxNameLength) faults.push(`${at}: its name ${tooLong(e.name, maxNameLength)}`)
    if (e.description > maxDescriptionLength) faults.push(`${at}: its description ${tooLong(e.description, maxDescriptionLength)}`)
    if (e.definition > maxConfigFileBytes) faults.push(`${at}: its definition ${tooLong(e.definition, maxConfigFileBytes)}`)
  }
  for (const t of db.prepare(`SELECT run_id AS runId, count(*) AS n, max(length(tag)) AS longest FROM tags GROUP BY run_id HAVING n > ? OR longest > ? LIMIT ${limit}`).all(maxTags, maxTagLength) as { runId: number; n: number; longest: number }[])
    faults.push(`run ${t.runId}: ${t.n > maxTags ? `${t.n} tags; the lab allows ${maxTags}` : `a tag ${tooLong(t.longest, maxTagLength)}`}`)
  for (const m of db.prepare(`SELECT id, length(name) AS n FROM metric_names WHERE length(name) > ? LIMIT ${limit}`).all(maxNameLength) as { id: number; n: number }[])
    faults.push(`measure name ${m.id} ${tooLong(m.n, maxNameLength)}`)
  const series = db.prepare(`SELECT run_id AS runId, name_id AS nameId, sum(length(steps)) AS bytes FROM metric_chunks GROUP BY run_id, name_id HAVING bytes > ? LIMIT ${limit}`).all(maxPointsPerSeries * 8) as { runId: number; nameId: number; bytes: number }[]
  for (const c of series) faults.push(`run ${c.runId}: measure ${c.nameId} holds ${(c.bytes / 8).toLocaleString('en-US')} points; a run may store at most ${maxPointsPerSeries.toLocaleString('en-US')} (${defaultResourceLimits.maxEvaluations.toLocaleString('en-US')} evaluations)`)
  return faults
}

/** Names and texts as the lab accepts them at creation: no control or text-direction characters (text.ts). */
function textFaults(db: Db): string[] {
  const faults: string[] = []
  const check = (at: string, text: string | null, fault: (t: string) => string | null) => {
    const why = text === null ? null : fault(text)
    if (why && faults.length <= maxReportedIssues) faults.push(`${at}: ${why}`)
  }
  for (const r of db.prepare('SELECT id, name, note FROM runs').iterate() as Iterable<{ id: number; name: string | null; note: string | null }>) {
    check(`run ${r.id}'s name`, r.name, nameTextFault)
    check(`run ${r.id}'s note`, r.note, proseTextFault)
  }
  for (const e of db.prepare('SELECT id, name, description FROM experiments').iterate() as Iterable<{ id: number; name: string; description: string }>) {
    check(`experiment ${e.id}'s name`, e.name, nameTextFault)
    check(`experiment ${e.id}'s description`, e.description, proseTextFault)
  }
  for (const t of db.prepare('SELECT run_id AS runId, tag FROM tags').iterate() as Iterable<{ runId: number; tag: string }>) check(`run ${t.runId}'s tag`, t.tag, nameTextFault)
  for (const m of db.prepare('SELECT id, name FROM metric_names').iterate() as Iterable<{ id: number; name: string }>) check(`measure name ${m.id}`, m.name, nameTextFault)
  return faults
}
