/**
 * What the lab service answers about stored runs and datasets, shaped for the contract: run and
 * experiment summaries, a run's first-layer weights as images, sample images per class. Pure
 * functions of store records and loaded data.
 */
import type { DatasetSamples, ExperimentSummary, RunActivity, RunSummary, TheorySpectra, WeightImages } from '../../src-shared/contract'
import { LabError } from '../../src-shared/contract'
import type { RawImageData } from '../data/sources'
import type { ArtifactRecord, ExperimentRecord, RunRecord } from '../store/store'

/**
 * A run as the runs table shows it, with its whole config (the table's columns and filter read any
 * field of it); `activity` is what this lab's runner is doing with it, for runs it holds.
 */
export function summarizeRun(run: RunRecord, activity: RunActivity | null = null): RunSummary {
  return { ...listedRun(run, activity), config: run.config }
}

/** A run's summary but for its config, which runs:list tells as its changes from its experiment's (src-shared/run-list.ts). */
export function listedRun(run: RunRecord, activity: RunActivity | null = null): Omit<RunSummary, 'config'> {
  return {
    id: run.id,
    experimentId: run.experimentId,
    name: run.name,
    status: run.status,
    rule: run.rule,
    seed: run.seed,
    backend: run.backend,
    trainingPath: run.trainingPath,
    stepsDone: run.stepsDone,
    totalSteps: run.totalSteps,
    activity,
    durationMs: run.durationMs,
    startedAt: run.startedAt,
    // a run whose stored config cannot be read is listed with why (one bad row never hides the lab)
    error: run.error ?? run.configError,
    finalMetrics: run.finalMetrics,
    stopReason: run.stopReason,
    tags: run.tags,
    note: run.note,
    renamed: run.renamed,
  }
}

/**
 * Each experiment with its run count, how many runs are in each status, and how many of its
 * unfinished runs this lab's runner holds in each activity (`activities`, by run id).
 */
export function summarizeExperiments(experiments: ExperimentRecord[], runs: Pick<RunRecord, 'id' | 'experimentId' | 'status'>[], activities: ReadonlyMap<number, RunActivity> = new Map()): ExperimentSummary[] {
  const byExperiment = new Map<number, Pick<RunRecord, 'id' | 'experimentId' | 'status'>[]>()
  for (const r of runs) {
    if (r.experimentId === null) continue
    const list = byExperiment.get(r.experimentId)
    if (list) list.push(r)
    else byExperiment.set(r.experimentId, [r])
  }
  return experiments.map((e) => {
    const own = byExperiment.get(e.id) ?? []
    const statusCounts: ExperimentSummary['statusCounts'] = {}
    const activityCounts: ExperimentSummary['activityCounts'] = {}
    for (const r of own) {
      // keyed-write: statuses and activities are the contract's enums
      statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1
      const activity = r.status === 'queued' || r.status === 'running' ? activities.get(r.id) : undefined
      // keyed-write: as above
      if (activity) activityCounts[activity] = (activityCounts[activity] ?? 0) + 1
    }
    return { id: e.id, name: e.name, description: e.description, createdAt: e.createdAt, runCount: own.length, statusCounts, activityCounts }
  })
}

/**
 * The first `count` hidden units of an image run's first layer W1 ([784, hidden]) as 28 × 28
 * images (columns of W1), and their change since initialisation W1 − W1(0) where the run kept its
 * initial weights (`W1.init`; runs made before the lab kept them have none). Null when the run
 * kept no W1.
 */
