/**
 * `fa-lab check`: SQLite's integrity check of a lab file, and which runs can still be read whole
 * (row, config, measures, artifacts), so a damaged lab's readable runs can be exported to a new
 * file. Opens the file read-only and never changes it.
 */
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { electronSqliteBinding } from '../lib/paths'
import { describeStoreFault } from './faults'
import { StoreFormatError } from './schema'

export interface LabCheck {
  path: string
  /** SQLite's integrity check: ['ok'], or its first messages. */
  integrity: string[]
  /** Runs whose row, config, measures and artifacts read without error. */
  readable: number[]
  /** Runs that could not be read whole, with why. */
  unreadable: { runId: number; fault: string }[]
  /** A fault that stopped the check before it could list the runs. */
  fault: string | null
}

/** Most integrity messages kept (SQLite lists every damaged page otherwise). */
const maxIntegrityMessages = 20

export function checkLab(path: string): LabCheck {
  if (!existsSync(path)) throw new StoreFormatError(`${path}: no such lab file`)
  const result: LabCheck = { path, integrity: [], readable: [], unreadable: [], fault: null }
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: electronSqliteBinding() })
  } catch (error) {
    throw describeStoreFault(error, path, 'opening it')
  }
  try {
    try {
      result.integrity = (db.pragma(`integrity_check(${maxIntegrityMessages})`) as { integrity_check: string }[]).map((r) => r.integrity_check)
    } catch (error) {
      result.integrity = [(describeStoreFault(error, path) as Error).message]
    }
    let ids: number[]
    try {
      ids = (db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map((r) => r.id)
    } catch (error) {
      result.fault = `the list of runs cannot be read: ${(error as Error).message}`
      return result
    }
    const row = db.prepare('SELECT * FROM runs WHERE id = ?')
    // the blobs themselves are read (length() alone would skip their overflow pages), one row at a time
    const chunks = db.prepare('SELECT steps, vals, walls FROM metric_chunks WHERE run_id = ?')
    const artifacts = db.prepare('SELECT shape, data FROM artifacts WHERE run_id = ?')
    for (const runId of ids) {
      try {
        const run = row.get(runId) as { config: string }
        JSON.parse(run.config)
        for (const _ of chunks.iterate(runId));
        for (const _ of artifacts.iterate(runId));
        result.readable.push(runId)
      } catch (error) {
        result.unreadable.push({ runId, fault: error instanceof SyntaxError ? `its config is not JSON (${error.message})` : (error as Error).message })
      }
    }
    return result
  } finally {
    db.close()
  }
}

/** Whether the check found nothing wrong. */
export function labIsSound(check: LabCheck): boolean {
  return check.integrity.length === 1 && check.integrity[0] === 'ok' && check.unreadable.length === 0 && check.fault === null
}
