/**
 * The README's SLURM array script, run as three array tasks on a preset's full grid (with two
 * steps a run), then the README's merge: every run of the grid ends up in the merged lab exactly
 * once, completed.
 */
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { expandExperiment } from '../../src-shared/experiment'
import { openStore } from '../../src-main/store/store'

const exec = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const cli = join(root, 'src-main/cli/fa-lab.mjs')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const bashBlocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1])

/** The same experiment with every step count cut to `steps`, measures at every step, no convergence stop. */
function withTinySteps(value: unknown, steps: number): unknown {
  if (Array.isArray(value)) return value.map((v) => withTinySteps(v, steps))
  if (!value || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key === 'stopping' || key.startsWith('stopping.')) continue
    if (key === 'steps') out[key] = Array.isArray(v) ? v.map(() => steps) : steps
    else if (key === 'evalEvery') out[key] = Array.isArray(v) ? v.map(() => 1) : 1
    else out[key] = withTinySteps(v, steps)
  }
  return out
}

describe('the README’s SLURM array job', () => {
  // 224 runs of 2 steps: about 15 s on a quiet 2-core machine, more under load
  it('splits a preset’s full grid over array tasks, and merge brings every run back exactly once', { timeout: 600_000 }, async () => {
    const script = bashBlocks.find((b) => b.includes('#SBATCH --array'))
    const submit = bashBlocks.find((b) => b.includes('fa-lab merge'))
    expect(script, 'README.md has the sbatch script').toBeDefined()
    const merge = /--wrap '([^']+)'/.exec(submit ?? '')?.[1]
    expect(merge, 'README.md submits the merge with --wrap').toBeDefined()

    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-slurm-'))
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'fa-lab'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`)
    chmodSync(join(bin, 'fa-lab'), 0o755)
    const full = JSON.parse(readFileSync(join(root, 'resources/presets/song2021-width.json'), 'utf8')).full
    // the full grid with 2 of its 50 seeds: 224 runs keep the test short
    const preset = { ...full, grid: { ...full.grid, seed: full.grid.seed.slice(0, 2) } }
    const tiny = withTinySteps(preset, 2)
    const expected = expandExperiment(preset, { maxRuns: 100_000 }).runs.length
    expect(expandExperiment(tiny, { maxRuns: 100_000 }).runs.length).toBe(expected)
    writeFileSync(join(dir, 'width.json'), JSON.stringify(tiny))

    const tasks = 3
    const env = (task: number) => ({
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      FA_LAB_HOME: dir,
      EXPERIMENT: 'width.json',
      SLURM_ARRAY_TASK_ID: String(task),
      SLURM_ARRAY_TASK_COUNT: String(tasks),
      SLURM_CPUS_PER_TASK: '1',
    })
    await Promise.all(Array.from({ length: tasks }, (_, task) => exec('bash', ['-c', script!], { cwd: dir, env: env(task), maxBuffer: 64 << 20 })))
    const perShard = Array.from({ length: tasks }, (_, task) => {
      const store = openStore(join(dir, 'shards', `shard-${task}.sqlite`), { readonly: true, mustExist: true })
      try {
        return store.listRuns().map((r) => r.sweepIndex)
      } finally {
        store.close()
      }
    })
    perShard.forEach((indices, task) => expect(indices.every((i) => i !== null && i % tasks === task), `shard ${task} holds every ${tasks}th run`).toBe(true))

    await exec('bash', ['-c', merge!], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FA_LAB_HOME: dir } })
    const store = openStore(join(dir, 'lab.sqlite'), { readonly: true, mustExist: true })
    try {
      const runs = store.listRuns()
      expect(runs).toHaveLength(expected)
      expect(new Set(runs.map((r) => r.sweepIndex)).size).toBe(expected)
      expect(runs.every((r) => r.status === 'completed' && r.stepsDone === 2)).toBe(true)
      expect(store.listExperiments()).toHaveLength(1)
    } finally {
      store.close()
    }
  })
})