export function weightImages(runId: number, W1: ArtifactRecord | undefined, count: number, initial?: ArtifactRecord): WeightImages | null {
  if (!W1) return null
  if (W1.shape.length === 4) return kernelImages(runId, W1, count, initial)
  const [inputs, hidden] = W1.shape
  // A stored shape is checked against the data before it sizes anything (a crafted file's could ask for gigabytes).
  if (W1.shape.length !== 2 || inputs !== 784 || !Number.isSafeInteger(hidden) || hidden < 1 || W1.values.length !== inputs * hidden) {
    throw new LabError(`run ${runId}'s first-layer weights are damaged: shape ${JSON.stringify(W1.shape)} with ${W1.values.length} values`)
  }
  if (initial && (initial.shape.join('x') !== W1.shape.join('x') || initial.values.length !== W1.values.length)) {
    throw new LabError(`run ${runId}'s initial first-layer weights are damaged: shape ${JSON.stringify(initial.shape)} with ${initial.values.length} values, W1 has ${JSON.stringify(W1.shape)}`)
  }
  const columns = (values: Float32Array, minus?: Float32Array) => {
    const units: number[][] = []
    for (let u = 0; u < Math.min(count, hidden); u++) {
      const column = new Array<number>(inputs)
      for (let i = 0; i < inputs; i++) column[i] = values[i * hidden + u] - (minus ? minus[i * hidden + u] : 0)
      units.push(column)
    }
    return units
  }
  return { runId, imageShape: [28, 28], units: columns(W1.values), change: initial ? columns(W1.values, initial.values) : null }
}

/**
 * A conv model's first-layer kernels W1 [k, k, in, out] as images: one k×k image per output
 * channel (its first input channel's slice: the digits have one), with W1 − W1(0) beside them.
 */
function kernelImages(runId: number, W1: ArtifactRecord, count: number, initial?: ArtifactRecord): WeightImages {
  const [k, k2, cin, cout] = W1.shape
  if (k !== k2 || ![k, cin, cout].every((d) => Number.isSafeInteger(d) && d >= 1) || k > 28 || W1.values.length !== k * k * cin * cout) {
    throw new LabError(`run ${runId}'s first-layer kernels are damaged: shape ${JSON.stringify(W1.shape)} with ${W1.values.length} values`)
  }
  if (initial && (initial.shape.join('x') !== W1.shape.join('x') || initial.values.length !== W1.values.length)) {
    throw new LabError(`run ${runId}'s initial first-layer kernels are damaged: shape ${JSON.stringify(initial.shape)} with ${initial.values.length} values, W1 has ${JSON.stringify(W1.shape)}`)
  }
  const kernels = (values: Float32Array, minus?: Float32Array) =>
    Array.from({ length: Math.min(count, cout) }, (_, o) =>
      Array.from({ length: k * k }, (_, pixel) => {
        const at = pixel * cin * cout + o
        return values[at] - (minus ? minus[at] : 0)
      }),
    )
  return { runId, imageShape: [k, k], units: kernels(W1.values), change: initial ? kernels(W1.values, initial.values) : null }
}

/**
 * The spectra a run kept (artifacts `spectrum.steps` [rows], `spectrum.G` and `spectrum.H`
 * [rows, points]) as rows; null when it kept none. Shapes are checked against the data.
 */
export function theorySpectra(runId: number, artifacts: ArtifactRecord[]): TheorySpectra | null {
  const find = (name: string) => artifacts.find((a) => a.name === name)
  const steps = find('spectrum.steps')
  const G = find('spectrum.G')
  if (!steps || !G) return null
  const rows = steps.values.length
  const split = (a: ArtifactRecord): number[][] => {
    const [count, points] = a.shape
    if (a.shape.length !== 2 || count !== rows || !Number.isSafeInteger(points) || a.values.length !== rows * points) {
      throw new LabError(`run ${runId}'s ${a.name} is damaged: shape ${JSON.stringify(a.shape)} with ${a.values.length} values for ${rows} steps`)
    }
    return Array.from({ length: rows }, (_, i) => Array.from(a.values.subarray(i * points, (i + 1) * points)))
  }
  const H = find('spectrum.H')
  return { runId, steps: Array.from(steps.values), G: split(G), H: H ? split(H) : null }
}

/** The first `perClass` training images of each class, in file order. */
export function samplesByClass(raw: RawImageData, classNames: string[], perClass: number): DatasetSamples {
  const pixels = raw.rows * raw.cols
  const samples: number[][][] = classNames.map(() => [])
  for (let i = 0; i < raw.train.n; i++) {
    const bucket = samples[raw.train.labels[i]]
    if (bucket.length < perClass) bucket.push(Array.from(raw.train.images.subarray(i * pixels, (i + 1) * pixels)))
    if (samples.every((s) => s.length >= perClass)) break
  }
  return { classNames, imageShape: [raw.rows, raw.cols], samples }
}
