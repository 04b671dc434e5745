/**
 * Names are text, under random input (issue 27 D9, item 7): whatever string a rename is given, the
 * lab either refuses it (exit 2, naming why) or stores at most 200 characters with no control or
 * text-direction character, and `fa-lab runs` never prints one raw. The CLI in-process on a real lab.
 */
import fc from 'fast-check'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src-main/cli/main'
import { maxNameLength } from '../../src-main/lib/limits'
import { openStore } from '../../src-main/store/store'
import { nameTextFault } from '../../src-shared/text'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-names-fuzz-'))
const db = join(dir, 'lab.sqlite')
const store = openStore(db)
const [runId] = store.queueRuns([{ config: { seed: 1, rule: 'fa', steps: 10 } as never }])
store.finishRun(runId, { status: 'completed', stepsDone: 10 })
store.close()
afterAll(() => vi.restoreAllMocks())

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (out += parts.join(' ') + '\n'))
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += parts.join(' ') + '\n'))
  try {
    return { code: await main(args), out }
  } finally {
    vi.restoreAllMocks()
  }
}

/** Strings that mix ordinary text with controls, bidi characters and long runs. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom('a', ' ', '\u001b', '\u0007', '\u0000', '\u0085', '\u202e', '\u2066', '\u200f', '\n', '\t', '=', 'é', '\ud83d\ude00'), { maxLength: 30 }).map((parts) => parts.join('')),
  fc.string({ minLength: 195, maxLength: 260 }),
)
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

describe('rename under random names', () => {
  it('refuses or stores clean text of at most 200 characters; runs never prints a raw control', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (name) => {
        const renamed = await cli(['rename', '--db', db, '--run', String(runId), name])
        const store = openStore(db, { mustExist: true })
        const stored = store.getRun(runId)!.name
        store.close()
        const trimmed = name.trim()
        if (renamed.code === 0) {
          expect(stored).toBe(trimmed)
          expect(nameTextFault(stored!)).toBeNull()
          expect(stored!.length).toBeLessThanOrEqual(maxNameLength)
        } else {
          expect(renamed.code).toBe(2)
          expect(trimmed === '' || trimmed.length > maxNameLength || unsafe.test(trimmed)).toBe(true)
        }
        expect(renamed.out.replace(/\n/g, '')).not.toMatch(unsafe)
        const listed = await cli(['runs', '--db', db])
        expect(listed.out.replace(/\n/g, '')).not.toMatch(unsafe)
      }),
      { numRuns: 60, seed: 27 },
    )
  })
})
