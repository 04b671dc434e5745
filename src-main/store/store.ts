/**
 * The run store: one SQLite file per lab (better-sqlite3, WAL). All SQL of the project lives in
 * this folder. Metric series are stored in chunks, one row per (run, measure, flush) holding the
 * steps, values and wall times of that flush as little-endian float64 blobs: a chart's read of
 * 50 runs × 30,000 points touches a few hundred rows instead of 1.5 million.
 */
import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { electronSqliteBinding } from '../lib/paths'
import { migrate, StoreFormatError } from './schema'

export { StoreFormatError }

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'diverged' | 'interrupted'
export const finishedStatuses: RunStatus[] = ['completed', 'failed', 'cancelled', 'diverged', 'interrupted']

export interface ExperimentRecord {
  id: number
  uid: string
  name: string
  description: string
  /** The sweep definition as given (base config and grid). */
  definition: unknown
  createdAt: string
}

export interface RunRecord {
  id: number
  uid: string
  experimentId: number | null
  /** Position in the experiment's expanded grid. */
  sweepIndex: number | null
  name: string | null
  /** The full resolved run config. */
  config: Record<string, unknown>
  seed: number
  rule: string
  status: RunStatus
  backend: string | null
  dataset: Record<string, unknown> | null
  datasetFingerprint: string | null
  queuedAt: string
  startedAt: string | null
  endedAt: string | null
  durationMs: number | null
  stepsDone: number
  totalSteps: number
  error: string | null
  finalMetrics: Record<string, number> | null
  /** For completed runs: `converged` (the convergence stop) or `step-limit`; stepsDone is the step. */
  stopReason: string | null
  note: string
  tags: string[]
}

export interface MetricPoint {
  step: number
  value: number
  wallTimeMs: number
}

export interface MetricSeries {
  runId: number
  name: string
  steps: Float64Array
  values: Float64Array
  wallTimesMs: Float64Array
}

export interface ArtifactRecord {
  name: string
  shape: number[]
  values: Float32Array
}

export interface RunFilter {
  experimentId?: number
  status?: RunStatus[]
  ids?: number[]
  /** Include runs in the trash (deleted, not yet purged). */
  includeDeleted?: boolean
}

const toBlob = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

interface ChunkRow {
  steps: Buffer
  vals: Buffer
  walls: Buffer
}

/** Concatenates chunk blobs (float64, in step order) with one copy per value. */
function concatChunks(rows: ChunkRow[]): { steps: Float64Array; values: Float64Array; wallTimesMs: Float64Array } {
  const bytes = rows.reduce((n, r) => n + r.steps.byteLength, 0)
  const steps = new Float64Array(bytes / 8)
  const values = new Float64Array(bytes / 8)
  const wallTimesMs = new Float64Array(bytes / 8)
  const views = [steps, values, wallTimesMs].map((a) => new Uint8Array(a.buffer))
  let offset = 0
  for (const row of rows) {
    views[0].set(row.steps, offset)
    views[1].set(row.vals, offset)
    views[2].set(row.walls, offset)
    offset += row.steps.byteLength
  }
  return { steps, values, wallTimesMs }
}
const now = () => new Date().toISOString()

interface RunRow {
  id: number
  uid: string
  experiment_id: number | null
  sweep_index: number | null
  name: string | null
  config: string
  seed: number
  rule: string
  status: RunStatus
  backend: string | null
  dataset: string | null
  dataset_fingerprint: string | null
  queued_at: string
  started_at: string | null
  ended_at: string | null
  duration_ms: number | null
  steps_done: number
  total_steps: number
  error: string | null
  final_metrics: string | null
  stop_reason: string | null
  note: string
  tags: string | null
}

function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    uid: row.uid,
    experimentId: row.experiment_id,
    sweepIndex: row.sweep_index,
    name: row.name,
    config: JSON.parse(row.config),
    seed: row.seed,
    rule: row.rule,
    status: row.status,
    backend: row.backend,
    dataset: row.dataset ? JSON.parse(row.dataset) : null,
    datasetFingerprint: row.dataset_fingerprint,
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    stepsDone: row.steps_done,
    totalSteps: row.total_steps,
    error: row.error,
    finalMetrics: row.final_metrics ? JSON.parse(row.final_metrics) : null,
    stopReason: row.stop_reason,
    note: row.note,
    tags: row.tags ? row.tags.split('\u0000') : [],
  }
}

const runColumns = `r.*, (SELECT group_concat(tag, char(0)) FROM (SELECT tag FROM tags t WHERE t.run_id = r.id ORDER BY tag)) AS tags`

