/**
 * Runs and the experiments that group them: queueing, status changes, notes, tags and the trash.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { ConfigError, describeIssues, RunConfig, type RunStatus } from '../../src-shared/config'
import { now, type Db } from './connection'

/** How long a run's owner may go without renewing its lease before another host counts it gone. */
export const leaseMs = 30_000
/** On the owner's own host a live pid keeps its runs unless its lease is this stale (the pid was reused). */
const staleLeaseMs = 10 * 60_000

/** Whether process `pid` exists on this host (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

interface Owner {
  owner_pid: number | null
  owner_host: string | null
  lease_until_ms: number | null
}

/**
 * Whether the process that owns a queued or running run is gone: no owner recorded (an older lab,
 * a released run), a pid no longer alive on this host, or a lease left to expire.
 */
function ownerGone(owner: Owner, at = Date.now()): boolean {
  if (owner.owner_pid === null) return true
  const lease = owner.lease_until_ms ?? 0
  if (owner.owner_host === hostname()) return !processAlive(owner.owner_pid) || at > lease + staleLeaseMs
  return at > lease
}

export type { RunStatus }
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
  /** Whether the name was changed after the run was queued (it then differs from the config's `name`). */
  renamed: boolean
  /** The full resolved run config, parsed with the run schema. */
  config: RunConfig
  /**
   * Why the stored config fails today's schema (a config an older lab accepted), or null. Then
   * `config` is the stored object as it is, and the run cannot be trained again.
   */
  configError: string | null
  seed: number
  rule: string
  status: RunStatus
  backend: string | null
  /** How its steps computed the first layer's products on that backend: dense, kernel or sparse (engine/step-paths.ts); null before it starts and for runs stored before this was recorded. */
  trainingPath: string | null
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
  /** The process that queued or trains the run, while it is queued or running. */
  owner: { pid: number; host: string; leaseUntilMs: number } | null
}

export interface RunFilter {
  experimentId?: number
  status?: RunStatus[]
  ids?: number[]
  /** Include runs in the trash (deleted, not yet purged). */
  includeDeleted?: boolean
  /**
   * Records share one frozen config per stored text instead of each getting its own copy: for
   * readers that only read configs (the runs list, the queue's estimate), where copying 10,000
   * configs cost most of a listing. Changing such a config throws.
   */
  readOnlyConfigs?: boolean
}

/** How a run ended, as finishRun records it. */
export interface RunEnding {
  status: RunStatus
  durationMs?: number
  stepsDone: number
  error?: string | null
  finalMetrics?: Record<string, number> | null
  stopReason?: string | null
}

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
  training_path: string | null
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
  owner_pid: number | null
  owner_host: string | null
  lease_until_ms: number | null
}

/** Stored JSON text parsed, or why it cannot be (a damaged or hand-edited row): one bad row never stops the others being read. */
function storedJson(text: string | null): { value: unknown } | { fault: string } {
  if (typeof text !== 'string') return { fault: `is not text (${text === null ? 'NULL' : typeof text})` }
  try {
    return { value: JSON.parse(text) }
  } catch (error) {
    return { fault: `is not JSON (${(error as Error).message})` }
  }
}

/** A stored JSON column's value, or null when it is missing or not JSON (the run is still listed). */
function optionalJson<T>(text: string | null): T | null {
  if (text === null) return null
  const parsed = storedJson(text)
  return 'value' in parsed ? (parsed.value as T) : null
}

/**
 * Stored configs parsed once per text (a stored config never changes); cleared when it grows past
 * twice the runs of the largest experiment (experiment.ts's defaultMaxRuns), so that listing a
 * whole 10,000-run experiment again parses nothing.
 */
const parsedConfigs = new Map<string, { config: RunConfig; error: string | null }>()
const parsedConfigsLimit = 20_000

