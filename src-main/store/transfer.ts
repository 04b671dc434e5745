/**
 * Moving runs between lab files: export chosen runs to a new portable lab file, import one, and
 * merge shard files. Runs and experiments are matched by uid, so nothing is copied twice; metric
 * chunks and artifacts are copied byte for byte.
 */
import { existsSync } from 'node:fs'
import { databaseOf, whileBusy, type Db } from './connection'
import { openImportSource, validateImport, type ImportLimits } from './import-check'
import { openStore, type Store } from './store'

/** How long an import waits for another process's write to the same lab to finish. */
const importLockWaitMs = 60_000

export interface TransferResult {
  runsAdded: number
  runsSkipped: number
  experimentsAdded: number
}

/** Copies runs (all, or those with the given ids in `source`) from `source` into `target`, reading `source` only. */
export function copyRuns(source: Store, target: Store, runIds?: number[]): TransferResult {
  const result: TransferResult = { runsAdded: 0, runsSkipped: 0, experimentsAdded: 0 }
  const runs = source.listRuns(runIds ? { ids: runIds } : {})
  return copyFrom(source, target, runs, databaseOf(source), databaseOf(target), result)
}

const runFields = ['uid', 'sweep_index', 'name', 'config', 'seed', 'rule', 'status', 'backend', 'training_path', 'dataset', 'dataset_fingerprint', 'queued_at', 'started_at', 'ended_at', 'duration_ms', 'steps_done', 'total_steps', 'error', 'final_metrics', 'note', 'stop_reason']

function copyFrom(source: Store, target: Store, runs: ReturnType<Store['listRuns']>, s: Db, t: Db, result: TransferResult): TransferResult {
  const experimentIds = new Map<number, number>()
  const hasUid = t.prepare('SELECT id FROM runs WHERE uid = ?')
  const experimentByUid = t.prepare('SELECT id FROM experiments WHERE uid = ?')
  const sourceRun = s.prepare(`SELECT ${runFields.join(', ')} FROM runs WHERE id = ?`)
  const insertRun = t.prepare(`INSERT INTO runs (experiment_id, ${runFields.join(', ')}) VALUES (@experimentId, ${runFields.map((f) => `@${f}`).join(', ')})`)
  const names = s.prepare('SELECT id, name FROM metric_names').all() as { id: number; name: string }[]
  const chunks = s.prepare('SELECT name_id, first_step, steps, vals, walls FROM metric_chunks WHERE run_id = ?')
  const insertChunk = t.prepare('INSERT INTO metric_chunks (run_id, name_id, first_step, steps, vals, walls) VALUES (?, ?, ?, ?, ?, ?)')
  const nameId = t.prepare('SELECT id FROM metric_names WHERE name = ?')
  const insertName = t.prepare('INSERT INTO metric_names (name) VALUES (?)')
  const artifacts = s.prepare('SELECT name, shape, data FROM artifacts WHERE run_id = ?')
  const insertArtifact = t.prepare('INSERT INTO artifacts (run_id, name, shape, data) VALUES (?, ?, ?, ?)')
  const insertTag = t.prepare('INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)')
  const nameMap = new Map<number, number>()
  const targetNameId = (sourceNameId: number) => {
    let id = nameMap.get(sourceNameId)
    if (id === undefined) {
      const name = names.find((n) => n.id === sourceNameId)!.name
      const row = nameId.get(name) as { id: number } | undefined
      id = row ? row.id : Number(insertName.run(name).lastInsertRowid)
      nameMap.set(sourceNameId, id)
    }
    return id
  }

  // An import waits its turn behind another process writing the same lab (another import, a
  // training run): BEGIN IMMEDIATE takes the write lock first, so the transaction never has to
  // upgrade a read snapshot another writer has since changed (SQLite's "database is locked" at once,
  // without waiting); while another import holds the lock it is asked again, for up to a minute.
  whileBusy(() => t.transaction(() => {
      // a rolled-back try starts over
      Object.assign(result, { runsAdded: 0, runsSkipped: 0, experimentsAdded: 0 })
      experimentIds.clear()
      nameMap.clear()
      for (const run of runs) {
        if (hasUid.get(run.uid)) {
          result.runsSkipped++
          continue
        }
        let experimentId: number | null = null
        if (run.experimentId !== null) {
          experimentId = experimentIds.get(run.experimentId) ?? null
          if (experimentId === null) {
            const experiment = source.getExperiment(run.experimentId)!
            const existing = experimentByUid.get(experiment.uid) as { id: number } | undefined
            if (!existing) result.experimentsAdded++
            experimentId = existing?.id ?? target.createExperiment({ uid: experiment.uid, name: experiment.name, description: experiment.description, definition: experiment.definition })
            experimentIds.set(run.experimentId, experimentId)
          }
        }
        const newId = Number(insertRun.run({ ...(sourceRun.get(run.id) as Record<string, unknown>), experimentId }).lastInsertRowid)
        for (const c of chunks.all(run.id) as { name_id: number; first_step: number; steps: Buffer; vals: Buffer; walls: Buffer }[])
          insertChunk.run(newId, targetNameId(c.name_id), c.first_step, c.steps, c.vals, c.walls)
        for (const a of artifacts.all(run.id) as { name: string; shape: string; data: Buffer }[]) insertArtifact.run(newId, a.name, a.shape, a.data)
        for (const tag of run.tags) insertTag.run(newId, tag)
        result.runsAdded++
      }
  }).immediate(), importLockWaitMs)
  return result
}

/** Writes the chosen runs, with their experiments and data, to a new lab file at `outPath`. */
export function exportRuns(store: Store, runIds: number[], outPath: string): TransferResult {
  if (existsSync(outPath)) throw new Error(`${outPath} already exists; choose a new file name`)
  const missing = runIds.filter((id) => !store.getRun(id))
  if (missing.length) throw new Error(`no run with id ${missing.join(', ')} in ${store.path}`)
  const out = openStore(outPath)
  try {
    return copyRuns(store, out, runIds)
  } finally {
    out.close()
  }
}

/**
 * Imports every run of a lab file (an export or a shard) into `store`, skipping runs it has. The
 * file is opened read-only and never changed; every run, metric blob and artifact is validated
 * before anything is written, and the runs are written in one transaction.
 */
export function importRuns(store: Store, fromPath: string, limits: ImportLimits = {}): TransferResult {
  const source = openImportSource(fromPath)
  try {
    validateImport(source.store, fromPath, undefined, limits)
    return copyRuns(source.store, store)
  } finally {
    source.close()
  }
}

/** Checks that `fromPath` can be imported (see importRuns) without writing anything anywhere. */
export function checkImportable(fromPath: string, limits: ImportLimits = {}): void {
  const source = openImportSource(fromPath)
  try {
    validateImport(source.store, fromPath, undefined, limits)
  } finally {
    source.close()
  }
}
