/**
 * The bench's "sweep scale" section: does a run cost the same in a sweep of 100, 1,000 and 10,000?
 * Tiny synthetic runs (20 steps, measures at 0, 10 and 20) through the lab service, as the app and
 * `fa-lab serve` start them, on one worker per core × 1 BLAS thread:
 *
 *   runs/s          runs over the wall time from the start request to the last run's end;
 *   start           the start request (expand, store, queue) until it returns;
 *   first list      from the start request until a runs:list sent as soon as it returned has its
 *                   answer (issue 27: a 10,000-run experiment answers within 5 s of its start);
 *   runs:list       listing the experiment's runs (as the server answers it, JSON included) while
 *                   it trains, after its first runs have finished;
 *   cancel          `cancelAll` (what Ctrl-C and serve's stop call) with the rest queued, until idle;
 *   Ctrl-C          SIGINT to a real `fa-lab run` of the largest sweep, after its third run, until
 *                   the process has exited.
 *
 * BENCH_SCALE_RUNS (default 100,1000,10000) sets the sweeps; each is timed once (the 10,000 one
 * takes minutes). Not a test.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLabService } from '../../src-main/services/lab'

const cores = availableParallelism()
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname

/** A sweep of `runs` tiny runs (seeds 1..runs). */
export function tinySweep(runs: number) {
  return {
    name: `sweep scale ${runs}`,
    base: {
      data: { kind: 'synthetic', n: 50, inputDim: 20, teacher: 'linear' },
      model: { kind: 'two-layer', hidden: 50, activation: 'relu', outputs: 1 },
      rule: 'fa',
      loss: 'mse',
      optimizer: { learningRate: 0.005, batchSize: 0 },
      steps: 20,
      evalEvery: 10,
      theory: { enabled: false },
    },
    grid: { seed: Array.from({ length: runs }, (_, i) => i + 1) },
  }
}

export interface ScaleRow {
  runs: number
  seconds: number
  runsPerSecond: number
  /** runs/s of this sweep over that of the smallest. */
  relative: number
  startMs: number
  /** From the start request until the first runs:list, sent right after, is answered. */
  firstListMs: number
  listMs: number
  cancelMs: number
}

export interface ScaleReport {
  workers: number
  rows: ScaleRow[]
  /** Ctrl-C to `fa-lab run` of the largest sweep until it exited, and the exit code. */
  ctrlC: { runs: number; ms: number; code: number | null } | null
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One sweep of `runs` through a fresh lab: to the end, then again to be cancelled. */
async function timeSweep(runs: number, dir: string): Promise<Omit<ScaleRow, 'relative'>> {
  const lab = createLabService({ labPath: join(dir, `scale-${runs}.sqlite`), mode: 'browser', workers: cores, dataDir: dir, runner: { blasThreads: 1 } })
  try {
    let finished = 0
    lab.on('runFinished', () => finished++)
    const started = performance.now()
    const { experimentId } = await lab.service.startExperiment(tinySweep(runs) as never)
    const startMs = performance.now() - started
    JSON.stringify(await lab.service.listRuns({ experimentId }))
    const firstListMs = performance.now() - started
    while (finished < Math.min(3, runs)) await sleep(5)
    const listing = performance.now()
    JSON.stringify(await lab.service.listRuns({ experimentId }))
    const listMs = performance.now() - listing
    await lab.runner.whenIdle()
    const seconds = (performance.now() - started) / 1000
    const statuses = new Set(lab.store.listRuns({ experimentId }).map((r) => r.status))
    if (statuses.size !== 1 || !statuses.has('completed')) throw new Error(`sweep scale: runs ended ${[...statuses]}`)

    // the same sweep again, cancelled once its third run has finished
    finished = 0
    await lab.service.startExperiment(tinySweep(runs) as never)
    while (finished < Math.min(3, runs)) await sleep(5)
    const cancelling = performance.now()
    lab.runner.cancelAll()
    await lab.runner.whenIdle()
    const cancelMs = performance.now() - cancelling
    return { runs, seconds, runsPerSecond: runs / seconds, startMs, firstListMs, listMs, cancelMs }
  } finally {
    await lab.close()
  }
}

/** SIGINT to `fa-lab run` of `runs` tiny runs after its third run finished; ms until it exited. */
async function ctrlC(runs: number, dir: string): Promise<{ runs: number; ms: number; code: number | null }> {
  const file = join(dir, `ctrl-c-${runs}.json`)
  writeFileSync(file, JSON.stringify(tinySweep(runs)))
  const child = spawn(process.execPath, [cli, 'run', file, '--db', join(dir, `ctrl-c-${runs}.sqlite`), '--workers', String(cores), '--json'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, FA_LAB_HOME: dir } })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  let finished = 0
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      finished += (chunk.toString().match(/"event":"finished"/g) ?? []).length
      if (finished >= 3) resolve()
    }),
  )
  const sent = performance.now()
  child.kill('SIGINT')
  const code = await exited
  return { runs, ms: performance.now() - sent, code }
}

export async function sweepScaleSection(log: (line: string) => void, load: () => string): Promise<ScaleReport> {
  const sizes = (process.env.BENCH_SCALE_RUNS ?? '100,1000,10000').split(',').map(Number)
  const dir = mkdtempSync(join(tmpdir(), 'fa-lab-sweep-scale-'))
  log(`\nsweep scale: tiny runs (20 steps) on ${cores} workers × 1 BLAS thread, through the lab service`)
  const rows: ScaleRow[] = []
  try {
    for (const runs of sizes) {
      const row = await timeSweep(runs, dir)
      rows.push({ ...row, relative: row.runsPerSecond / (rows[0]?.runsPerSecond ?? row.runsPerSecond) })
      const r = rows[rows.length - 1]
      log(`${String(runs).padStart(6)} runs  ${r.seconds.toFixed(1).padStart(7)} s  ${r.runsPerSecond.toFixed(1).padStart(6)} runs/s (${r.relative.toFixed(2)}× the first)  start ${r.startMs.toFixed(0)} ms  first runs:list ${r.firstListMs.toFixed(0)} ms after it  runs:list ${r.listMs.toFixed(0)} ms  cancel ${r.cancelMs.toFixed(0)} ms  (load ${load()})`)
    }
    const largest = Math.max(...sizes)
    const stop = await ctrlC(largest, dir)
    log(`Ctrl-C to fa-lab run of ${largest} runs: exited (${stop.code}) ${stop.ms.toFixed(0)} ms after the signal`)
    return { workers: cores, rows, ctrlC: stop }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The section as the README's table. */
export function sweepScaleMarkdown(report: ScaleReport): string[] {
  const n = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  const out = [`| sweep of tiny runs (20 steps), ${report.workers} workers | wall time, s | runs/s | relative | start, ms | start to first runs:list, ms | runs:list, ms | cancel, ms |`, '| --- | --- | --- | --- | --- | --- | --- | --- |']
  for (const r of report.rows) out.push(`| ${n(r.runs)} runs | ${n(r.seconds, 1)} | ${n(r.runsPerSecond, 1)} | ${n(r.relative, 2)}× | ${n(r.startMs)} | ${n(r.firstListMs)} | ${n(r.listMs)} | ${n(r.cancelMs)} |`)
  if (report.ctrlC) out.push('', `Ctrl-C to \`fa-lab run\` of ${n(report.ctrlC.runs)} runs: exit ${report.ctrlC.code} after ${n(report.ctrlC.ms)} ms.`)
  out.push('')
  return out
}
