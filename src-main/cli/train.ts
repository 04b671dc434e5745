import { ConfigError } from '../../src-shared/config'
import { fieldAt } from '../../src-shared/fields'
import { backendWithPath, trainingPathNames } from '../../src-shared/training-paths'
import { parseBoundedRunConfig } from '../../src-shared/run-cost'
import { availableParallelism } from 'node:os'
import { setBlasThreads } from '../engine/blas'
import { blasThreadsPerWorker, busyCores, workerResourceLimits } from '../lib/limits'
import { loadDataset } from '../data/load'
import { fallbackReasons } from '../engine/tf'
import { train } from '../engine/train'
import { dataHome } from '../lib/paths'
import { parseOptions, readJsonFile, UsageError } from './args'
import type { Command } from './command'
import { withStopSignals, type StopSignals } from './signals'

/** Its arguments: `fa-lab --help`, the README's command table and its own --help read this one line. */
const synopsis = `--config run.json [--json] [--backend ${fieldAt('backend')!.options!.join('|')}] [--blas-threads N]`
const help = `usage: fa-lab train ${synopsis}

Trains one run and reports every evaluation. With --json: one JSON object per line,
{"step": N, "metrics": {...}} for each evaluation, then
{"final": {...}, "backend": "...", "trainingPath": "${trainingPathNames.join('|')}", "steps": N, "status": "completed|diverged|cancelled", ...}.
The BLAS backend's threads default to the cores other processes leave free (one when the
machine is busy), as the runner gives its workers; --blas-threads sets them.
Exit code: 0 completed, 2 invalid config or usage, 3 diverged, 130 cancelled (Ctrl-C).`

function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([name, value]) => `${name} ${Number(value.toPrecision(4))}`)
    .join('  ')
}

export const trainCommand: Command = {
  summary: 'train one run from a JSON config',
  synopsis,
  help: () => help,
  async run(args) {
    // Before anything else: Ctrl-C while the config and data load stops it cleanly (see signals.ts).
    return withStopSignals((signals) => trainOne(args, signals))
  },
}

async function trainOne(args: string[], signals: StopSignals): Promise<number> {
  const { values } = parseOptions(args, {
    config: { type: 'string', short: 'c' },
    json: { type: 'boolean', default: false },
    backend: { type: 'string' },
    'blas-threads': { type: 'string' },
  })
  if (!values.config) {
    console.error(`fa-lab train: --config is required\n\n${help}`)
    return 2
  }
  const cores = availableParallelism()
  const blasThreads = values['blas-threads'] === undefined ? blasThreadsPerWorker(1, busyCores()) : Number(values['blas-threads'])
  if (!Number.isInteger(blasThreads) || blasThreads < 1 || blasThreads > cores) throw new UsageError(`--blas-threads '${values['blas-threads']}': expected a whole number from 1 to ${cores} (this machine's cores)`)
  const raw = await readJsonFile(values.config)
  if (values.backend && raw && typeof raw === 'object') (raw as Record<string, unknown>).backend = values.backend
  let config
  try {
    config = parseBoundedRunConfig(raw, workerResourceLimits())
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${values.config}: ${error.message}`)
      return 2
    }
    throw error
  }

  setBlasThreads(blasThreads)
  const data = await loadDataset(config, { dataDir: dataHome() })
  const json = values.json
  const result = await train(config, data, {
    shouldStop: () => signals.received !== null,
    onEvaluation: ({ step, metrics }) => {
      if (json) console.log(JSON.stringify({ step, metrics }))
      else console.log(`step ${String(step).padStart(String(config.steps).length)}/${config.steps}  ${formatMetrics(metrics)}`)
    },
  })
  const fellBackFrom = config.backend === 'auto' && !process.env.FA_LAB_BACKEND ? fallbackReasons(result.backend) : []
  if (!json) for (const f of fellBackFrom) console.error(`note: not using the ${f.name} backend: ${f.reason}`)
  const summary = {
    final: result.final,
    backend: result.backend,
    trainingPath: result.trainingPath,
    steps: result.steps,
    status: result.status,
    durationMs: Math.round(result.durationMs),
    ...(result.theoryMs !== undefined ? { theoryMs: Math.round(result.theoryMs) } : {}),
    ...(result.message ? { message: result.message } : {}),
    ...(result.stopReason ? { stopReason: result.stopReason } : {}),
    dataset: data.identity.fingerprint,
    ...(result.backend === 'blas' ? { blasThreads } : {}),
    ...(fellBackFrom.length ? { fallbacks: fellBackFrom } : {}),
  }
  if (json) console.log(JSON.stringify(summary))
  else console.log(`${result.status}${result.stopReason === 'converged' ? ' (converged)' : ''} after ${result.steps} steps on ${backendWithPath(result.backend, result.trainingPath)} in ${(result.durationMs / 1000).toFixed(1)} s${result.theoryMs !== undefined ? ` (theory measures ${(result.theoryMs / 1000).toFixed(1)} s)` : ''}${result.message ? `: ${result.message}` : ''}`)
  return result.status === 'completed' ? 0 : result.status === 'diverged' ? 3 : 130
}
