/**
 * Reproductions: a preset's published numbers (resources/references/NAME.json, validated by the
 * shared schema) compared with an experiment's runs. The comparison itself is
 * src-shared/reproduction.ts; this file finds the reference, the experiment and its runs.
 */
import { readFileSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '../../src-shared/config'
import type { Comparison, ReferenceOverlay } from '../../src-shared/comparison'
import { LabError } from '../../src-shared/contract'
import type { FigureSpec } from '../../src-shared/figure-spec'
import { compareWithReference, ReferenceFile, referenceOverlay, type ReproductionReport } from '../../src-shared/reproduction'
import { resourcesDir } from '../lib/paths'
import type { ExperimentRecord, Store } from '../store/store'

/** A reference file larger than this is refused before it is read (the largest shipped is about 40 KB). */
export const maxReferenceBytes = 1 << 20

export function referencesDir(): string {
  return join(resourcesDir(), 'references')
}

/**
 * The preset an experiment was made from (`song2021-width (quick)` → `song2021-width`), or null:
 * by the name its definition was made with, so a renamed experiment keeps its preset, else by its name.
 */
export function experimentPreset(experiment: Pick<ExperimentRecord, 'name'> & { definition?: unknown }): string | null {
  const made = (experiment.definition as { name?: unknown } | undefined)?.name
  const preset = (name: unknown) => (typeof name === 'string' ? (/^([\w.-]+) \((quick|full)\)$/.exec(name)?.[1] ?? null) : null)
  return preset(made) ?? preset(experiment.name)
}

/**
 * The published numbers shipped for preset `name`, or null when it has none. A file that fails
 * the schema throws a ConfigError naming the file and the field.
 */
export async function loadReference(name: string, dir = referencesDir()): Promise<ReferenceFile | null> {
  return readReference(name, dir)
}

/** loadReference, synchronously: the figures read it where they read the runs' series (a file of at most maxReferenceBytes). */
export function readReference(name: string, dir = referencesDir()): ReferenceFile | null {
  if (!/^[\w.-]+$/.test(name)) throw new ConfigError([{ path: '', message: `'${name}' is not a preset name (letters, digits, '.', '_' and '-')` }], 'preset name')
  const file = join(dir, `${name}.json`)
  let size: number
  try {
    size = statSync(file).size
  } catch {
    return null
  }
  if (size > maxReferenceBytes) throw new ConfigError([{ path: '', message: `${size} bytes, more than the ${maxReferenceBytes} a reference file may have` }], file)
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new ConfigError([{ path: '', message: `not JSON (${error instanceof Error ? error.message : String(error)})` }], file)
  }
  const parsed = ReferenceFile.safeParse(json)
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })), file)
  if (parsed.data.preset !== name) throw new ConfigError([{ path: 'preset', message: `'${parsed.data.preset}', not '${name}'` }], file)
  return parsed.data
}

/** The presets that ship published numbers (resources/references/NAME.json), by name. */
export async function referenceNames(dir = referencesDir()): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort()
}

/** The newest experiment in the lab made from preset `name` (quick or full, or only the full one) whose runs have all finished; null if none. */
export function newestFinishedExperiment(store: Store, name: string, full?: boolean): ExperimentRecord | null {
  const candidates = store
    .listExperiments()
    .filter((e) => experimentPreset(e) === name && (full === undefined || e.name.endsWith(full ? '(full)' : '(quick)')))
    .reverse()
  return candidates.find((e) => store.listRuns({ experimentId: e.id, status: ['queued', 'running'] }).length === 0 && store.listRuns({ experimentId: e.id, status: ['completed'] }).length > 0) ?? null
}

/** Compares the completed runs of experiment `experimentId` with `reference`. */
export function experimentReproduction(store: Store, experimentId: number, reference: ReferenceFile): ReproductionReport {
  const runs = store.listRuns({ experimentId, status: ['completed'] })
  return compareWithReference(
    reference,
    runs.map((r) => ({ runId: r.id, config: r.config, finalMetrics: r.finalMetrics, stopReason: r.stopReason })),
  )
}

/**
 * The reproduction of an experiment of a preset that has published numbers, for the screen; null
 * for an experiment not made from such a preset, or one none of whose runs falls in a cell.
 */
export async function reproductionOf(store: Store, experimentId: number, dir = referencesDir()): Promise<ReproductionReport | null> {
  const experiment = store.getExperiment(experimentId)
  if (!experiment) throw new Error(`no experiment ${experimentId} in ${store.path}`)
  const preset = experimentPreset(experiment)
  const reference = preset ? await loadReference(preset, dir) : null
  if (!reference) return null
  const report = experimentReproduction(store, experimentId, reference)
  return report.total > 0 ? report : null
}

/**
 * The published points a figure draws where its spec names a reference (`reference:
 * 'song2021-width'`): the reference's cells over the comparison's lines (referenceOverlay). A name
 * with no reference file is refused, naming the file it looked for.
 */
export function figureReferences(spec: FigureSpec, comparison: Comparison, runs: readonly { id: number; config: unknown }[], dir = referencesDir()): ReferenceOverlay | undefined {
  if (!spec.reference) return undefined
  const reference = readReference(spec.reference, dir)
  if (!reference) throw new LabError(`figure: no published numbers for '${spec.reference}' (no ${join(dir, `${spec.reference}.json`)})`)
  return referenceOverlay(reference, spec, comparison, new Map(runs.map((r) => [r.id, r.config])))
}
