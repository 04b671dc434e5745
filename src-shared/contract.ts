/**
 * The contract between the lab's processes: one interface of requests, one of events, one table
 * of channel names, and the schemas main uses to validate every argument (the renderer is
 * untrusted). The preload, the browser-mode client, the main-side registration and the renderer's
 * test double are all generated from these tables. No electron, node or DOM imports.
 */
import { z } from 'zod'
import { ImageKind, ImageSource, RunStatus, type RunConfig } from './config'
import { NameSchema } from './run-names'
import { maxPixelRatio, maxRequestRunIds, maxSeriesRequestRuns, maxTags, minPixelRatio } from './limits'
import { NameText, NoteText, TagText } from './text'
import { ExperimentDraft, ExperimentRequest, type ExperimentInput } from './experiment'
import type { SummaryRow } from './analysis'
import type { Comparison } from './comparison'
import type { ReproductionReport } from './reproduction'
import { FigureFormat, FigureSpec, type FigureSpecInput } from './figure-spec'
import { RunRangesText } from './run-ranges'

export { RunStatus }
/** The image datasets the Datasets screen lists, downloads and imports (the schema's ImageKind). */
export type DatasetKind = ImageKind

export interface LabInfo {
  /** The open lab file. */
  labPath: string
  /** `electron` or `browser`. */
  mode: 'electron' | 'browser'
  workers: number
}

export interface Preset {
  name: string
  title: string
  description: string
  /** What it reproduces: the paper (authors, year, venue) or this lab's own check. */
  source: string
  /** An experiment: { name, description, base, grid }. */
  experiment: Record<string, unknown>
}

export interface ValidationResult {
  ok: boolean
  /** Runs the grid expands to, counted from its axis lengths (also when it is refused). */
  runCount: number
  issues: { path: string; message: string }[]
  /** Faults found beyond the first 20 listed in `issues`. */
  omitted?: number
  /** The most runs one experiment may expand to in this lab. */
  maxRuns?: number
  /** Things that do not stop the start but deserve a look, such as a long estimated time. */
  warnings?: string[]
  /** Estimated wall-clock time of the whole experiment on this lab's workers, in seconds (valid experiments only). */
  estimatedSeconds?: number
  /** Where the estimate's speed comes from: "from 12 runs on this machine", "from a 0.4 s calibration". */
  estimateBasis?: string
  /** The names of the first runs, in sweep order, from the experiment's name template (valid experiments only). */
  runNames?: string[]
}

export interface ExperimentSummary {
  id: number
  name: string
  description: string
  createdAt: string
  runCount: number
  statusCounts: Partial<Record<RunStatus, number>>
  /** Its unfinished runs by what this lab's workers are doing with them (runs another process trains are not counted). */
  activityCounts: Partial<Record<RunActivity, number>>
}

export interface RunSummary {
  id: number
  experimentId: number | null
  name: string | null
  status: RunStatus
  rule: string
  seed: number
  backend: string | null
  /** How its steps computed their products, one of src-shared/training-paths.ts's (null before it starts, and for runs stored before this was recorded). */
  trainingPath: string | null
  stepsDone: number
  totalSteps: number
  /** For an unfinished run this lab's runner holds: queued, starting or training; else null. */
  activity: RunActivity | null
  durationMs: number | null
  startedAt: string | null
  error: string | null
  finalMetrics: Record<string, number> | null
  /** For completed runs: `converged` (the convergence stop) or `step-limit`; stepsDone is the step it stopped at. */
  stopReason: string | null
  /** The run's whole config, as stored: the table's columns and filter read any field of it by path (src-shared/fields.ts). */
  config: RunConfig
  tags: string[]
  note: string
  /** Whether the run was renamed after it was queued (its name is then the user's, not the template's). */
  renamed: boolean
}

/** A config field's path from the config's root, key by key, and its value there. */
export type ConfigChange = [path: string[], value: unknown]

/** A run as runs:list sends it: its summary with its config told as the changes from a base (src-shared/run-list.ts). */
export interface RunRow extends Omit<RunSummary, 'config'> {
  /** Its config's base: an index into `RunList.bases`. */
  base: number
  /** Where its config differs from the base; `unpackRunList` gives back the whole config. */
  changes: ConfigChange[]
}

