/**
 * The lab service: implements the IPC contract by gluing the store, the runner and the data
 * sources together. Electron's ipc.ts and the browser-mode server both serve this one object.
 */
import type {
  DatasetSamples,
  ExperimentSummary,
  LabEvents,
  LabHandlers,
  LabInfo,
  RunDetail,
  SavedComparison,
  RunSummary,
  ValidationResult,
  WeightImages,
} from '../../src-shared/contract'
import { LabError } from '../../src-shared/contract'
import { getPath } from '../../src-shared/analysis'
import { ConfigError } from '../../src-shared/config'
import { countRuns, defaultMaxRuns, expandExperiment } from '../../src-shared/experiment'
import { workerResourceLimits } from '../lib/limits'
import { envMaxRuns, measuredSpeed, timeWarning, type TrainingSpeed } from './estimates'
import { catalog } from '../data/catalog'
import { importFolder, listDatasets } from '../data/registry'
import { ensureDownloaded, loadRawImages } from '../data/sources'
import { dataHome } from '../lib/paths'
import { createRunner, type RunnerOptions } from '../runner/runner'
import { openStore, type RunRecord } from '../store/store'
import { queueExperiment } from './experiments'
import { renderFigure } from './figures'
import { listPresets } from './presets'

export interface LabServiceOptions {
  labPath: string
  mode: LabInfo['mode']
  workers?: number
  /** Most runs one experiment may expand to (default 10,000; FA_LAB_MAX_RUNS or --max-runs raise it). */
  maxRuns?: number
  dataDir?: string
  workerUrl?: URL
  runner?: Partial<RunnerOptions>
}

/** A failure caused by what the request named (a folder, a source) becomes a LabError, answered as bad input. */
async function asInputError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    throw error instanceof LabError ? error : new LabError(error instanceof Error ? error.message : String(error))
  }
}

type Listener<E extends keyof LabEvents> = (payload: LabEvents[E]) => void

function summarize(run: RunRecord): RunSummary {
  const parameters: Record<string, string | number> = {}
  const pick = (label: string, path: string) => {
    const value = getPath(run.config, path)
    if (typeof value === 'number' || typeof value === 'string') parameters[label] = value
    else if (Array.isArray(value)) parameters[label] = value.join('-')
  }
  pick('data', 'data.kind')
  pick('hidden', 'model.hidden')
  pick('activation', 'model.activation')
  pick('λ', 'regularization.outputL2')
  pick('learningRate', 'optimizer.learningRate')
  pick('batchSize', 'optimizer.batchSize')
  return {
    id: run.id,
    experimentId: run.experimentId,
    name: run.name,
    status: run.status,
    rule: run.rule,
    seed: run.seed,
    backend: run.backend,
    stepsDone: run.stepsDone,
    totalSteps: run.totalSteps,
    durationMs: run.durationMs,
    startedAt: run.startedAt,
    error: run.error,
    finalMetrics: run.finalMetrics,
    stopReason: run.stopReason,
    parameters,
    tags: run.tags,
    note: run.note,
  }
}

