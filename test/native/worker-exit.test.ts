/**
 * A process whose worker threads trained MNIST on the BLAS addon exits cleanly, finished or
 * Ctrl-C'd. The sparse products (MNIST's mostly-background inputs) keep a scratch buffer per
 * calling thread; freed by a pthread-key destructor, it crashed every such process at exit
 * (signal 11, exit 139): the destructor runs when the worker thread ends, after Node has unloaded
 * the worker's addon. Real `fa-lab run` processes on the bundled MNIST digits, the smallest net
 * and batch that go through the sparse path.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src-main/store/store'

const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-worker-exit-'))

/** A 784-16-10 net on the bundled MNIST sample, batch 32, measured every 2 steps, on the addon. */
function mnistRun(steps: number): string {
  const config = {
    seed: 1,
    backend: 'blas',
    data: { kind: 'mnist', source: 'bundled', normalize: 'standard', bundledSplit: 'first-10k' },
    model: { kind: 'two-layer', hidden: 16, activation: 'relu', outputs: 10 },
    rule: 'fa',
    loss: 'cross-entropy',
    optimizer: { learningRate: 0.01, batchSize: 32 },
    steps,
    evalEvery: 2,
    evalSamples: 100,
  }
  const path = join(dir, `mnist-${steps}.json`)
  writeFileSync(path, JSON.stringify(config))
  return path
}

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `fa-lab run FILE --db DB --workers 1 --json`; `onStdout` sees stdout so far and may Ctrl-C the child. */
function run(file: string, db: string, onStdout: (stdout: string, interrupt: () => void) => void = () => {}): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', file, '--db', db, '--workers', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FA_LAB_HOME: dir } })
    let stdout = ''
    let stderr = ''
    let interrupted = false
    const interrupt = () => {
      if (!interrupted) child.kill('SIGINT')
      interrupted = true
    }
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      onStdout(stdout, interrupt)
    })
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { event: string; step?: number; statuses?: Record<string, number>; backend?: string })

describe('a process whose workers trained MNIST on the BLAS addon', () => {
  it('exits 0 with its done line when its run completes', async () => {
    const db = join(dir, 'completes.sqlite')
    const { code, signal, stdout, stderr } = await run(mnistRun(4), db)
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null })
    expect(events(stdout).at(-1)).toMatchObject({ event: 'done', statuses: { completed: 1 } })
    const store = openStore(db, { readonly: true, mustExist: true })
    try {
      // trained on the addon (an addon that failed to load would have fallen back, and not crashed)
      expect(store.listRuns()[0].backend).toBe('blas')
    } finally {
      store.close()
    }
  })

  it('exits 130 (not signal 11) when Ctrl-C stops it mid-training', async () => {
    const db = join(dir, 'interrupted.sqlite')
    // measured every 2 steps of a million: the first measurement after step 0 has been through the sparse products
    const { code, signal, stdout, stderr } = await run(mnistRun(1_000_000), db, (out, interrupt) => {
      if (events(out.slice(0, out.lastIndexOf('\n') + 1)).some((e) => e.event === 'progress' && (e.step ?? 0) > 0)) interrupt()
    })
    expect({ code, signal }, stderr).toEqual({ code: 130, signal: null })
    expect(events(stdout).at(-1)).toMatchObject({ event: 'done', statuses: { cancelled: 1 } })
  })
})