/** `value` and everything it holds, frozen. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}

function rememberConfig(text: string, parsed: { config: RunConfig; error: string | null }): void {
  if (parsedConfigs.size >= parsedConfigsLimit) parsedConfigs.clear()
  // frozen: readOnlyConfigs records share it
  parsedConfigs.set(text, { config: deepFreeze(parsed.config), error: parsed.error })
}

/**
 * A stored config parsed with the run schema; a config today's schema refuses comes back as stored,
 * with the reason. Each call gets its own copy, unless `shared`: then the one frozen parse.
 */
export function parseStoredConfig(text: string, shared = false): { config: RunConfig; error: string | null } {
  let parsed = parsedConfigs.get(text)
  if (!parsed) {
    const raw = storedJson(text)
    if ('fault' in raw) parsed = { config: Object.create(null) as RunConfig, error: `the stored config ${raw.fault}` }
    else {
      const result = RunConfig.safeParse(raw.value)
      parsed = result.success ? { config: result.data, error: null } : { config: raw.value as RunConfig, error: new ConfigError(describeIssues(result.error)).message }
    }
    rememberConfig(text, parsed)
  }
  if (shared) return parsed
  // each record gets its own copy, so no caller can change another's
  return { config: structuredClone(parsed.config), error: parsed.error }
}

function runFromRow(row: RunRow, sharedConfig = false): RunRecord {
  const { config, error: configError } = parseStoredConfig(row.config, sharedConfig)
  return {
    id: row.id,
    uid: row.uid,
    experimentId: row.experiment_id,
    sweepIndex: row.sweep_index,
    name: row.name,
    renamed: row.name !== null && row.name !== ((config as { name?: unknown }).name ?? null),
    config,
    configError,
    seed: row.seed,
    rule: row.rule,
    status: row.status,
    backend: row.backend,
    trainingPath: row.training_path,
    dataset: optionalJson<Record<string, unknown>>(row.dataset),
    datasetFingerprint: row.dataset_fingerprint,
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    stepsDone: row.steps_done,
    totalSteps: row.total_steps,
    error: row.error,
    finalMetrics: optionalJson<Record<string, number>>(row.final_metrics),
    stopReason: row.stop_reason,
    note: row.note,
    tags: row.tags ? row.tags.split('\u0000') : [],
    owner: row.owner_pid === null ? null : { pid: row.owner_pid, host: row.owner_host ?? '', leaseUntilMs: row.lease_until_ms ?? 0 },
  }
}

function experimentFromRow(row: Record<string, unknown>): ExperimentRecord {
  return {
    id: row.id as number,
    uid: row.uid as string,
    name: row.name as string,
    description: row.description as string,
    definition: optionalJson(row.definition as string),
    createdAt: row.created_at as string,
  }
}

const runColumns = `r.*, (SELECT group_concat(tag, char(0)) FROM (SELECT tag FROM tags t WHERE t.run_id = r.id ORDER BY tag)) AS tags`

