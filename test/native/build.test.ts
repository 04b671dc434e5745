import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
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
  it('skips a current addon and rebuilds one older than its C source', () => {
    cpSync(join(native, 'build.mjs'), join(scratch, 'build.mjs'))
    cpSync(join(native, 'blas', 'blas.c'), join(scratch, 'blas', 'blas.c'), { recursive: true })
    cpSync(join(native, 'blas', 'binding.gyp'), join(scratch, 'blas', 'binding.gyp'))
    const addon = join(scratch, 'blas', 'build', 'Release', 'fa_lab_blas.node')
    mkdirSync(join(scratch, 'blas', 'build', 'Release'), { recursive: true })
    writeFileSync(addon, 'a stand-in newer than its sources')
    const past = new Date(Date.now() - 60_000)
    utimesSync(join(scratch, 'blas', 'blas.c'), past, past)
    utimesSync(join(scratch, 'blas', 'binding.gyp'), past, past)
    expect(build()).toBe('')

    // A pull or rebase that changes blas.c makes it newer than the addon: the pretest must rebuild.
    const future = new Date(Date.now() + 60_000)
    utimesSync(join(scratch, 'blas', 'blas.c'), future, future)
    expect(build()).toMatch(/BLAS addon/)
  }, 120_000)
})
