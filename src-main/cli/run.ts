import { ConfigError } from '../../src-shared/config'
import { expandExperiment, singleRunExperiment } from '../../src-shared/experiment'
import { createRunner, defaultWorkerCount, type RunProgress } from '../runner/runner'
import { measuredSpeed, timeWarning } from '../services/estimates'
import { parseShard, queueExperiment } from '../services/experiments'
import { findPreset } from '../services/presets'
import { openStore } from '../store/store'
import { dataHome } from '../lib/paths'
import { workerCountFault, workerResourceLimits } from '../lib/limits'
import { parseMaxRuns, parseOptions, readJsonFile, UsageError } from './args'
import type { Command } from './command'

const help = `usage: fa-lab run <experiment.json> --db lab.sqlite [--workers N] [--shard i/N] [--max-runs N] [--json]
       fa-lab run --preset NAME [--full] --db lab.sqlite …   (presets: song2021-width, song2021-mnist,
                                                           lillicrap2016-linear, rules-mnist, smoke)

Stores the experiment (a base run config and a grid over config paths, or a single run config)
and trains its runs in worker threads, showing progress. --shard i/N (0-based; SLURM_ARRAY_TASK_ID
and SLURM_ARRAY_TASK_COUNT are read when set) runs every N-th run: give each shard its own --db
and combine them with fa-lab merge. A grid of more than 10,000 runs is refused unless --max-runs
raises the limit. Ctrl-C cancels cleanly. Exit 0 when every run completed, 2 for an invalid experiment.`

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}

function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '--'
  const s = Math.round(ms / 1000)
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

export const runCommand: Command = {
  summary: 'run an experiment (a sweep) into a lab file',
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      { db: { type: 'string' }, workers: { type: 'string' }, 'max-runs': { type: 'string' }, shard: { type: 'string' }, preset: { type: 'string' }, full: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      true,
    )
    if (values.help) {
      console.log(help)
      return 0
    }
    const file = values.preset ? `preset ${values.preset}` : positionals[0]
    if (!file || !values.db) throw new UsageError(`an experiment file (or --preset) and --db are required\n\n${help}`)
    const workers = values.workers === undefined ? defaultWorkerCount() : Number(values.workers)
    const workersFault = workerCountFault(workers)
    if (workersFault) throw new UsageError(`--workers ${values.workers}: ${workersFault}`)
    const maxRuns = parseMaxRuns(values['max-runs'])
    const expandOptions = { maxRuns, limits: workerResourceLimits(workers) }
    const input = values.preset ? (await findPreset(values.preset, values.full)).experiment : await readJsonFile(file)
    const definition = input && typeof input === 'object' && 'base' in input ? input : singleRunExperiment(input as never, file)

    let shard
    try {
      // Validate before touching the lab file: an invalid experiment stores (and creates) nothing.
      expandExperiment(definition, expandOptions)
      shard = parseShard(values.shard)
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(`${file}: ${error.message}`)
        return 2
      }
      throw error
    }
    const store = openStore(values.db)
    const queued = queueExperiment(store, definition, shard, expandOptions)
    const slow = timeWarning(queued.configs, workers, measuredSpeed(store.listRuns({ status: ['completed'] }).slice(-50)))
    if (slow && !values.json) process.stderr.write(`warning: ${slow}\n`)
    const { runIds, experimentId } = queued
    const json = values.json
    const tty = process.stderr.isTTY && !json
    const runner = createRunner({ store, workers, dataDir: dataHome() })
    const latest = new Map<number, RunProgress>()
    let drawnLines = 0
    let lastPlain = 0
    let interrupted = false

    const draw = () => {
      const events = [...latest.values()]
      const any = events.at(-1)
      const done = any?.runsDone ?? 0
      const lines = [`experiment ${experimentId} ${bar(done / runIds.length)} ${done}/${runIds.length} runs  eta ${formatDuration(any?.etaMs ?? null)}`]
      for (const p of events.filter((e) => e.status === 'running'))
        lines.push(`  run ${String(p.runId).padStart(4)} ${bar(p.step / p.totalSteps, 16)} ${p.step}/${p.totalSteps}${p.metrics?.trainLoss !== undefined ? `  loss ${p.metrics.trainLoss.toPrecision(4)}` : ''}`)
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
    const onSigint = () => {
      if (interrupted) return
      interrupted = true
      process.stderr.write('\ncancelling: stopping the runs in progress...\n')
      runner.cancelAll()
    }
    process.on('SIGINT', onSigint)
    if (!json) process.stderr.write(`experiment ${experimentId} '${queued.experiment.name}': ${runIds.length} run${runIds.length === 1 ? '' : 's'}${queued.gridSize !== runIds.length ? ` of ${queued.gridSize} (shard ${values.shard ?? 'from SLURM'})` : ''} on ${Math.min(workers, runIds.length)} worker${workers === 1 ? '' : 's'}\n`)
    try {
      runner.enqueue(runIds)
      await runner.whenIdle()
    } finally {
      process.off('SIGINT', onSigint)
      await runner.close()
    }
    const runs = store.listRuns({ ids: runIds })
    store.close()
    const counts: Record<string, number> = {}
    runs.forEach((r) => (counts[r.status] = (counts[r.status] ?? 0) + 1))
    const summary = { experimentId, runs: runIds.length, statuses: counts, db: values.db }
    if (json) console.log(JSON.stringify({ event: 'done', ...summary }))
    else process.stderr.write(`done: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')} (lab file ${values.db})\n`)
    if (interrupted) return 130
    return runs.every((r) => r.status === 'completed') ? 0 : 1
  },
}