/**
 * runs:list's answer: one base config per experiment listed and each run's changes from it
 * (a sweep's runs share all but their swept fields). `unpackRunList` (src-shared/run-list.ts)
 * turns it into `RunSummary`s with whole configs.
 */
export interface RunList {
  bases: RunConfig[]
  runs: RunRow[]
}

export interface RunDetail extends RunSummary {
  dataset: Record<string, unknown> | null
  metricNames: string[]
  /** For an interrupted, cancelled or failed run: the step its checkpoint continues from, 0 without one (it restarts); null for other runs. */
  resumeFrom: number | null
}

export interface SeriesData {
  runId: number
  name: string
  steps: number[]
  values: number[]
  wallTimesMs: number[]
  /**
   * Where the next page starts: the step to send as `after` for the rest of the series, or null
   * when this page reaches its end (metrics:series answers a long series in pages).
   */
  next: number | null
}

export interface WeightImages {
  runId: number
  /** Image height and width. */
  imageShape: [number, number]
  /** Hidden units shown, each imageShape[0]·imageShape[1] values (a column of W1). */
  units: number[][]
  /** W1 − W1(0) for the same units; null for runs that did not keep their initial weights (made before the lab kept them). */
  change: number[][] | null
}

/**
 * The spectra of the theory's Gram matrices G and H that a run kept (src-main/engine/theory.ts):
 * one row per kept logged step, each ascending, all eigenvalues or evenly spaced order statistics.
 */
export interface TheorySpectra {
  runId: number
  steps: number[]
  G: number[][]
  /** Null for rules without H (DRTP). */
  H: number[][] | null
}

export interface DatasetEntry {
  kind: DatasetKind
  source: 'bundled' | 'download' | 'folder'
  path?: string
  trainSize: number
  testSize: number
  bytes: number
  configSource: ImageSource
}

export interface DatasetSamples {
  classNames: string[]
  imageShape: [number, number]
  /** Per class, up to `perClass` images as row-major bytes 0..255. */
  samples: number[][][]
}

/**
 * What a worker is doing with an unfinished run: none has it yet (queued), one is loading it
 * (starting: worker, backend, data), or its steps run (training).
 */
export type RunActivity = 'queued' | 'starting' | 'training'

export interface RunProgress {
  runId: number
  experimentId: number | null
  status: RunStatus
  /** For unfinished runs, what the worker is doing with it; null once the run ended. */
  activity: RunActivity | null
  step: number
  totalSteps: number
  /** The latest evaluation's measures, when there has been one. */
  metrics?: Record<string, number>
  /**
   * The step those measures were taken at (with `metrics`): `step` runs ahead of it between
   * evaluations, and a live chart that drew the measures at `step` drew a plateau never measured.
   */
  metricsStep?: number
  /** Runs finished / all runs handed to the runner since it was last idle. */
  runsDone: number
  runsTotal: number
  /**
   * Estimated milliseconds until the run's experiment (or, for a run of none, everything queued) is
   * done, at measured training speeds (this batch's runs, else the lab's speed the form quotes;
   * estimates/eta.ts); null while nothing is measured.
   */
  etaMs: number | null
}

export interface RunFinished {
  runId: number
  experimentId: number | null
  status: RunStatus
  error: string | null
  finalMetrics: Record<string, number> | null
}

export interface DownloadProgress {
  kind: DatasetKind
  file: string
  receivedBytes: number
  totalBytes: number | null
  percent: number | null
  done: boolean
  error?: string
}

/** Which runs `listRuns` answers with (its schema's input). */
export type RunFilter = RequestArgument<'listRuns'>

/**
 * What each request answers. Its argument is its schema's (`requestSchemas` below): the caller
 * sends the schema's input type, main's handler receives its output; `LabRequests` puts the two
 * together, so no argument type is written twice.
 */
