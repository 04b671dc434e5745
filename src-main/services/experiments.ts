/**
 * Experiments as a service: validate and expand a sweep, store the experiment and its queued runs
 * in one transaction, and hand them to the runner. The CLI, the app and the browser mode all come
 * through here.
 */
import { createHash } from 'node:crypto'
import { ConfigError, type RunConfig } from '../../src-shared/config'
import { expandExperiment, type ExpandOptions, type ExperimentConfig } from '../../src-shared/experiment'
import type { Store } from '../store/store'

export interface Shard {
  /** 0-based shard index. */
  index: number
  count: number
}

export interface QueuedExperiment {
  experimentId: number
  experiment: ExperimentConfig
  /** Stored run ids, in sweep order. */
  runIds: number[]
  /** Runs in the whole grid (all shards). */
  gridSize: number
  /** The resolved configs of the stored runs, in sweep order. */
  configs: RunConfig[]
}

/** Parses `i/N` (0-based i), or SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT when `text` is absent. */
export function parseShard(text: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (text === undefined) {
    if (env.SLURM_ARRAY_TASK_ID === undefined || env.SLURM_ARRAY_TASK_COUNT === undefined) return null
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0)
    text = `${Number(env.SLURM_ARRAY_TASK_ID) - min}/${env.SLURM_ARRAY_TASK_COUNT}`
  }
  const match = /^(\d+)\/(\d+)$/.exec(text)
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (!match || count < 1 || index >= count) throw new ConfigError([{ path: 'shard', message: `'${text}' is not i/N with 0 ≤ i < N` }], 'shard')
  return { index, count }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value)
}

/**
 * Validates (nothing is stored for an invalid experiment), stores and returns the queued runs.
 * Sharded experiments get uids derived from the definition, so shard files merge into one
 * experiment without duplicates.
 */
export function queueExperiment(store: Store, input: unknown, shard: Shard | null = null, options: ExpandOptions = {}): QueuedExperiment {
  return storeExperiment(store, expandExperiment(input, options), shard)
}

/** Stores an experiment expandExperiment has validated and expanded, with its queued runs (see queueExperiment). */
export function storeExperiment(store: Store, { experiment, runs }: ReturnType<typeof expandExperiment>, shard: Shard | null = null): QueuedExperiment {
  const chosen = shard ? runs.filter((r) => r.sweepIndex % shard.count === shard.index) : runs
  const sharedUid = shard ? createHash('sha256').update(canonical(experiment)).digest('hex').slice(0, 32) : undefined
  return store.transaction(() => {
    const experimentId = store.createExperiment({ name: experiment.name, description: experiment.description, definition: experiment, uid: sharedUid })
    const runIds = store.queueRuns(
      chosen.map((r) => ({
        config: r.config,
        experimentId,
        sweepIndex: r.sweepIndex,
        uid: sharedUid ? `${sharedUid}/${r.sweepIndex}` : undefined,
      })),
      { parsed: true },
    )
    return { experimentId, experiment, runIds, gridSize: runs.length, configs: chosen.map((r) => r.config) }
  })
}
