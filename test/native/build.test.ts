import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const native = join(import.meta.dirname, '..', '..', 'src-main', 'native')
const scratch = mkdtempSync(join(tmpdir(), 'fa-lab-native-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function build(): string {
  const result = spawnSync(process.execPath, [join(scratch, 'build.mjs'), '--if-missing'], { encoding: 'utf8' })
  expect(result.status).toBe(0)
  return result.stdout
}

describe('build.mjs --if-missing (npm test’s pretest)', () => {
  it('builds once, skips a current addon, and rebuilds when the C source changed', () => {
    cpSync(join(native, 'build.mjs'), join(scratch, 'build.mjs'))
    for (const name of ['blas.c', 'binding.gyp']) cpSync(join(native, 'blas', name), join(scratch, 'blas', name))
    expect(build()).toMatch(/built the BLAS addon/)
    expect(build()).toBe('')
    // A pull or rebase that changes blas.c (even one older by the clock, or a copied build folder)
    // must rebuild: the hash of the sources decides, not file times.
    appendFileSync(join(scratch, 'blas', 'blas.c'), '\n/* changed */\n')
    expect(build()).toMatch(/built the BLAS addon/)
  }, 180_000)
})
