/**
 * The lab service: implements the IPC contract by gluing the store, the runner and the data
 * sources together. Electron's ipc.ts and the browser-mode server both serve this one object.
 */
import type { DatasetSamples, LabEvents, LabHandlers, LabInfo, RunDetail, SavedComparison, ValidationResult, WeightImages } from '../../src-shared/contract'
import { LabError } from '../../src-shared/contract'
import { ConfigError } from '../../src-shared/config'
import { countRuns, defaultMaxRuns, expandExperiment } from '../../src-shared/experiment'
import { minMaxIndices } from '../../src-shared/analysis'
import { packRunList } from '../../src-shared/run-list'
import { envMaxRuns, maxSeriesPoints, maxSeriesReplyPoints, workerResourceLimits } from '../lib/limits'
import type { ModelFamily } from '../../src-shared/run-cost'
import { calibrationKeys, measuredFlopsPerSecond, measuredSpeed, modelFamilies, storedCalibrations, type TrainingSpeed } from '../estimates/speed'
import { estimateBasis, estimateExperiment, timeWarning } from '../estimates/time'
import { catalog } from '../data/catalog'
import { importFolder, listDatasets } from '../data/registry'
import { ensureDownloaded, loadRawImages } from '../data/sources'
import { dataHome } from '../lib/paths'
import { createRunner, type RunnerOptions } from '../runner/runner'
import { openStore, resumableStatuses, type RunRecord } from '../store/store'
import { createEventHub } from './events'
import { queueExperiment } from './experiments'
import { compareRuns, naturalFigure, renderFigure } from './figures'
import { reproductionOf } from './reproduction'
import { listPresets } from './presets'
import { listedRun, samplesByClass, summarizeExperiments, summarizeRun, theorySpectra, weightImages } from './summaries'

/** Run names listed by validateExperiment, the first of the sweep. */
const previewRuns = 8

export interface LabServiceOptions {
  labPath: string
  mode: LabInfo['mode']
  workers?: number
  /** Most runs one experiment may expand to (default 10,000; FA_LAB_MAX_RUNS or --max-runs raise it). */
  maxRuns?: number
  dataDir?: string
  workerUrl?: URL
  runner?: Partial<RunnerOptions>
  /**
   * Measure the machine's speed in a worker as the lab opens when it has measured nothing yet
   * (no completed run, no calibration in the file), for the first estimates. The app and
   * `fa-lab serve` turn it on; off by default, so that labs opened for other work (tests, tools)
   * spend nothing on it.
   */
  calibrate?: boolean
}

/** The longest an estimate waits for the lab's first calibration before it assumes a speed. */
const calibrationWaitMs = 10_000

/** A failure caused by what the request named (a folder, a source) becomes a LabError, answered as bad input. */
/** The index of the first step greater than `after` in ascending `steps` (its length when none is). */
function firstAfter(steps: Float64Array, after: number): number {
  let low = 0
  let high = steps.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (steps[mid] > after) high = mid
    else low = mid + 1
  }
  return low
}

async function asInputError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    throw error instanceof LabError ? error : new LabError(error instanceof Error ? error.message : String(error))
  }
}

/** Runs `work`, turning what it throws into a LabError (a request the lab cannot honour, not a fault of the lab). */
function asLabError<T>(work: () => T): T {
  try {
    return work()
  } catch (error) {
    throw error instanceof LabError ? error : new LabError(error instanceof Error ? error.message : String(error))
  }
}