export interface LabResults {
  getLabInfo: LabInfo
  listPresets: Preset[]
  validateExperiment: ValidationResult
  startExperiment: { experimentId: number; runIds: number[] }
  cancelExperiment: void
  cancelRun: void
  /** Continues an interrupted (or cancelled, or failed) run from its checkpoint; refused, saying why, without one. */
  resumeRun: void
  listExperiments: ExperimentSummary[]
  /** The runs, packed: `unpackRunList` gives each its whole config. */
  listRuns: RunList
  getRun: RunDetail
  getMetricSeries: SeriesData[]
  getWeightImages: WeightImages | null
  getTheorySpectra: TheorySpectra | null
  setRunTags: void
  setRunNote: void
  /** Renames a run: its name only; its config, and so its identity and checkpoints, stay as they are. */
  renameRun: void
  renameExperiment: void
  deleteRuns: void
  restoreRuns: void
  listDatasets: DatasetEntry[]
  importDatasetFolder: DatasetEntry
  downloadDataset: void
  getDatasetSamples: DatasetSamples
  /** A native folder dialog (desktop app only); null when the user cancels. */
  chooseFolder: string | null
  /**
   * The figure an experiment (or a choice of runs) opens on: a preset's own figure, else grouped
   * by the swept fields with bands over seeds (one line per run for a few runs).
   */
  naturalFigure: NaturalFigure
  /** A figure's data computed in main: group statistics downsampled to its resolution, with the pickers' choices and the summary. */
  compareRuns: ComparisonReply
  /** A figure over stored runs as SVG, PNG or PDF (base64), with the plotted numbers as CSV and JSON. */
  renderFigure: RenderedFigure
  saveComparison: void
  listComparisons: SavedComparison[]
  /**
   * An experiment of a preset with published numbers (resources/references) compared with them
   * cell by cell (src-shared/reproduction.ts); null for any other experiment, or one none of whose
   * completed runs falls in a cell.
   */
  getReproduction: ReproductionReport | null
}

/**
 * The figure an experiment or a choice of runs opens on, and how many runs were asked for: where
 * that is more than a figure draws (maxFigureRuns), the spec holds the first of them and the
 * screen and `fa-lab figure` say so.
 */
export interface NaturalFigure {
  spec: FigureSpec
  /** The runs of the lab the request named (the experiment's, or those of the choice the lab has). */
  runsAsked: number
}

/** What the comparison screen draws and offers, for one spec (services/figures.ts compareRuns). */
export interface ComparisonReply {
  comparison: Comparison
  /** Every measure the runs logged: the panels on offer. */
  measures: string[]
  /** Config fields that differ among the runs: grouping, splitting and (numeric ones) a sweep's x. */
  fields: { path: string; numeric: boolean }[]
  /** The first measure's final, best, min and max per group (or per run). */
  summary: SummaryRow[]
}

export interface RenderedFigure {
  base64: string
  mimeType: string
  csv: string
  json: string
}

export interface SavedComparison {
  name: string
  spec: FigureSpecInput
  updatedAt: string
}

export interface LabEvents {
  runProgress: RunProgress
  runFinished: RunFinished
  downloadProgress: DownloadProgress
}

export const requestChannels = {
  getLabInfo: 'lab:info',
  listPresets: 'presets:list',
  validateExperiment: 'experiments:validate',
  startExperiment: 'experiments:start',
  cancelExperiment: 'experiments:cancel',
  cancelRun: 'runs:cancel',
  resumeRun: 'runs:resume',
  listExperiments: 'experiments:list',
  listRuns: 'runs:list',
  getRun: 'runs:get',
  getMetricSeries: 'metrics:series',
  getWeightImages: 'runs:weights',
  getTheorySpectra: 'runs:spectra',
  setRunTags: 'runs:tags',
  setRunNote: 'runs:note',
  renameRun: 'runs:rename',
  renameExperiment: 'experiments:rename',
  deleteRuns: 'runs:delete',
  restoreRuns: 'runs:restore',
  listDatasets: 'datasets:list',
  importDatasetFolder: 'datasets:import',
  downloadDataset: 'datasets:download',
  getDatasetSamples: 'datasets:samples',
  chooseFolder: 'dialog:choose-folder',
  naturalFigure: 'figures:natural',
  compareRuns: 'figures:compare',
  renderFigure: 'figures:render',
  saveComparison: 'comparisons:save',
  listComparisons: 'comparisons:list',
  getReproduction: 'experiments:reproduction',
} as const satisfies Record<keyof LabResults, string>

