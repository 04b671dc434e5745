import { parseArgs, type ParseArgsConfig } from 'node:util'
import { constants, type Stats } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { maxConfigFileBytes } from '../lib/limits'
import { parseJsonText } from '../../src-shared/input'

export class UsageError extends Error {}

/** node:util parseArgs with strict checking, turning its errors into one-line usage errors. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

/**
 * Reads and parses a JSON file (a UTF-8 byte order mark tolerated) into null-prototype objects.
 * Only a regular file of at most maxConfigFileBytes is read (a FIFO would block, a device never
 * ends); a file that is missing, too large or not JSON is a UsageError (exit code 2) naming it.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readBoundedTextFile(path, maxConfigFileBytes)
  try {
    return parseJsonText(text)
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}

/**
 * A regular file's text, refused before reading when it is not a regular file or is larger than
 * `maxBytes`. The file is opened without blocking (a FIFO swapped in after the check does not
 * hang) and checked again once open; at most `maxBytes` + 1 bytes are ever read.
 */
export async function readBoundedTextFile(path: string, maxBytes: number): Promise<string> {
  const refuse = (why: string) => new UsageError(`${path}: ${why}`)
  let handle
  try {
    const before = await stat(path)
    if (!before.isFile()) throw refuse(`not a regular file (${fileKind(before)}); give a JSON file`)
    if (before.size > maxBytes) throw refuse(`${before.size.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} a config file may have`)
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
    const opened = await handle.stat()
    if (!opened.isFile()) throw refuse(`not a regular file (${fileKind(opened)}); give a JSON file`)
    const buffer = Buffer.alloc(Math.min(maxBytes, opened.size) + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > maxBytes) throw refuse(`more than the ${maxBytes.toLocaleString('en-US')} bytes a config file may have`)
      if (length === buffer.length) break
    }
    return buffer.subarray(0, length).toString('utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw refuse(code === 'ENOENT' ? 'no such file' : (error as Error).message)
  } finally {
    await handle?.close()
  }
}

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder'
  if (stats.isFIFO()) return 'a named pipe'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  if (stats.isSocket()) return 'a socket'
  return 'not a file'
}

/** `--max-runs N`: the most runs an experiment may expand to (default 10,000). */
export function parseMaxRuns(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`--max-runs must be a positive integer, not '${text}'`)
  return value
}
