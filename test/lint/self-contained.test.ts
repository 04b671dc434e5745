import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Relative paths in a text (`../x`, `../../x`…) that resolve outside the repository when read from `file`. */
export function pathsLeaving(file: string, text: string, repository = root): string[] {
  const out: string[] = []
  for (const match of text.matchAll(/(?<![\w.])((?:\.\.\/)+)([\w@.-]+)/g)) {
    const target = resolve(dirname(join(repository, file)), match[1] + match[2])
    // A path written in prose or config may mean the repository root as its base, too: it must stay inside from either.
    const fromRoot = resolve(repository, match[1] + match[2])
    const outside = (p: string) => relative(repository, p).startsWith('..')
    if (outside(target) && outside(fromRoot)) out.push(`${file}: ${match[0]}`)
  }
  return out
}

describe('the repository is self-contained', () => {
  // (this file is left out: its own examples below leave on purpose)
  it('no tracked file names a path outside it', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => f && !/\.(gz|png|node)$|package-lock\.json$|self-contained\.test\.ts$/.test(f))
    const found = files.flatMap((file) => pathsLeaving(file, readFileSync(join(root, file), 'utf8')))
    expect(found).toEqual([])
  })

  it('the check finds one', () => {
    expect(pathsLeaving('README.md', 'See `../shared/STYLE.md`.')).toEqual(['README.md: ../shared'])
    expect(pathsLeaving('test/data/fixtures.ts', "new URL('../../../shared/data/mnist/', import.meta.url)")).toEqual(['test/data/fixtures.ts: ../../../shared'])
    expect(pathsLeaving('test/data/fixtures.ts', "new URL('../../resources/data/', import.meta.url)")).toEqual([])
  })
})
