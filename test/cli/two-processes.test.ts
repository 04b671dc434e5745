import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { openStore, type RunStatus } from '../../src-main/store/store'

const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-two-'))
const base = JSON.parse(readFileSync(new URL('../../resources/examples/song2021-synthetic.json', import.meta.url), 'utf8'))

describe('two processes on one lab (defect 5)', () => {
  it('one trains, the other opens the lab and lists runs: the training run is never marked interrupted and completes', async () => {
    const lab = join(dir, 'lab.sqlite')
    const experiment = join(dir, 'experiment.json')
    writeFileSync(experiment, JSON.stringify({ name: 'long', base: { ...base, steps: 12000, evalEvery: 500 }, grid: {} }))
    const trainer = spawn(process.execPath, [cli, 'run', experiment, '--db', lab, '--workers', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    trainer.stderr.on('data', (c) => (stderr += c))
    const exited = new Promise<number | null>((resolve) => trainer.on('exit', resolve))
    await new Promise<void>((resolve, reject) => {
      trainer.stdout.on('data', (c) => {
        stdout += c
        if (/"status":"running"/.test(stdout)) resolve()
      })
      trainer.on('exit', () => reject(new Error(`the trainer ended before training: ${stderr}`)))
    })

    const seen: RunStatus[] = []
    let trainerDone = false
    void exited.then(() => (trainerDone = true))
    // Another process: the fa-lab CLI listing runs (a read that used to interrupt them) ...
    const listing = promisify(execFile)(process.execPath, [cli, 'runs', '--db', lab, '--json']).then(({ stdout: text }) => seen.push(...(JSON.parse(text) as { status: RunStatus }[]).map((r) => r.status)))
    // ... and this test process opening the lab again and again while the run trains.
    while (!trainerDone) {
      const store = openStore(lab)
      seen.push(...store.listRuns().map((r) => r.status))
      store.close()
      await new Promise((r) => setTimeout(r, 150))
    }
    await listing
    const code = await exited
    if (code !== 0) console.log(stdout.slice(-1500), stderr)
    expect(code).toBe(0)
    expect(seen).toContain('running')
    expect(seen).not.toContain('interrupted')
    const store = openStore(lab)
    expect(store.listRuns().map((r) => [r.status, r.stepsDone])).toEqual([['completed', 12000]])
    store.close()
  }, 120_000)
})
