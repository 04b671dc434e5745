/**
 * SQLite's own failures (a full disk, an I/O error, a damaged file, a read-only file) as messages
 * that name the lab file and say what to do. Nothing is lost in any of them: SQLite rolls back the
 * write that failed, and everything committed before stays.
 */

/** A lab file that could not be read or written, for a reason of the disk or the file, not of the request. */
export class StoreFaultError extends Error {
  constructor(
    message: string,
    /** SQLite's code: SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_CORRUPT, … */
    readonly code: string,
    readonly path: string,
  ) {
    super(message)
    this.name = 'StoreFaultError'
  }
}

/** SQLite's error code of `error` (better-sqlite3's SqliteError.code), or ''. */
export function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : ''
}

/** The fault kinds a lab file can have, by SQLite code prefix, and what the user should do about each. */
function explain(code: string, path: string): string | null {
  if (code.startsWith('SQLITE_FULL')) return `${path}: the disk holding the lab file is full (${code}). Free space on that disk, then continue the interrupted runs with \`fa-lab resume --db ${path}\`; everything stored before is kept`
  if (code.startsWith('SQLITE_IOERR')) return `${path}: the disk failed to read or write the lab file (${code}). Check the disk (space, mount, hardware) and run \`fa-lab check --db ${path}\`; everything committed before is kept`
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return `${path} is damaged (${code}). Stop writing to it and run \`fa-lab check --db ${path}\`: it checks the file and says which runs can be read and exported to a new lab file`
  if (code.startsWith('SQLITE_READONLY')) return `${path} cannot be written (${code}): the file or its folder is read-only. Make it writable, or copy the lab file somewhere writable`
  if (code.startsWith('SQLITE_CANTOPEN')) return `${path} cannot be opened (${code}): check that the folder exists and is readable and writable`
  return null
}

/** `error` as a StoreFaultError when SQLite raised it for the disk or the file, else `error` itself. */
export function describeStoreFault(error: unknown, path: string, doing?: string): unknown {
  if (error instanceof StoreFaultError) return error
  const code = sqliteCode(error)
  const message = code ? explain(code, path) : null
  return message ? new StoreFaultError(doing ? `${message} (while ${doing})` : message, code, path) : error
}

/**
 * The object's methods, each rethrowing SQLite's disk and file failures as StoreFaultErrors (see
 * describeStoreFault); what else they throw passes through unchanged.
 */
export function withFaultMessages<T extends object>(methods: T, path: string): T {
  for (const key of Object.keys(methods) as (keyof T)[]) {
    const method = methods[key]
    if (typeof method !== 'function') continue
    methods[key] = function (this: unknown, ...args: unknown[]) {
      try {
        return (method as (...a: unknown[]) => unknown).apply(this, args)
      } catch (error) {
        throw describeStoreFault(error, path, describeCall(String(key), args))
      }
    } as T[keyof T]
  }
  return methods
}

/** What the store's writes do, in words, for messages. */
const doings: Record<string, string> = {
  appendMetrics: 'storing the measures',
  saveCheckpoint: 'saving the checkpoint',
  saveArtifacts: 'saving the final weights',
  finishRun: 'recording the ending',
  markRunning: 'recording the start',
  queueRuns: 'queueing runs',
}

/** What a store call was doing, for the message: `while saving the checkpoint of run 3`. */
function describeCall(method: string, args: unknown[]): string {
  const run = typeof args[0] === 'number' ? ` of run ${args[0]}` : ''
  return `${Object.hasOwn(doings, method) ? doings[method] : `in ${method}`}${run}`
}
