import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { backends } from '../../src-shared/config'
import { syntheticExample } from '../examples'

const run = promisify(execFile)
const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'src-main/cli/fa-lab.mjs')
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-cli-'))

function writeConfig(name: string, config: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(config))
  return path
}

/** The synthetic example config (Song et al.'s Gaussian setting), shipped in resources/examples, shortened to 200 steps. */
const base = syntheticExample({ steps: 200, evalEvery: 100 })

async function fails(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    await run(process.execPath, [cli, ...args], { env: { ...process.env, ...env } })
  } catch (error) {
    return error as { code: number; stderr: string; stdout: string }
  }
  throw new Error('command succeeded')
}

describe('fa-lab train', () => {
  it('--help lists the backends the run schema offers', async () => {
    const { stdout } = await run(process.execPath, [cli, 'train', '--help'])
    expect(stdout).toContain(`[--backend ${backends.join('|')}]`)
    expect(stdout).toContain('blas')
  })

  it('prints one JSON line per evaluation and a final summary line', async () => {
    const { stdout } = await run(process.execPath, [cli, 'train', '--config', writeConfig('ok.json', base), '--json'])
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.slice(0, 3).map((l) => l.step)).toEqual([0, 100, 200])
    expect(lines[1].metrics.weightAlignment).toBeTypeOf('number')
    const last = lines[3]
    expect(last).toMatchObject({ status: 'completed', steps: 200 })
    expect(['tensorflow', 'blas', 'wasm', 'cpu']).toContain(last.backend)
    // n = 50 < d = 150, full batch: the kernel path on blas, dense products elsewhere
    expect(last.trainingPath).toBe(last.backend === 'blas' ? 'kernel' : 'dense')
    expect(last.final).toEqual(lines[2].metrics)
    // The synthetic two-layer run has the theory measures on, and the summary says what they cost.
    expect(last.final.lambdaMinGH).toBeTypeOf('number')
    expect(last.theoryMs).toBeGreaterThanOrEqual(0)
    expect(last.theoryMs).toBeLessThanOrEqual(last.durationMs)
  })

  it('FA_LAB_BACKEND forces a backend, and the run says which it used', async () => {
    const { stdout } = await run(process.execPath, [cli, 'train', '--config', writeConfig('cpu.json', { ...base, steps: 5 }), '--json'], {
      env: { ...process.env, FA_LAB_BACKEND: 'cpu' },
    })
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ backend: 'cpu', trainingPath: 'dense' })
  })

  it('a forced backend that cannot start is an error naming it', async () => {
    const optional = '@tensorflow/tfjs-node'
    const missing = await import(optional).then(() => false, () => true)
    if (!missing) return // tfjs-node loaded on this machine: nothing to refuse
    const error = await fails(['train', '--config', writeConfig('tf.json', { ...base, steps: 5, backend: 'tensorflow' })])
    expect(error.code).toBe(1)
    expect(error.stderr).toMatch(/tensorflow backend is not available here: @tensorflow\/tfjs-node is not installed/)
  })

  it('refuses an invalid config before anything runs, naming each field', async () => {
    const error = await fails(['train', '--config', writeConfig('bad.json', { ...base, rule: 'nope', steps: 0 }), '--json'])
    expect(error.code).toBe(2)
    expect(error.stdout).toBe('')
    expect(error.stderr).toContain('bad.json: Invalid run config')
    expect(error.stderr).toMatch(/- rule: /)
    expect(error.stderr).toMatch(/- steps: /)
  })

  it('names a missing or malformed config file', async () => {
    expect((await fails(['train', '--config', join(dir, 'nowhere.json')])).stderr).toMatch(/nowhere\.json: no such file/)
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{"seed": 1,')
    expect((await fails(['train', '--config', broken])).stderr).toMatch(/broken\.json is not valid JSON/)
  })

  it('exits 3 on divergence with the message in the summary', async () => {
    const error = await fails(['train', '--config', writeConfig('nan.json', { ...base, rule: 'bp', optimizer: { learningRate: 50 }, steps: 500 }), '--json'])
    expect(error.code).toBe(3)
    const summary = JSON.parse(error.stdout.trim().split('\n').at(-1)!)
    expect(summary.status).toBe('diverged')
    expect(summary.message).toMatch(/training loss became/)
  })
})
