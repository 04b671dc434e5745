import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkKeyedWrites } from '../../scripts/lint/keyed-writes'

describe('no plain object is written under a computed key (issue 27 item 1)', () => {
  it('the project keeps it', () => {
    expect(checkKeyedWrites(new URL('../..', import.meta.url).pathname)).toEqual([])
  })

  it('the check finds such writes, and passes prototype-free records, Maps, literal keys and explained ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'fa-lab-keyed-'))
    mkdirSync(join(root, 'src-shared'), { recursive: true })
    writeFileSync(
      join(root, 'src-shared/x.ts'),
      [
        'const labels: Record<string, string> = {}',
        'labels[run.name] = "a"',
        'labels[name] ??= "b"',
        "labels['fixed'] = 'c'",
        'labels[0] = "d"',
        'if (labels[name] === "e") {}',
        'const safe = Object.create(null) as Record<string, string>',
        'safe[name] = "f"',
        'const map = new Map<string, string>()',
        '// keyed-write: the keys are this file\'s own constants',
        'labels[constant] = "g"',
        'let zoom = { }',
        'zoom[panel] += 1',
      ].join('\n'),
    )
    expect(checkKeyedWrites(root)).toEqual([
      expect.stringMatching(/^src-shared\/x\.ts:2: writes a plain object under a computed key/),
      expect.stringMatching(/^src-shared\/x\.ts:3: /),
      expect.stringMatching(/^src-shared\/x\.ts:13: /),
    ])
  })
})
