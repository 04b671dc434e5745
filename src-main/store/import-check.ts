/**
 * What `import-runs` and `merge` accept: a lab file opened read-only, its format checked, and every
 * run, metric blob and artifact validated before anything is written. A crafted or damaged file is
 * refused whole, naming the file, the run and the fault.
 */
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { ConfigError, maxReportedIssues, parseRunConfig, type RunConfig } from '../../src-shared/config'
import { structureIssues } from '../../src-shared/input'
import { electronSqliteBinding } from '../lib/paths'
import { databaseOf } from './connection'
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

/** Layer widths of a run's network: input, hidden…, outputs. */
function widths(config: RunConfig): number[] {
  const input = config.data.kind === 'synthetic' ? config.data.inputDim : 784
  const hidden = config.model.kind === 'mlp' ? config.model.hidden : [config.model.hidden]
  return [input, ...hidden, config.model.outputs]
}

/**
 * Validates every run of `source` (the given ids, or all): config, status and step counts, metric
 * blobs (lengths agree, steps in range and in order, values finite, at most one point per
 * evaluation) and artifacts (shapes agree with the config, lengths with the shapes, values finite).
 * Throws a StoreFormatError naming the file, the run and up to 20 faults.
 */
export function validateImport(source: Store, file: string, runIds?: number[]): void {
  const db = databaseOf(source)
  const faults: string[] = []
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
      config = parseRunConfig(parsed.value)
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
    const layers = widths(config)
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
        const expected = layer[1] === 'W' ? [layers[l - 1], layers[l]] : [layers[l]]
        if (l < 1 || l >= layers.length || JSON.stringify(dims) !== JSON.stringify(expected)) add(`artifact ${a.name}: shape ${JSON.stringify(dims)} disagrees with the config's network (${layers.join('-')})`)
      }
      const values = new Float32Array(a.data.buffer.slice(a.data.byteOffset, a.data.byteOffset + a.data.byteLength))
      if (values.some((v) => !Number.isFinite(v))) add(`artifact ${a.name}: holds a value that is not finite`)
    }
    const weights = layers.slice(1).reduce((n, w, i) => n + w * (layers[i] + 1), 0)
    if (elements > 4 * weights + 1e6) add(`artifacts hold ${elements} values, far more than a network of ${layers.join('-')} has`)
  }
  if (faults.length) {
    const shown = faults.slice(0, maxReportedIssues)
    const more = faults.length - shown.length
    throw new StoreFormatError(`${file} cannot be imported; nothing was written:\n${shown.map((f) => `  - ${f}`).join('\n')}${more ? `\n  … and more faults` : ''}`)
  }
}