export const eventChannels = {
  runProgress: 'runs:progress',
  runFinished: 'runs:finished',
  downloadProgress: 'datasets:download-progress',
} as const satisfies Record<keyof LabEvents, string>

const id = z.int().positive()
/**
 * A schema whose own input type is `unknown` (it screens raw values, or upgrades older shapes,
 * before its object schema) typed with the shape callers are to send.
 */
const sentAs = <Input>() => <S extends z.ZodType>(schema: S) => schema as S & z.ZodType<z.output<S>, Input>
const FigureSpecArgument = sentAs<FigureSpecInput>()(FigureSpec)

/**
 * Argument schemas, checked by main before any service is called. `undefined` marks requests
 * without an argument. Experiments to start are checked against the experiment schema here and
 * their run configs in depth by the service (expandExperiment); experiments to validate are
 * checked only by the service, whose answer is the list of faults.
 */
export const requestSchemas = {
  getLabInfo: z.undefined(),
  listPresets: z.undefined(),
  validateExperiment: ExperimentDraft,
  startExperiment: sentAs<ExperimentInput>()(ExperimentRequest),
  cancelExperiment: id,
  cancelRun: id,
  resumeRun: id,
  listExperiments: z.undefined(),
  listRuns: z.strictObject({ experimentId: id.optional(), status: z.array(RunStatus).optional() }),
  getRun: id,
  getMetricSeries: z.strictObject({
    runIds: z.array(id).max(maxSeriesRequestRuns),
    name: z.string().min(1).max(200),
    /** The page after this step (a reply's `next`); from the start when absent. */
    after: z.number().optional(),
    /** The whole series thinned to one page (each bucket's extremes kept) instead of pages. */
    thin: z.boolean().optional(),
  }),
  getWeightImages: z.strictObject({ runId: id, count: z.int().min(1).max(256) }),
  getTheorySpectra: id,
  setRunTags: z.strictObject({ runId: id, tags: z.array(TagText).max(maxTags) }),
  setRunNote: z.strictObject({ runId: id, note: NoteText }),
  renameRun: z.strictObject({ runId: id, name: NameSchema }),
  renameExperiment: z.strictObject({ experimentId: id, name: NameSchema }),
  deleteRuns: z.array(id).min(1).max(maxRequestRunIds),
  restoreRuns: z.array(id).min(1).max(maxRequestRunIds),
  listDatasets: z.undefined(),
  importDatasetFolder: z.strictObject({ kind: ImageKind, dir: z.string().min(1).max(4096) }),
  downloadDataset: ImageKind,
  getDatasetSamples: z.strictObject({ kind: ImageKind, source: ImageSource, perClass: z.int().min(1).max(50) }),
  chooseFolder: z.undefined(),
  /** An experiment, a list of run ids, or ranges of them (`1-10500`, src-shared/run-ranges.ts): the bound is the text's length, not the runs it names. */
  naturalFigure: z.union([z.strictObject({ experimentId: id }), z.strictObject({ runIds: z.array(id).min(1).max(maxRequestRunIds) }), z.strictObject({ runs: RunRangesText })]),
  compareRuns: z.strictObject({ spec: FigureSpecArgument, summary: z.enum(['groups', 'runs']).optional() }),
  renderFigure: z.strictObject({ spec: FigureSpecArgument, format: FigureFormat, pixelRatio: z.number().min(minPixelRatio).max(maxPixelRatio).optional() }),
  saveComparison: z.strictObject({ name: NameText.min(1), spec: FigureSpecArgument }),
  listComparisons: z.undefined(),
  getReproduction: id,
} satisfies Record<keyof LabResults, z.ZodType>

type RequestName = keyof LabResults
/** A request's argument as the caller sends it (the schema's input type). */
export type RequestArgument<K extends RequestName> = z.input<(typeof requestSchemas)[K]>
/**
 * Handlers are typed with the caller's argument (services are also called directly, by the CLI and
 * tests); main hands them the schema's output, validated and with its defaults. That is sound
 * because every schema's output is one of its inputs, which this line checks for each request.
 */
const outputsAreInputs: { [K in RequestName]: z.output<(typeof requestSchemas)[K]> extends RequestArgument<K> ? true : false } = {} as { [K in RequestName]: true }
void outputsAreInputs
/** No parameter for requests whose schema takes none, else the one argument. */
type Parameter<T> = [T] extends [undefined] ? [] : [argument: T]

