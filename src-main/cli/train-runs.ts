/**
 * Training stored runs from the command line: a runner over the lab file, progress bars (or JSON
 * events), Ctrl-C cancelling cleanly. Shared by `run` and `resume`.
 */
import { cancelledBeforeStart, createRunner, type RunnerOptions, type RunProgress } from '../runner/runner'
import { defaultCheckpointPolicy } from '../engine/checkpoint'
import { dataHome } from '../lib/paths'
import { UsageError } from './args'
import type { Store } from '../store/store'
import { formatSeconds, progressFraction } from '../../src-shared/durations'
import { stopSeen, withStopSignals } from './signals'

export interface TrainRunsOptions {
  workers: number
  json: boolean
  /** First line printed (without JSON): what is being trained. */
  heading: string
  /** Label of the progress bar (`experiment 3`). */
  label: string
  /** Fields added to the closing summary. */
  summary: Record<string, unknown>
  runner?: Partial<RunnerOptions>
}

function bar(value: number, max: number, width = 24): string {
  const filled = Math.round(progressFraction(value, max) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}

function eta(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? 'estimating…' : `${formatSeconds(ms / 1000)} left`
}

/**
 * Trains queued runs of `store` to the end and closes the store. Resolves to the exit code: 0 when
 * every run completed, 130 after Ctrl-C (or SIGTERM), else 1. A signal received before training
 * starts (while the caller stored the runs) cancels them all here, before any worker starts: they
 * stay in the lab, `cancelled before it started`, and `fa-lab resume --runs` can still train them.
 */
export async function trainStoredRuns(store: Store, runIds: number[], options: TrainRunsOptions): Promise<number> {
  return withStopSignals(async (signals) => {
    const early = await stopSeen(signals)
    if (early) {
      store.cancelQueuedRuns(runIds, cancelledBeforeStart)
      process.stderr.write(`cancelling: ${early} before training started; the ${runIds.length} stored run${runIds.length === 1 ? '' : 's'} are marked cancelled\n`)
      return finish(store, runIds, options, true)
    }
    return train(store, runIds, options, signals.stopped)
  })
}

/** Counts the runs' statuses (in SQL: reading 10,000 whole records back would hold up the exit after Ctrl-C), closes the store, prints the closing line. */
function finish(store: Store, runIds: number[], options: TrainRunsOptions, interrupted: boolean): number {
  const counts = store.statusCounts(runIds)
  store.close()
  const summary = { ...options.summary, runs: runIds.length, statuses: counts, db: store.path }
  if (options.json) console.log(JSON.stringify({ event: 'done', ...summary }))
  else process.stderr.write(`done: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')} (lab file ${store.path})\n`)
  if (interrupted) return 130
  return counts.completed === runIds.length ? 0 : 1
}

async function train(store: Store, runIds: number[], options: TrainRunsOptions, stopped: Promise<NodeJS.Signals>): Promise<number> {
  const { json, workers } = options
  const tty = process.stderr.isTTY && !json
  const runner = createRunner({ store, workers, dataDir: dataHome(), ...options.runner })
  const latest = new Map<number, RunProgress>()
  let drawnLines = 0
  let lastPlain = 0
  let interrupted = false
  let trained = false

  const draw = () => {
    const events = [...latest.values()]
    const any = events.at(-1)
    const done = any?.runsDone ?? 0
    const lines = [`${options.label} ${bar(done, runIds.length)} ${done}/${runIds.length} runs  ${eta(any?.etaMs ?? null)}`]
    for (const p of events.filter((e) => e.status === 'running'))
      lines.push(`  run ${String(p.runId).padStart(4)} ${bar(p.step, p.totalSteps, 16)} ${p.step}/${p.totalSteps}${p.metrics?.trainLoss !== undefined ? `  loss ${p.metrics.trainLoss.toPrecision(4)}` : ''}`)
    if (tty) {
      process.stderr.write(`${drawnLines ? `\x1b[${drawnLines}A` : ''}${lines.map((l) => `\r${l}\x1b[K`).join('\n')}\n\x1b[J`)
      drawnLines = lines.length
    } else if (!json && performance.now() - lastPlain > 5000) {
      lastPlain = performance.now()
      process.stderr.write(`${lines[0]}\n`)
    }
  }

  runner.onProgress((p) => {
    latest.set(p.runId, p)
    if (json) console.log(JSON.stringify({ event: 'progress', ...p }))
    draw()
  })
  runner.onRunFinished((f) => {
    latest.delete(f.runId)
    if (json) console.log(JSON.stringify({ event: 'finished', ...f }))
    else {
      if (tty && drawnLines) {
        process.stderr.write(`\x1b[${drawnLines}A\x1b[J`)
        drawnLines = 0
      }
      process.stderr.write(`run ${f.runId} ${f.status}${f.error ? `: ${f.error}` : ''}\n`)
    }
    draw()
  })
  void stopped.then(() => {
    if (trained) return
    interrupted = true
    process.stderr.write('\ncancelling: stopping the runs in progress...\n')
    runner.cancelAll()
  })
  if (!json) process.stderr.write(`${options.heading} on ${Math.min(workers, runIds.length)} worker${workers === 1 ? '' : 's'}\n`)
  try {
    runner.enqueue(runIds)
    await runner.whenIdle()
  } finally {
    trained = true
    await runner.close()
  }
  return finish(store, runIds, options, interrupted)
}

/** `--checkpoint-every N` (steps) and `--checkpoint-seconds M`, for `run` and `resume`. */
export const checkpointOptionSpecs = { 'checkpoint-every': { type: 'string' }, 'checkpoint-seconds': { type: 'string' } } as const

export const checkpointHelp = `--checkpoint-every N and --checkpoint-seconds M: a run saves its full state at multiples of N
steps, at most once per M seconds (defaults ${defaultCheckpointPolicy.everySteps} and ${defaultCheckpointPolicy.minIntervalMs / 1000}; N = 0 turns checkpoints off), so
that fa-lab resume can continue it after a crash or a kill.`

export function checkpointOptions(values: { 'checkpoint-every'?: string; 'checkpoint-seconds'?: string }): Partial<RunnerOptions> {
  const out: Partial<RunnerOptions> = {}
  if (values['checkpoint-every'] !== undefined) {
    const n = Number(values['checkpoint-every'])
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--checkpoint-every must be an integer ≥ 0, not '${values['checkpoint-every']}'`)
    out.checkpointEverySteps = n
  }
  if (values['checkpoint-seconds'] !== undefined) {
    const m = Number(values['checkpoint-seconds'])
    if (!Number.isFinite(m) || m < 0) throw new UsageError(`--checkpoint-seconds must be a number ≥ 0, not '${values['checkpoint-seconds']}'`)
    out.checkpointIntervalMs = m * 1000
  }
  return out
}
