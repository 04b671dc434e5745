/**
 * Opening a lab file: the SQLite connection, its pragmas and the migration to the current schema.
 * The raw connection stays in this folder: other rooms go through the store's methods and
 * `store.transaction()`.
 */
import Database from 'better-sqlite3'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { electronSqliteBinding } from '../lib/paths'
import { migrate, StoreFormatError } from './schema'

export type Db = Database.Database

export interface OpenOptions {
  /** Open an existing file only; never create one. */
  mustExist?: boolean
  readonly?: boolean
}

/** The current time as stored (ISO 8601, UTC). */
export const now = () => new Date().toISOString()

/**
 * Opens (or creates) a lab file and migrates it. A file that is not a lab (another application's
 * SQLite, or not SQLite at all) or was written by a newer FA Lab is refused with a
 * StoreFormatError and left untouched.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (options.mustExist && !existsSync(path)) throw new StoreFormatError(`${path}: no such lab file`)
  if (!options.mustExist && !options.readonly) mkdirSync(dirname(path), { recursive: true })
  let db: Db
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
    // Switching a new file to WAL needs a moment with no other connection on it; SQLite answers
    // "database is locked" at once there (no busy handler), when another process is opening the same file.
    whileBusy(() => db.pragma('journal_mode = WAL'))
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
  }
  return db
}

/** Runs `fn` again while SQLite reports the database busy, for up to `timeoutMs`, with short sleeps. */
export function whileBusy<T>(fn: () => T, timeoutMs = 5000): T {
  const deadline = Date.now() + timeoutMs
  const sleeper = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      return fn()
    } catch (error) {
      const code = (error as { code?: string }).code ?? ''
      if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error
      Atomics.wait(sleeper, 0, 0, 5 + Math.random() * 20)
    }
  }
}

const databases = new WeakMap<object, Db>()

/** Remembers the connection behind a store, for the store's own modules (transfer.ts) and tests. */
export function registerDatabase(store: object, db: Db): void {
  databases.set(store, db)
}

/** The raw connection behind a store. Only src-main/store/ and its tests use it. */
export function databaseOf(store: object): Db {
  const db = databases.get(store)
  if (!db) throw new Error('not an open lab store')
  return db
}
