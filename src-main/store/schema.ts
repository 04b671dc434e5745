/**
 * Schema versions, keyed on PRAGMA user_version, and the lab's file signature in
 * PRAGMA application_id. Migrations run in one transaction each; a file from a newer lab or
 * from another application is refused before anything is written.
 */
import type Database from 'better-sqlite3'

/** 'FALB' */
export const applicationId = 0x46414c42

export class StoreFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreFormatError'
  }
}

export const migrations: string[] = [
  // 1: experiments, runs, metric chunks, artifacts
  `CREATE TABLE experiments (
     id INTEGER PRIMARY KEY,
     uid TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '',
     definition TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE runs (
     id INTEGER PRIMARY KEY,
     uid TEXT NOT NULL UNIQUE,
     experiment_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL,
     sweep_index INTEGER,
     name TEXT,
     config TEXT NOT NULL,
     seed INTEGER NOT NULL,
     rule TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','diverged','interrupted')),
     backend TEXT,
     dataset TEXT,
     dataset_fingerprint TEXT,
     queued_at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT,
     duration_ms REAL,
     steps_done INTEGER NOT NULL DEFAULT 0,
     total_steps INTEGER NOT NULL,
     error TEXT,
     final_metrics TEXT
   );
   CREATE INDEX runs_experiment ON runs(experiment_id);
   CREATE INDEX runs_status ON runs(status);
   CREATE TABLE metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
   CREATE TABLE metric_chunks (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     name_id INTEGER NOT NULL REFERENCES metric_names(id),
     first_step REAL NOT NULL,
     steps BLOB NOT NULL,
     vals BLOB NOT NULL,
     walls BLOB NOT NULL,
     PRIMARY KEY (run_id, name_id, first_step)
   ) WITHOUT ROWID;
   CREATE TABLE artifacts (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     shape TEXT NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (run_id, name)
   );`,
  // 2: notes, tags, and a trash for undoable deletes
  `ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
   ALTER TABLE runs ADD COLUMN deleted_at TEXT;
   CREATE TABLE tags (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     tag TEXT NOT NULL,
     PRIMARY KEY (run_id, tag)
   );`,
  // 3: saved comparisons (figure specs by name)
  `CREATE TABLE comparisons (
     name TEXT PRIMARY KEY,
     spec TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );`,
  // 4: why a completed run stopped (converged, step-limit), and the latest checkpoint of each run for resuming
  `ALTER TABLE runs ADD COLUMN stop_reason TEXT;
   CREATE TABLE checkpoints (
     run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
     step INTEGER NOT NULL,
     state BLOB NOT NULL,
     saved_at TEXT NOT NULL
   );`,
  // 5: the process that owns a queued or running run (pid, host) and its lease, renewed while it
  // trains: opening a lab interrupts only runs whose owner is gone
  `ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
   ALTER TABLE runs ADD COLUMN owner_host TEXT;
   ALTER TABLE runs ADD COLUMN lease_until_ms INTEGER;`,
  // 6: lab-wide settings and measurements by key (the speed calibration), as JSON
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);`,
  // 7: how the run's steps computed the first layer's products (dense, kernel or sparse: engine/step-paths.ts)
  `ALTER TABLE runs ADD COLUMN training_path TEXT;`,
]

export const schemaVersion = migrations.length

/** Refuses a file that is another application's database or comes from a newer lab. */
function checkFormat(db: Database.Database, path: string): { version: number; tables: number } {
  const version = db.pragma('user_version', { simple: true }) as number
  const app = db.pragma('application_id', { simple: true }) as number
  const tables = (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number }).n
  if (app !== applicationId && (tables > 0 || version > 0)) {
    throw new StoreFormatError(`${path} is not an FA Lab file (it is a SQLite database of another application); the lab left it untouched`)
  }
  if (version > schemaVersion) {
    throw new StoreFormatError(`${path} was written by a newer FA Lab (schema ${version}; this one knows up to ${schemaVersion}); update the lab to open it`)
  }
  if (!Number.isInteger(version) || version < 0) throw new StoreFormatError(`${path} is damaged: its schema version (PRAGMA user_version) is ${version}, and a lab's is 1 to ${schemaVersion}; the lab left it untouched`)
  return { version, tables }
}

/**
 * Brings `db` to `target` (the current version unless a test asks for an older one). The
 * migrations run in one exclusive transaction that reads the schema version again once it holds
 * the lock, so any number of processes may open (and create) one file at once: the first migrates,
 * the others find it done.
 */
export function migrate(db: Database.Database, path: string, target = schemaVersion): void {
  // One read transaction, so the three values come from one snapshot (another process may be migrating).
  const before = db.transaction(() => checkFormat(db, path))()
  if (before.version >= target) return
  // Large pages keep a long metric series' blob in few overflow pages (3–4× faster chart reads);
  // page size can only be chosen before the first table exists (later it is ignored).
  if (before.version === 0 && before.tables === 0) db.pragma('page_size = 65536')
  db.exec('BEGIN EXCLUSIVE')
  try {
    const { version } = checkFormat(db, path)
    for (let v = version; v < target; v++) db.exec(migrations[v])
    if (version < target) {
      db.pragma(`application_id = ${applicationId}`)
      db.pragma(`user_version = ${target}`)
    }
    db.exec('COMMIT')
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw error
  }
}