/** The runs and experiments of a lab file. `compact` merges a finished run's metric chunks. */
export function createRuns(db: Db, compact: (runId: number) => void) {
  const statements = {
    insertExperiment: db.prepare(`INSERT INTO experiments (uid, name, description, definition, created_at) VALUES (?, ?, ?, ?, ?)`),
    experimentByUid: db.prepare(`SELECT id FROM experiments WHERE uid = ?`),
    insertRun: db.prepare(
      `INSERT INTO runs (uid, experiment_id, sweep_index, name, config, seed, rule, status, queued_at, total_steps, owner_pid, owner_host, lease_until_ms)
       VALUES (@uid, @experimentId, @sweepIndex, @name, @config, @seed, @rule, 'queued', @queuedAt, @totalSteps, @ownerPid, @ownerHost, @leaseUntilMs)`,
    ),
    // the ids as one JSON array: one statement for a queue of any length
    renew: db.prepare(`UPDATE runs SET lease_until_ms = ? WHERE id IN (SELECT value FROM json_each(?)) AND owner_pid = ? AND owner_host = ? AND status IN ('queued', 'running')`),
    release: db.prepare(`UPDATE runs SET owner_pid = NULL, owner_host = NULL, lease_until_ms = NULL WHERE id IN (SELECT value FROM json_each(?)) AND owner_pid = ? AND owner_host = ?`),
    statusCounts: db.prepare(`SELECT status, count(*) AS n FROM runs WHERE id IN (SELECT value FROM json_each(?)) GROUP BY status ORDER BY status`),
    cancelQueued: db.prepare(
      `UPDATE runs SET status = 'cancelled', ended_at = ?, error = ?, owner_pid = NULL, owner_host = NULL, lease_until_ms = NULL WHERE id IN (SELECT value FROM json_each(?)) AND status = 'queued'`,
    ),
    ownerless: db.prepare(`UPDATE runs SET owner_pid = NULL, owner_host = NULL, lease_until_ms = NULL WHERE id = ?`),
    unfinished: db.prepare(`SELECT id, status, owner_pid, owner_host, lease_until_ms FROM runs WHERE status IN ('queued', 'running')`),
    interruptOne: db.prepare(`UPDATE runs SET status = 'interrupted', ended_at = ?, error = ?, owner_pid = NULL, owner_host = NULL, lease_until_ms = NULL WHERE id = ?`),
    markRunning: db.prepare(`UPDATE runs SET status = 'running', started_at = ?, backend = ?, training_path = ?, dataset = ?, dataset_fingerprint = ? WHERE id = ?`),
    finish: db.prepare(`UPDATE runs SET status = ?, ended_at = ?, duration_ms = ?, steps_done = ?, error = ?, final_metrics = ?, stop_reason = ? WHERE id = ?`),
    run: db.prepare(`SELECT ${runColumns} FROM runs r WHERE r.id = ?`),
    experiment: db.prepare(`SELECT * FROM experiments WHERE id = ?`),
    experiments: db.prepare(`SELECT * FROM experiments ORDER BY id`),
    states: db.prepare(`SELECT id, experiment_id AS experimentId, status FROM runs WHERE deleted_at IS NULL AND experiment_id IS NOT NULL ORDER BY id`),
    setNote: db.prepare(`UPDATE runs SET note = ? WHERE id = ?`),
    renameRun: db.prepare(`UPDATE runs SET name = ? WHERE id = ?`),
    renameExperiment: db.prepare(`UPDATE experiments SET name = ? WHERE id = ?`),
    addTag: db.prepare(`INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)`),
    clearTags: db.prepare(`DELETE FROM tags WHERE run_id = ?`),
    softDelete: db.prepare(`UPDATE runs SET deleted_at = ? WHERE id = ?`),
    restore: db.prepare(`UPDATE runs SET deleted_at = NULL WHERE id = ?`),
  }

  return {
    /**
     * Marks runs whose owning process is gone (killed or crashed) as `interrupted`, naming why:
     * running ones keep every metric committed before the kill (their chunks are compacted), queued
     * ones never started. Runs a live process owns, in this process or another, are left alone.
     */
    recoverInterrupted(): number[] {
      return db.transaction(() => {
        const orphans = (statements.unfinished.all() as (Owner & { id: number; status: RunStatus })[]).filter((r) => ownerGone(r))
        const at = now()
        for (const run of orphans) {
          const who = run.owner_pid === null ? 'the process that owned it' : `its process (pid ${run.owner_pid} on ${run.owner_host})`
          const why = run.status === 'running' ? `${who} stopped (killed or crashed) before it finished` : `${who} stopped before it started the run`
          statements.interruptOne.run(at, why, run.id)
          if (run.status === 'running') compact(run.id)
        }
        return orphans.map((r) => r.id)
      })()
    },

    /** Extends this process's lease on its queued and running runs (the runner calls it while training). */
    renewLeases(runIds: number[]): void {
      statements.renew.run(Date.now() + leaseMs, JSON.stringify(runIds), process.pid, hostname())
    },

    /** Gives up this process's ownership of runs it leaves unfinished (closing), so the next open interrupts them. */
    releaseRuns(runIds: number[]): void {
      statements.release.run(JSON.stringify(runIds), process.pid, hostname())
    },

    /** How many of the runs are in each status (runs not in the lab are not counted). */
    statusCounts(runIds: number[]): Partial<Record<RunStatus, number>> {
      return Object.fromEntries((statements.statusCounts.all(JSON.stringify(runIds)) as { status: RunStatus; n: number }[]).map((row) => [row.status, row.n]))
    },

    /**
     * Marks queued runs cancelled with `error`, in one statement however many (a run that has left
     * `queued` meanwhile is left alone). They never trained here: there is nothing to compact, and a
     * resumed run keeps its steps and checkpoint.
     */
    cancelQueuedRuns(runIds: number[], error: string): void {
      statements.cancelQueued.run(now(), error, JSON.stringify(runIds))
    },

    /** Whether a queued or running run's owner is gone (so any process may cancel it); false for finished runs. */
    isOrphaned(runId: number): boolean {
      const row = db.prepare(`SELECT status, owner_pid, owner_host, lease_until_ms FROM runs WHERE id = ?`).get(runId) as (Owner & { status: RunStatus }) | undefined
      return !!row && (row.status === 'queued' || row.status === 'running') && ownerGone(row)
    },

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

    /** The experiments' runs (not deleted) as id, experiment and status only: what the experiments list counts, without reading configs. */
    experimentRunStates(): Pick<RunRecord, 'id' | 'experimentId' | 'status'>[] {
      return statements.states.all() as Pick<RunRecord, 'id' | 'experimentId' | 'status'>[]
    },

    /**
     * Adds queued runs in one transaction, owned by this process; returns their ids in order.
     * `parsed`: the configs are the run schema's output (expandExperiment's), so reading them back
     * needs no second validation (the schema gives a parsed config back unchanged: test/store/configs.test.ts).
     */
    queueRuns(runs: { config: Record<string, unknown> & { seed: number; rule: string; steps: number; name?: string }; experimentId?: number; sweepIndex?: number; uid?: string }[], options: { parsed?: boolean } = {}): number[] {
      return db.transaction(() =>
        runs.map((r) => {
          const config = JSON.stringify(r.config)
          if (options.parsed) rememberConfig(config, { config: JSON.parse(config), error: null })
          return Number(
            statements.insertRun.run({
              uid: r.uid ?? randomUUID(),
              experimentId: r.experimentId ?? null,
              sweepIndex: r.sweepIndex ?? null,
              name: r.config.name ?? null,
              config,
              seed: r.config.seed,
              rule: r.config.rule,
              queuedAt: now(),
              totalSteps: r.config.steps,
              ownerPid: process.pid,
              ownerHost: hostname(),
              leaseUntilMs: Date.now() + leaseMs,
            }).lastInsertRowid,
          )
        }),
      )()
    },

    markRunning(runId: number, backend: string, dataset: { fingerprint: string } & Record<string, unknown>, trainingPath: string | null = null): void {
      statements.markRunning.run(now(), backend, trainingPath, JSON.stringify(dataset), dataset.fingerprint, runId)
    },

    /** Records how a run ended and compacts its metric chunks into one per measure. */
    finishRun(runId: number, result: RunEnding): void {
      db.transaction(() => {
        statements.finish.run(result.status, now(), result.durationMs ?? null, result.stepsDone, result.error ?? null, result.finalMetrics ? JSON.stringify(result.finalMetrics) : null, result.stopReason ?? null, runId)
        statements.ownerless.run(runId)
        compact(runId)
      })()
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
      return (db.prepare(sql).all(...params) as RunRow[]).map((row) => runFromRow(row, filter.readOnlyConfigs))
    },

    /** Changes a run's name only: its stored config (and so its identity and checkpoints) stays as it is. */
    renameRun(runId: number, name: string): void {
      statements.renameRun.run(name, runId)
    },

    /** Changes an experiment's name only; its stored definition stays as it was started. */
    renameExperiment(experimentId: number, name: string): void {
      statements.renameExperiment.run(name, experimentId)
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
  }
}
