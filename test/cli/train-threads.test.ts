/**
 * `fa-lab train` picks its BLAS threads as the runner does (issue 27 D14): the cores other work
 * leaves free, at least one; --blas-threads sets them. Its speed on a busy machine is in the bench
 * (README, Performance), not here.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { blasThreadsPerWorker } from '../../src-main/lib/limits'
import { syntheticExample } from '../examples'

const run = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-train-threads-'))
const config = join(dir, 'run.json')
writeFileSync(config, JSON.stringify(syntheticExample({ steps: 20, evalEvery: 10, backend: 'blas' })))

describe('BLAS threads', () => {
  it('share the free cores among the workers, at least one each', () => {
    expect(blasThreadsPerWorker(1, 0, 2)).toBe(2)
    expect(blasThreadsPerWorker(1, 1, 2)).toBe(1)
    expect(blasThreadsPerWorker(1, 25, 2)).toBe(1)
    expect(blasThreadsPerWorker(2, 0, 2)).toBe(1)
    expect(blasThreadsPerWorker(3, 0, 8)).toBe(2)
    expect(blasThreadsPerWorker(1, 3, 8)).toBe(5)
  })

  it('fa-lab train reports the threads it used, takes --blas-threads, and refuses more than the cores', async () => {
    const chosen = JSON.parse((await run(process.execPath, [cli, 'train', '--config', config, '--json'])).stdout.trim().split('\n').at(-1)!)
    expect(chosen.backend).toBe('blas')
    expect(chosen.blasThreads).toBeGreaterThanOrEqual(1)
    expect(chosen.blasThreads).toBeLessThanOrEqual(availableParallelism())
    const one = JSON.parse((await run(process.execPath, [cli, 'train', '--config', config, '--json', '--blas-threads', '1'])).stdout.trim().split('\n').at(-1)!)
    expect(one.blasThreads).toBe(1)
    const refused = await run(process.execPath, [cli, 'train', '--config', config, '--blas-threads', String(availableParallelism() + 1)]).catch((e: { code: number; stderr: string }) => e)
    expect(refused).toMatchObject({ code: 2 })
    expect((refused as { stderr: string }).stderr).toContain(`expected a whole number from 1 to ${availableParallelism()}`)
  })
})