export interface OpenOptions {
  /** Open an existing file only; never create one. */
  mustExist?: boolean
  readonly?: boolean
}

export type Store = ReturnType<typeof openStore>

/**
 * Opens (or creates) a lab file, migrating it to the current schema. A file that is not a lab
 * (another application's SQLite, or not SQLite at all) or was written by a newer FA Lab is refused
 * with a StoreFormatError and left untouched. Runs found `running` (their process was killed)
 * become `interrupted`, keeping every metric committed before the kill.
 */
export function openStore(path: string, options: OpenOptions = {}) {
  if (options.mustExist && !existsSync(path)) throw new StoreFormatError(`${path}: no such lab file`)
  if (!options.mustExist && !options.readonly) mkdirSync(dirname(path), { recursive: true })
  let db: Database.Database
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.mustExist ?? false, nativeBinding: electronSqliteBinding() })
    db.pragma('busy_timeout = 5000')
    db.pragma('mmap_size = 268435456')
    if (!options.readonly) migrate(db, path)
  } catch (error) {
    db!?.close()
    if (error instanceof StoreFormatError) throw error
    const message = (error as Error).message
    throw new StoreFormatError(/not a database|file is encrypted/.test(message) ? `${path} is not an FA Lab file (not SQLite)` : `${path}: ${message}`)
  }
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
  }

  const nameIds = new Map<string, number>()
  const statements = {
    insertExperiment: db.prepare(`INSERT INTO experiments (uid, name, description, definition, created_at) VALUES (?, ?, ?, ?, ?)`),
    experimentByUid: db.prepare(`SELECT id FROM experiments WHERE uid = ?`),
    insertRun: db.prepare(
      `INSERT INTO runs (uid, experiment_id, sweep_index, name, config, seed, rule, status, queued_at, total_steps)
       VALUES (@uid, @experimentId, @sweepIndex, @name, @config, @seed, @rule, 'queued', @queuedAt, @totalSteps)`,
    ),
    markRunning: db.prepare(`UPDATE runs SET status = 'running', started_at = ?, backend = ?, dataset = ?, dataset_fingerprint = ? WHERE id = ?`),
    progress: db.prepare(`UPDATE runs SET steps_done = ? WHERE id = ?`),
    finish: db.prepare(`UPDATE runs SET status = ?, ended_at = ?, duration_ms = ?, steps_done = ?, error = ?, final_metrics = ?, stop_reason = ? WHERE id = ?`),
    nameId: db.prepare(`SELECT id FROM metric_names WHERE name = ?`),
    insertName: db.prepare(`INSERT INTO metric_names (name) VALUES (?)`),
    insertChunk: db.prepare(`INSERT INTO metric_chunks (run_id, name_id, first_step, steps, vals, walls) VALUES (?, ?, ?, ?, ?, ?)`),
    chunks: db.prepare(`SELECT steps, vals, walls FROM metric_chunks WHERE run_id = ? AND name_id = ? ORDER BY first_step`),
    chunkCounts: db.prepare(`SELECT name_id, count(*) AS n FROM metric_chunks WHERE run_id = ? GROUP BY name_id`),
    deleteChunks: db.prepare(`DELETE FROM metric_chunks WHERE run_id = ? AND name_id = ?`),
    runMetricNames: db.prepare(`SELECT DISTINCT n.name FROM metric_chunks c JOIN metric_names n ON n.id = c.name_id WHERE c.run_id = ? ORDER BY n.name`),
    insertArtifact: db.prepare(`INSERT OR REPLACE INTO artifacts (run_id, name, shape, data) VALUES (?, ?, ?, ?)`),
    artifacts: db.prepare(`SELECT name, shape, data FROM artifacts WHERE run_id = ? ORDER BY name`),
    run: db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.id = ?`),
    experiment: db.prepare(`SELECT * FROM experiments WHERE id = ?`),
    experiments: db.prepare(`SELECT * FROM experiments ORDER BY id`),
    interrupt: db.prepare(`UPDATE runs SET status = 'interrupted', ended_at = ?, error = 'the process running it stopped (killed or crashed) before it finished' WHERE status = 'running'`),
    setNote: db.prepare(`UPDATE runs SET note = ? WHERE id = ?`),
    addTag: db.prepare(`INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)`),
    clearTags: db.prepare(`DELETE FROM tags WHERE run_id = ?`),
    softDelete: db.prepare(`UPDATE runs SET deleted_at = ? WHERE id = ?`),
    restore: db.prepare(`UPDATE runs SET deleted_at = NULL WHERE id = ?`),
  }

  function metricNameId(name: string): number {
    let id = nameIds.get(name)
    if (id !== undefined) return id
    const row = statements.nameId.get(name) as { id: number } | undefined
    id = row ? row.id : Number(statements.insertName.run(name).lastInsertRowid)
    nameIds.set(name, id)
    return id
  }

  /** Replaces a run's chunks by one chunk per measure (a finished run's series no longer grow). */
  function compact(runId: number): void {
    const groups = statements.chunkCounts.all(runId) as { name_id: number; n: number }[]
    for (const { name_id: nameId } of groups.filter((g) => g.n > 1)) {
      const merged = concatChunks(statements.chunks.all(runId, nameId) as ChunkRow[])
      statements.deleteChunks.run(runId, nameId)
      statements.insertChunk.run(runId, nameId, merged.steps[0], toBlob(merged.steps), toBlob(merged.values), toBlob(merged.wallTimesMs))
    }
  }

  if (!options.readonly) {
    const left = db.prepare(`SELECT id FROM runs WHERE status = 'running'`).all() as { id: number }[]
    db.transaction(() => {
      statements.interrupt.run(now())
      left.forEach((r) => compact(r.id))
    })()
  }

  const store = {
    path,
    db,

    createExperiment(input: { name: string; description?: string; definition: unknown; uid?: string }): number {
      const uid = input.uid ?? randomUUID()
      const existing = statements.experimentByUid.get(uid) as { id: number } | undefined
      if (existing) return existing.id
      return Number(statements.insertExperiment.run(uid, input.name, input.description ?? '', JSON.stringify(input.definition), now()).lastInsertRowid)
    },

    getExperiment(id: number): ExperimentRecord | null {
      const row = statements.experiment.get(id) as Record<string, unknown> | undefined
      return row ? experimentFromRow(row) : null
    },

    listExperiments(): ExperimentRecord[] {
      return (statements.experiments.all() as Record<string, unknown>[]).map(experimentFromRow)
    },

    /** Adds queued runs in one transaction; returns their ids in order. */
    queueRuns(runs: { config: Record<string, unknown> & { seed: number; rule: string; steps: number; name?: string }; experimentId?: number; sweepIndex?: number; uid?: string }[]): number[] {
      return db.transaction(() =>
        runs.map((r) =>
          Number(
            statements.insertRun.run({
              uid: r.uid ?? randomUUID(),
              experimentId: r.experimentId ?? null,
              sweepIndex: r.sweepIndex ?? null,
              name: r.config.name ?? null,
              config: JSON.stringify(r.config),
              seed: r.config.seed,
              rule: r.config.rule,
              queuedAt: now(),
              totalSteps: r.config.steps,
            }).lastInsertRowid,
          ),
        ),
      )()
    },

    markRunning(runId: number, backend: string, dataset: { fingerprint: string } & Record<string, unknown>): void {
      statements.markRunning.run(now(), backend, JSON.stringify(dataset), dataset.fingerprint, runId)
    },

    /**
     * Appends evaluations (in step order) as one chunk per measure, in one transaction, together
     * with the run's step count: after a kill, everything up to the last call is there.
     */
    appendMetrics(runId: number, evaluations: { step: number; metrics: Record<string, number>; wallTimeMs: number }[]): void {
      if (evaluations.length === 0) return
      const byName = new Map<string, MetricPoint[]>()
      for (const e of evaluations)
        for (const [name, value] of Object.entries(e.metrics)) {
          let list = byName.get(name)
          if (!list) byName.set(name, (list = []))
          list.push({ step: e.step, value, wallTimeMs: e.wallTimeMs })
        }
      db.transaction(() => {
        for (const [name, points] of byName) {
          const steps = Float64Array.from(points, (p) => p.step)
          const values = Float64Array.from(points, (p) => p.value)
          const walls = Float64Array.from(points, (p) => p.wallTimeMs)
          statements.insertChunk.run(runId, metricNameId(name), steps[0], toBlob(steps), toBlob(values), toBlob(walls))
        }
        statements.progress.run(evaluations[evaluations.length - 1].step, runId)
      })()
    },

    /** Records how a run ended and compacts its metric chunks into one per measure. */
    finishRun(runId: number, result: { status: RunStatus; durationMs?: number; stepsDone: number; error?: string | null; finalMetrics?: Record<string, number> | null; stopReason?: string | null }): void {
      db.transaction(() => {
        statements.finish.run(result.status, now(), result.durationMs ?? null, result.stepsDone, result.error ?? null, result.finalMetrics ? JSON.stringify(result.finalMetrics) : null, result.stopReason ?? null, runId)
        compact(runId)
      })()
    },

    saveArtifacts(runId: number, artifacts: ArtifactRecord[]): void {
      db.transaction(() => {
        for (const a of artifacts) statements.insertArtifact.run(runId, a.name, JSON.stringify(a.shape), Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength))
      })()
    },

    artifacts(runId: number): ArtifactRecord[] {
      return (statements.artifacts.all(runId) as { name: string; shape: string; data: Buffer }[]).map((row) => ({
        name: row.name,
        shape: JSON.parse(row.shape),
        values: new Float32Array(row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength)),
      }))
    },

    getRun(id: number): RunRecord | null {
      const row = statements.run.get(id) as RunRow | undefined
      return row ? runFromRow(row) : null
    },

    listRuns(filter: RunFilter = {}): RunRecord[] {
      const where: string[] = []
      const params: unknown[] = []
      if (!filter.includeDeleted) where.push('r.deleted_at IS NULL')
      if (filter.experimentId !== undefined) {
        where.push('r.experiment_id = ?')
        params.push(filter.experimentId)
      }
      if (filter.status?.length) {
        where.push(`r.status IN (${filter.status.map(() => '?').join(',')})`)
        params.push(...filter.status)
      }
      if (filter.ids) {
        if (filter.ids.length === 0) return []
        where.push(`r.id IN (${filter.ids.map(() => '?').join(',')})`)
        params.push(...filter.ids)
      }
      const sql = `SELECT ${runColumns} FROM runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id`
      return (db.prepare(sql).all(...params) as RunRow[]).map(runFromRow)
    },

    metricNames(runId: number): string[] {
      return (statements.runMetricNames.all(runId) as { name: string }[]).map((r) => r.name)
    },

    /** One measure of one run, in step order. */
    metricSeries(runId: number, name: string): MetricSeries {
      const id = (statements.nameId.get(name) as { id: number } | undefined)?.id
      const rows = id === undefined ? [] : (statements.chunks.all(runId, id) as ChunkRow[])
      return { runId, name, ...concatChunks(rows) }
    },

    /** One measure of many runs (for a chart). */
    metricSeriesMany(runIds: number[], name: string): MetricSeries[] {
      return runIds.map((id) => store.metricSeries(id, name))
    },

    setNote(runId: number, note: string): void {
      statements.setNote.run(note, runId)
    },

    setTags(runId: number, tags: string[]): void {
      db.transaction(() => {
        statements.clearTags.run(runId)
        for (const tag of new Set(tags.map((t) => t.trim()).filter(Boolean))) statements.addTag.run(runId, tag)
      })()
    },

    /** Moves runs to the trash; `restoreRuns` undoes it until `purgeDeleted`. */
    deleteRuns(ids: number[]): void {
      const at = now()
      db.transaction(() => ids.forEach((id) => statements.softDelete.run(at, id)))()
    },

    restoreRuns(ids: number[]): void {
      db.transaction(() => ids.forEach((id) => statements.restore.run(id)))()
    },

    /** Removes trashed runs and their data for good. */
    purgeDeleted(): number {
      return db.prepare(`DELETE FROM runs WHERE deleted_at IS NOT NULL`).run().changes
    },

    /** Saves (or replaces) a comparison's settings under a name. */
    saveComparison(name: string, spec: unknown): void {
      db.prepare(`INSERT INTO comparisons (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`).run(name, JSON.stringify(spec), now())
    },

    getComparison(name: string): unknown | null {
      const row = db.prepare(`SELECT spec FROM comparisons WHERE name = ?`).get(name) as { spec: string } | undefined
      return row ? JSON.parse(row.spec) : null
    },

    listComparisons(): { name: string; spec: unknown; updatedAt: string }[] {
      return (db.prepare(`SELECT name, spec, updated_at FROM comparisons ORDER BY name`).all() as { name: string; spec: string; updated_at: string }[]).map((r) => ({ name: r.name, spec: JSON.parse(r.spec), updatedAt: r.updated_at }))
    },

    integrityCheck(): string {
      return (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown'
    },

    close(): void {
      if (db.open) db.close()
    },
  }
  return store
}

function experimentFromRow(row: Record<string, unknown>): ExperimentRecord {
  return {
    id: row.id as number,
    uid: row.uid as string,
    name: row.name as string,
    description: row.description as string,
    definition: JSON.parse(row.definition as string),
    createdAt: row.created_at as string,
  }
}