export function createLabService(options: LabServiceOptions) {
  const store = openStore(options.labPath)
  const dataDir = options.dataDir ?? dataHome()
  const runner = createRunner({ store, workers: options.workers, dataDir, workerUrl: options.workerUrl, ...options.runner })
  const listeners: { [E in keyof LabEvents]: Set<Listener<E>> } = { runProgress: new Set(), runFinished: new Set(), downloadProgress: new Set() }
  const emit = <E extends keyof LabEvents>(event: E, payload: LabEvents[E]) => listeners[event].forEach((l) => (l as Listener<E>)(payload))
  runner.onProgress((p) => emit('runProgress', p))
  runner.onRunFinished((f) => emit('runFinished', f))

  const maxRuns = options.maxRuns ?? envMaxRuns() ?? defaultMaxRuns
  const expandOptions = { maxRuns, limits: workerResourceLimits(runner.workerCount) }
  let rate: { speed: TrainingSpeed; at: number } | null = null
  /** This lab's measured training speed, refreshed at most once a minute. */
  function measuredRate(): TrainingSpeed {
    if (!rate || performance.now() - rate.at > 60_000) rate = { speed: measuredSpeed(store.listRuns({ status: ['completed'] }).slice(-50)), at: performance.now() }
    return rate.speed
  }

  function requireRun(runId: number): RunRecord {
    const run = store.getRun(runId)
    if (!run) throw new LabError(`no run with id ${runId}`)
    return run
  }

  const service: LabHandlers = {
    getLabInfo: () => ({ labPath: options.labPath, mode: options.mode, workers: runner.workerCount }),

    listPresets: () => listPresets(),

    validateExperiment(experiment): ValidationResult {
      const runCount = countRuns(experiment) ?? 0
      try {
        const { runs } = expandExperiment(experiment, expandOptions)
        const warning = timeWarning(runs.map((r) => r.config), runner.workerCount, measuredRate())
        return { ok: true, runCount: runs.length, issues: [], maxRuns, warnings: warning ? [warning] : [] }
      } catch (error) {
        if (error instanceof ConfigError) return { ok: false, runCount, issues: error.issues, omitted: error.omitted, maxRuns }
        throw error
      }
    },

    startExperiment(experiment) {
      try {
        const { experimentId, runIds } = queueExperiment(store, experiment, null, expandOptions)
        runner.enqueue(runIds)
        return { experimentId, runIds }
      } catch (error) {
        if (error instanceof ConfigError) throw new LabError(error.message, error.issues)
        throw error
      }
    },

    cancelExperiment: (experimentId) => runner.cancelExperiment(experimentId),
    cancelRun: (runId) => runner.cancelRun(runId),

    listExperiments(): ExperimentSummary[] {
      const runs = store.listRuns()
      return store.listExperiments().map((e) => {
        const own = runs.filter((r) => r.experimentId === e.id)
        const statusCounts: ExperimentSummary['statusCounts'] = {}
        for (const r of own) statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1
        return { id: e.id, name: e.name, description: e.description, createdAt: e.createdAt, runCount: own.length, statusCounts }
      })
    },

    listRuns: (filter) => store.listRuns(filter).map(summarize),

    getRun(runId): RunDetail {
      const run = requireRun(runId)
      return { ...summarize(run), config: run.config, dataset: run.dataset, metricNames: store.metricNames(runId) }
    },

    getMetricSeries: ({ runIds, name }) =>
      store.metricSeriesMany(runIds, name).map((s) => ({ runId: s.runId, name, steps: Array.from(s.steps), values: Array.from(s.values), wallTimesMs: Array.from(s.wallTimesMs) })),

    getWeightImages({ runId, count }): WeightImages | null {
      const run = requireRun(runId)
      const kind = getPath(run.config, 'data.kind')
      if (kind !== 'mnist' && kind !== 'fashion-mnist') return null
      const W1 = store.artifacts(runId).find((a) => a.name === 'W1')
      if (!W1) return null
      const [inputs, hidden] = W1.shape
      // A stored shape is checked against the data before it sizes anything (a crafted file's could ask for gigabytes).
      if (W1.shape.length !== 2 || inputs !== 784 || !Number.isSafeInteger(hidden) || hidden < 1 || W1.values.length !== inputs * hidden) {
        throw new LabError(`run ${runId}'s first-layer weights are damaged: shape ${JSON.stringify(W1.shape)} with ${W1.values.length} values`)
      }
      const units: number[][] = []
      for (let u = 0; u < Math.min(count, hidden); u++) {
        const column = new Array<number>(inputs)
        for (let i = 0; i < inputs; i++) column[i] = W1.values[i * hidden + u]
        units.push(column)
      }
      return { runId, imageShape: [28, 28], units }
    },

    setRunTags: ({ runId, tags }) => (requireRun(runId), store.setTags(runId, tags)),
    setRunNote: ({ runId, note }) => (requireRun(runId), store.setNote(runId, note)),
    deleteRuns(runIds) {
      const busy = runIds.filter((id) => runner.pending().includes(id))
      if (busy.length) throw new LabError(`runs ${busy.join(', ')} are queued or training: cancel them first`)
      store.deleteRuns(runIds)
    },
    restoreRuns: (runIds) => store.restoreRuns(runIds),

    listDatasets: () => listDatasets(dataDir),
    importDatasetFolder: ({ kind, dir }) => asInputError(importFolder(kind, dir, dataDir)),

    downloadDataset(kind) {
      void ensureDownloaded(kind, { dataDir, onProgress: (p) => emit('downloadProgress', { kind, file: p.file, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes, percent: p.percent, done: false }) }).then(
        () => emit('downloadProgress', { kind, file: '', receivedBytes: 0, totalBytes: null, percent: 100, done: true }),
        (error: Error) => emit('downloadProgress', { kind, file: '', receivedBytes: 0, totalBytes: null, percent: null, done: true, error: error.message }),
      )
    },

    async renderFigure({ spec, format, pixelRatio }) {
      try {
        const figure = await renderFigure(store, spec, format, pixelRatio)
        return { base64: figure.bytes.toString('base64'), mimeType: figure.mimeType, csv: figure.csv, json: figure.json }
      } catch (error) {
        throw new LabError((error as Error).message)
      }
    },
    saveComparison: ({ name, spec }) => store.saveComparison(name, spec),
    listComparisons: () => store.listComparisons() as SavedComparison[],

    chooseFolder() {
      throw new LabError('a folder dialog needs the desktop app: type the folder path instead')
    },

    async getDatasetSamples({ kind, source, perClass }): Promise<DatasetSamples> {
      const raw = await asInputError(loadRawImages(kind, source, { dataDir }))
      const pixels = raw.rows * raw.cols
      const samples: number[][][] = catalog[kind].classNames.map(() => [])
      for (let i = 0; i < raw.train.n; i++) {
        const bucket = samples[raw.train.labels[i]]
        if (bucket.length < perClass) bucket.push(Array.from(raw.train.images.subarray(i * pixels, (i + 1) * pixels)))
        if (samples.every((s) => s.length >= perClass)) break
      }
      return { classNames: catalog[kind].classNames, imageShape: [raw.rows, raw.cols], samples }
    },
  }

  return {
    service,
    store,
    runner,
    on<E extends keyof LabEvents>(event: E, listener: Listener<E>): () => void {
      listeners[event].add(listener)
      return () => listeners[event].delete(listener)
    },
    /** Cancels nothing: runs still training are marked interrupted the next time the lab opens. */
    async close(): Promise<void> {
      await runner.close()
      store.close()
    },
  }
}

export type LabService = ReturnType<typeof createLabService>