/** Requests: each takes at most one argument (its schema's input) and answers with a value (`LabResults`). */
export type LabRequests = { [K in RequestName]: (...args: Parameter<RequestArgument<K>>) => LabResults[K] }

/** The renderer's view of the lab: every request returns a promise; events come by subscription. */
export type LabApi = {
  [K in keyof LabRequests]: (...args: Parameters<LabRequests[K]>) => Promise<ReturnType<LabRequests[K]>>
} & {
  on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void): () => void
}

/** What main implements: each request's handler, answering directly or with a promise. */
export type LabHandlers = {
  [K in RequestName]: (argument: RequestArgument<K>) => LabResults[K] | Promise<LabResults[K]>
}

/** An error a request ended with, carried across the process boundary as plain data. */
export interface WireError {
  message: string
  issues?: { path: string; message: string }[]
}

/** The one error class of the contract: thrown by main for a request's own faults, rethrown by every client. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message)
    this.name = 'LabError'
  }

  /** The error as it crosses the process boundary (plain data, so the issue list survives). */
  static toWire(error: unknown): WireError {
    const wire: WireError = { message: error instanceof Error ? error.message : String(error) }
    if (error instanceof LabError && error.issues.length) wire.issues = error.issues
    return wire
  }

  static fromWire(wire: WireError): LabError {
    return new LabError(wire.message, wire.issues ?? [])
  }
}

/** What one request answers across a transport: its result, or its error as data. */
export type Reply = { result: unknown; error?: undefined } | { error: WireError; result?: undefined }

/** A reply's result, or its error rethrown as a LabError (the preload and the browser client). */
export function unwrapReply(reply: Reply): unknown {
  if (reply.error) throw LabError.fromWire(reply.error)
  return reply.result
}

/**
 * Builds a LabApi from a transport: `invoke(channel, argument)` sends one request, `subscribe`
 * listens to one event channel. Used by the preload, the browser-mode client and the test double.
 */
export function createLabApi(
  invoke: (channel: string, argument: unknown) => Promise<unknown>,
  subscribe: (channel: string, listener: (payload: unknown) => void) => () => void,
): LabApi {
  const api: Record<string, unknown> = {}
  // keyed-write: the keys are the contract's own request names
  for (const [name, channel] of Object.entries(requestChannels)) api[name] = (argument?: unknown) => invoke(channel, argument)
  api.on = (event: keyof LabEvents, listener: (payload: unknown) => void) => subscribe(eventChannels[event], listener)
  return api as LabApi
}

/**
 * A request's faults as `path: message` pairs. Where the argument matches none of a union's forms
 * (`{experimentId}` or `{runIds}`), the faults of the one form whose keys it uses are named (a list
 * of run ids too long), not zod's bare 'Invalid input'.
 */
function requestIssues(issues: readonly z.core.$ZodIssue[], at: PropertyKey[] = []): { path: string; message: string }[] {
  return issues.flatMap((issue) => {
    const path = [...at, ...issue.path]
    if (issue.code === 'invalid_union') {
      const forms = issue.errors.filter((form) => !form.some((i) => i.code === 'unrecognized_keys'))
      if (forms.length === 1) return requestIssues(forms[0], path)
    }
    return [{ path: path.map(String).join('.'), message: issue.message }]
  })
}

/** A request handler table keyed by channel, validating arguments before calling the service. */
export function dispatchTable(service: LabHandlers): Map<string, (argument: unknown) => Promise<unknown>> {
  const table = new Map<string, (argument: unknown) => Promise<unknown>>()
  for (const name of Object.keys(requestChannels) as RequestName[]) {
    const schema = requestSchemas[name] as z.ZodType
    const handler = service[name] as (argument: unknown) => unknown
    table.set(requestChannels[name], async (argument) => {
      const parsed = schema.safeParse(argument)
      if (!parsed.success) {
        const issues = requestIssues(parsed.error.issues)
        throw new LabError(`invalid argument for ${name}: ${issues.map((i) => `${i.path || '(argument)'}: ${i.message}`).join('; ')}`, issues)
      }
      return handler.call(service, parsed.data)
    })
  }
  return table
}
