import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findCycles } from '../../scripts/lint/cycles'

describe('import cycles', () => {
  it('the project has none', () => {
    expect(findCycles(new URL('../..', import.meta.url).pathname)).toEqual([])
  })

  it('the check finds type-only, dynamic and multi-line cycles, and ignores comments', () => {
    const root = mkdtempSync(join(tmpdir(), 'fa-lab-cycles-'))
    for (const dir of ['src-main/cli', 'src-main/engine', 'src-shared']) mkdirSync(join(root, dir), { recursive: true })
    writeFileSync(join(root, 'src-main/cli/main.ts'), "import { trainCommand } from './train'\nexport interface Command { run(): void }\n")
    writeFileSync(join(root, 'src-main/cli/train.ts'), "import type { Command } from './main'\nexport const trainCommand = {}\n")
    writeFileSync(join(root, 'src-main/engine/tf.ts'), "export async function start() {\n  const { use } = await import('./blas')\n}\n")
    writeFileSync(join(root, 'src-main/engine/blas.ts'), "import {\n  start,\n} from './tf'\n")
    writeFileSync(join(root, 'src-shared/a.ts'), "// import { b } from './b'\n/* import './b' */\nexport const a = 1\n")
    writeFileSync(join(root, 'src-shared/b.ts'), "import { a } from './a'\n")
    expect(findCycles(root).sort()).toEqual([
      ['src-main/cli/main.ts', 'src-main/cli/train.ts'],
      ['src-main/engine/blas.ts', 'src-main/engine/tf.ts'],
    ])
  })
})
