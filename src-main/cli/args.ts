import { parseArgs, type ParseArgsConfig } from 'node:util'
import { readFile } from 'node:fs/promises'
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
 * A file that is missing or not JSON is a UsageError (exit code 2) naming the file.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(error as Error).message}`)
  }
  try {
    return parseJsonText(text)
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}

/** `--max-runs N`: the most runs an experiment may expand to (default 10,000). */
export function parseMaxRuns(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`--max-runs must be a positive integer, not '${text}'`)
  return value
}
