import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../../src-shared/config'
import { expandExperiment, singleRunExperiment } from '../../src-shared/experiment'
import { defaultWorkerCount } from '../runner/runner'
import type { ModelFamily } from '../../src-shared/run-cost'
import { measuredFlopsPerSecond, measuredSpeed, storedCalibrations } from '../estimates/speed'
import { timeWarning } from '../estimates/time'
import { parseShard, storeExperiment } from '../services/experiments'
import { findPreset } from '../services/presets'
import { openStore } from '../store/store'
import { resourcesDir } from '../lib/paths'
import { workerCountFault, workerResourceLimits } from '../lib/limits'
import { parseMaxRuns, parseOptions, readJsonFile, UsageError } from './args'
import type { Command } from './command'
import { stopSeen, withStopSignals, type StopSignals } from './signals'
import { checkpointHelp, checkpointOptions, checkpointOptionSpecs, trainStoredRuns } from './train-runs'

/** The shipped presets' names, from resources/presets (the help once listed them by hand and missed one). */
const presetNames = () =>
  readdirSync(join(resourcesDir(), 'presets'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort()

const help = () => `usage: fa-lab run <experiment.json> --db lab.sqlite [--workers N] [--shard i/N] [--max-runs N] [--json]
       fa-lab run --preset NAME [--full] --db lab.sqlite …
       presets: ${presetNames().join(', ')}

Stores the experiment (a base run config and a grid over config paths, or a single run config)
and trains its runs in worker threads, showing progress. --shard i/N (0-based; SLURM_ARRAY_TASK_ID
and SLURM_ARRAY_TASK_COUNT are read when set) runs every N-th run: give each shard its own --db
and combine them with fa-lab merge. A grid of more than 10,000 runs is refused unless --max-runs
raises the limit. Ctrl-C cancels cleanly at any moment, exit 130: the runs not finished become
cancelled (all of them when it comes while the experiment is stored; nothing is stored when it
comes before). Exit 0 when every run completed, 2 for an invalid experiment.

${checkpointHelp}`

export const runCommand: Command = {
  summary: 'run an experiment (a sweep) into a lab file',
  synopsis: '(experiment.json | --preset NAME [--full]) --db lab.sqlite [--workers N] [--shard i/N] [--max-runs N]',
  help: help,
  async run(args) {
    // Before anything else: Ctrl-C while the experiment is read, checked or stored stops it cleanly (see signals.ts).
    return withStopSignals((signals) => run(args, signals))
  },
}

async function run(args: string[], signals: StopSignals): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { db: { type: 'string' }, workers: { type: 'string' }, 'max-runs': { type: 'string' }, shard: { type: 'string' }, preset: { type: 'string' }, full: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, ...checkpointOptionSpecs },
    true,
  )
  const file = values.preset ? `preset ${values.preset}` : positionals[0]
  if (!file || !values.db) throw new UsageError(`an experiment file (or --preset) and --db are required\n\n${help()}`)
  const workers = values.workers === undefined ? defaultWorkerCount() : Number(values.workers)
  const workersFault = workerCountFault(workers)
  if (workersFault) throw new UsageError(`--workers ${values.workers}: ${workersFault}`)
  const maxRuns = parseMaxRuns(values['max-runs'])
  const expandOptions = { maxRuns, limits: workerResourceLimits(workers) }
  const input = values.preset ? (await findPreset(values.preset, values.full)).experiment : await readJsonFile(file)
  const definition = input && typeof input === 'object' && 'base' in input ? input : singleRunExperiment(input as never, file)

  let shard, expanded
  try {
    // Validate before touching the lab file: an invalid experiment stores (and creates) nothing.
    expanded = expandExperiment(definition, expandOptions)
    shard = parseShard(values.shard)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${file}: ${error.message}`)
      return 2
    }
    throw error
  }
  const runnerOptions = checkpointOptions(values)
  const early = await stopSeen(signals)
  if (early) {
    console.error(`fa-lab run: stopped by ${early} before anything was stored in ${values.db}`)
    return 130
  }
  const store = openStore(values.db)
  const queued = storeExperiment(store, expanded, shard)
  const completed = store.listRuns({ status: ['completed'] })
  const calibrations = storedCalibrations((key) => store.setting(key))
  const speeds = new Map<string, ReturnType<typeof measuredSpeed>>()
  const speedOn = (backend?: string, family: ModelFamily = 'dense') => {
    const key = `${backend ?? ''}/${family}`
    return speeds.get(key) ?? speeds.set(key, measuredSpeed(completed, calibrations, family, backend)).get(key)!
  }
  const slow = timeWarning(queued.configs, workers, speedOn)
  if (slow && !values.json) process.stderr.write(`warning: ${slow}\n`)
  const { runIds, experimentId } = queued
  return trainStoredRuns(store, runIds, {
    workers,
    json: values.json,
    heading: `experiment ${experimentId} '${queued.experiment.name}': ${runIds.length} run${runIds.length === 1 ? '' : 's'}${queued.gridSize !== runIds.length ? ` of ${queued.gridSize} (shard ${values.shard ?? 'from SLURM'})` : ''}`,
    label: `experiment ${experimentId}`,
    summary: { experimentId },
    // the ETA starts from the speed the warning quotes
    runner: { ...runnerOptions, labSpeed: (backend, family) => measuredFlopsPerSecond(speedOn(backend, family)) },
  })
}