export function createLabService(options: LabServiceOptions) {
  const store = openStore(options.labPath)
  const dataDir = options.dataDir ?? dataHome()
  const runner = createRunner({
    store,
    workers: options.workers,
    dataDir,
    workerUrl: options.workerUrl,
    // the live ETA starts from the speed the cards and the form quote
    labSpeed: (backend, family) => measuredFlopsPerSecond(speedOn(backend, family)),
    ...options.runner,
  })
  const events = createEventHub<LabEvents>()
  const emit = events.emit
  runner.onProgress((p) => emit('runProgress', p))
  runner.onRunFinished((f) => emit('runFinished', f))

  const maxRuns = options.maxRuns ?? envMaxRuns() ?? defaultMaxRuns
  const expandOptions = { maxRuns, limits: workerResourceLimits(runner.workerCount) }
  /** The lab's speed by backend ('' for auto) and when it was read. */
  const rates = new Map<string, { speed: TrainingSpeed; at: number }>()
  // a finished run is a new measurement
  runner.onRunFinished(() => rates.clear())
  const calibrations = storedCalibrations((key) => store.setting(key))
  // A lab that has measured nothing of a model family is calibrated on it once as it opens, in a
  // worker (about 0.3 s of steps a family once the worker has loaded), and the result kept in the
  // lab file. A lab calibrated before conv models had their own speed is calibrated on conv only.
  const uncalibrated = options.calibrate
    ? (() => {
        const completed = store.listRuns({ status: ['completed'] })
        return modelFamilies.filter((family) => !calibrations[family] && measuredSpeed(completed, {}, family).source === 'assumed')
      })()
    : []
  const calibrating: Promise<void> | null = uncalibrated.length
    ? runner.calibrate(uncalibrated).then((results) => {
        for (const family of uncalibrated) {
          const result = results[family]
          if (!result) continue
          calibrations[family] = result
          store.saveSetting(calibrationKeys[family], result)
        }
        rates.clear()
      })
    : null
  let calibrationDone = calibrating === null
  void calibrating?.then(() => (calibrationDone = true))
  /**
   * This lab's training speed for models of `family` on `backend` (default: the family's newest
   * run's), refreshed at most once a minute and after every finished run.
   */
  function speedOn(backend?: string, family: ModelFamily = 'dense'): TrainingSpeed {
    const key = `${backend ?? ''}/${family}`
    let rate = rates.get(key)
    if (!rate || performance.now() - rate.at > 60_000) rates.set(key, (rate = { speed: measuredSpeed(store.listRuns({ status: ['completed'] }), calibrations, family, backend), at: performance.now() }))
    return rate.speed
  }
  /** While the first calibration is under way, an estimate waits for it at most `calibrationWaitMs`. */
  async function calibrated(): Promise<void> {
    if (!calibrationDone && calibrating) await Promise.race([calibrating, new Promise((resolve) => setTimeout(resolve, calibrationWaitMs).unref())])
  }

  function requireRun(runId: number): RunRecord {
    const run = store.getRun(runId)
    if (!run) throw new LabError(`no run with id ${runId}`)
    return run
  }

  const service: LabHandlers = {
    getLabInfo: () => ({ labPath: options.labPath, mode: options.mode, workers: runner.workerCount }),

    listPresets: () => listPresets(),

    async validateExperiment(experiment): Promise<ValidationResult> {
      const runCount = countRuns(experiment) ?? 0
      try {
        const { runs } = expandExperiment(experiment, expandOptions)
        const configs = runs.map((r) => r.config)
        await calibrated()
        // each run at its backend's measured speed; the basis quoted is that of the backend they share
        const warning = timeWarning(configs, runner.workerCount, speedOn)
        const estimatedSeconds = estimateExperiment(configs, runner.workerCount, speedOn).total
        return { ok: true, runCount: runs.length, issues: [], maxRuns, estimatedSeconds, estimateBasis: estimateBasis(configs, speedOn), warnings: warning ? [warning] : [], runNames: runs.slice(0, previewRuns).map((r) => r.name) }
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

    cancelExperiment: (experimentId) => asLabError(() => runner.cancelExperiment(experimentId)),
    cancelRun: (runId) => asLabError(() => runner.cancelRun(runId)),
    resumeRun(runId) {
      requireRun(runId)
      const refusal = store.prepareResume(runId)
      if (refusal) throw new LabError(refusal)
      runner.enqueue([runId])
    },

    listExperiments: () => summarizeExperiments(store.listExperiments(), store.experimentRunStates(), runner.activities()),
    listRuns(filter) {
      const activities = runner.activities()
      return packRunList(store.listRuns({ ...filter, readOnlyConfigs: true }), (run) => listedRun(run, activities.get(run.id) ?? null))
    },

    getRun(runId): RunDetail {
      const run = requireRun(runId)
      const resumable = (resumableStatuses as readonly string[]).includes(run.status)
      return { ...summarizeRun(run, runner.activities().get(runId) ?? null), config: run.config, dataset: run.dataset, metricNames: store.metricNames(runId), resumeFrom: resumable ? (store.checkpointStep(runId) ?? 0) : null }
    },

    getMetricSeries({ runIds, name, after, thin }) {
      // A long series comes in pages of at most perSeries points, so that no reply, whatever the
      // runs stored, holds more than maxSeriesReplyPoints points; `next` says where the rest starts.
      // `thin` asks for the whole series in one page instead, thinned (each bucket's extremes kept).
      const perSeries = Math.max(4, Math.min(maxSeriesPoints, Math.floor(maxSeriesReplyPoints / Math.max(1, runIds.length))))
      return runIds.map((runId) => {
        const s = store.metricSeries(runId, name)
        if (thin) {
          const kept = minMaxIndices(s.values, perSeries)
          const pick = (a: Float64Array) => (kept.length === a.length ? Array.from(a) : kept.map((i) => a[i]))
          return { runId, name, steps: pick(s.steps), values: pick(s.values), wallTimesMs: pick(s.wallTimesMs), next: null }
        }
        const from = after === undefined ? 0 : firstAfter(s.steps, after)
        const to = Math.min(s.steps.length, from + perSeries)
        const page = (a: Float64Array) => Array.from(a.subarray(from, to))
        return { runId, name, steps: page(s.steps), values: page(s.values), wallTimesMs: page(s.wallTimesMs), next: to < s.steps.length ? s.steps[to - 1] : null }
      })
    },

    getWeightImages({ runId, count }): WeightImages | null {
      const run = requireRun(runId)
      if (run.config.data.kind === 'synthetic') return null
      const artifacts = store.artifacts(runId)
      return weightImages(runId, artifacts.find((a) => a.name === 'W1'), count, artifacts.find((a) => a.name === 'W1.init'))
    },

    getTheorySpectra: (runId) => (requireRun(runId), theorySpectra(runId, store.artifacts(runId))),

    setRunTags: ({ runId, tags }) => (requireRun(runId), store.setTags(runId, tags)),
    setRunNote: ({ runId, note }) => (requireRun(runId), store.setNote(runId, note)),
    renameRun: ({ runId, name }) => (requireRun(runId), store.renameRun(runId, name)),
    renameExperiment({ experimentId, name }) {
      if (!store.getExperiment(experimentId)) throw new LabError(`no experiment with id ${experimentId}`)
      store.renameExperiment(experimentId, name)
    },
    deleteRuns(runIds) {
      const busy = runIds.filter((id) => runner.holds(id))
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

    naturalFigure: (request) => asInputError(naturalFigure(store, request)),
    compareRuns: ({ spec, summary }) => asLabError(() => compareRuns(store, spec, summary)),

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
    getReproduction(experimentId) {
      if (!store.getExperiment(experimentId)) throw new LabError(`no experiment with id ${experimentId}`)
      return reproductionOf(store, experimentId)
    },

    chooseFolder() {
      throw new LabError('a folder dialog needs the desktop app: type the folder path instead')
    },

    async getDatasetSamples({ kind, source, perClass }): Promise<DatasetSamples> {
      const raw = await asInputError(loadRawImages(kind, source, { dataDir }))
      return samplesByClass(raw, catalog[kind].classNames, perClass)
    },
  }

  return {
    service,
    store,
    runner,
    on: events.on,
    /** Cancels nothing: runs still training are marked interrupted the next time the lab opens. */
    async close(): Promise<void> {
      await runner.close()
      store.close()
    },
  }
}

export type LabService = ReturnType<typeof createLabService>
