/**
 * The run store: one SQLite file per lab (better-sqlite3, WAL). All SQL of the project lives in
 * this folder, one module per kind of record: runs.ts (runs and experiments), metrics.ts (metric
 * series in chunks), artifacts.ts, comparisons.ts; connection.ts opens and migrates the file.
 * Other rooms see only the store's methods and `transaction()`, never the raw connection.
 */
import { createArtifacts } from './artifacts'
import { createCheckpoints } from './checkpoints'
import { createComparisons } from './comparisons'
import { openDatabase, registerDatabase, type OpenOptions } from './connection'
import { describeStoreFault, StoreFaultError, withFaultMessages } from './faults'
import { createMetrics } from './metrics'
import { createRuns } from './runs'
import { StoreFormatError } from './schema'

export { StoreFormatError }
export { StoreFaultError } from './faults'
export type { OpenOptions } from './connection'
export type { ArtifactRecord } from './artifacts'
export { resumableStatuses, type CheckpointRecord } from './checkpoints'
export type { EvaluationRecord, MetricPoint, MetricSeries } from './metrics'
export { finishedStatuses, leaseMs, type ExperimentRecord, type RunEnding, type RunFilter, type RunRecord, type RunStatus } from './runs'

export type Store = ReturnType<typeof openStore>

/**
 * Opens (or creates) a lab file, migrating it to the current schema. A file that is not a lab
 * (another application's SQLite, or not SQLite at all) or was written by a newer FA Lab is refused
 * with a StoreFormatError and left untouched. Queued and running runs whose owning process is gone
 * (killed or crashed) become `interrupted` with the reason, keeping every metric committed before
 * the kill; runs another live process trains are left alone.
 */
export function openStore(path: string, options: OpenOptions = {}) {
  let db: ReturnType<typeof openDatabase>
  try {
    db = openDatabase(path, options)
  } catch (error) {
    throw describeStoreFault(error, path, 'opening it')
  }
  const { compact, ...metrics } = createMetrics(db)
  const { recoverInterrupted, ...runs } = createRuns(db, compact)
  if (!options.readonly) {
    try {
      recoverInterrupted()
    } catch (error) {
      // A full disk or a read-only file must not stop the lab being read: the orphaned runs keep
      // their status until an open that can write marks them.
      const fault = describeStoreFault(error, path)
      if (!(fault instanceof StoreFaultError)) {
        db.close()
        throw fault
      }
    }
  }

  // SQLite's disk and file failures (full, I/O, damaged, read-only) come out of every method as a
  // message naming the file and what to do (faults.ts)
  const store = withFaultMessages({
    path,
    ...runs,
    ...metrics,
    ...createArtifacts(db),
    ...createComparisons(db),
    ...createCheckpoints(db, (runId, step) => metrics.truncateMetrics(runId, step)),

    /** Runs `work` in one transaction (nested calls become savepoints); returns its result. */
    transaction<T>(work: () => T): T {
      return db.transaction(work)()
    },

    integrityCheck(): string {
      return (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown'
    },

    close(): void {
      if (db.open) db.close()
    },
  }, path)
  registerDatabase(store, db)
  return store
}
