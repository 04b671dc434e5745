/**
 * Presets shipped in resources/presets: each file holds a full-scale experiment and a quick one
 * (a few minutes on a 2-core laptop), listed as `<name>:quick` and `<name>:full`.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Preset } from '../../src-shared/contract'
import { FigureSpec } from '../../src-shared/figure-spec'
import { resourcesDir } from '../lib/paths'
import type { Store } from '../store/store'
import { experimentPreset } from './reproduction'

/**
 * A preset's own figure: a figure spec without run ids, and the field that splits it into panels
 * (one per value: the paper's one panel per activation).
 */
export interface PresetFigure {
  spec: Record<string, unknown>
  panelsBy?: string
}

/** The `figure` of preset file `name`, or null when it is not a preset or has no figure. */
async function readPresetFigure(name: string, dir: string): Promise<PresetFigure | null> {
  if (!/^[\w.-]+$/.test(name)) return null
  try {
    return (JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as { figure?: PresetFigure }).figure ?? null
  } catch {
    return null
  }
}

/** A preset figure's spec over `runIds`: one panel per value of panelsBy (the paper's one panel per activation). */
function presetSpec(figure: PresetFigure, runIds: number[]): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...figure.spec, runIds }
  if (!figure.panelsBy) return spec
  // One panel per value of panelsBy where figure specs have panels (splitBy); else the panel field
  // joins the grouping, so every line stays distinguishable in one panel.
  const panelled = { ...spec, splitBy: figure.panelsBy }
  if (FigureSpec.safeParse(panelled).success) return panelled
  return { ...spec, groupBy: [figure.panelsBy, ...((spec.groupBy as string[] | undefined) ?? [])] }
}

/**
 * The figure spec of preset `name` (`song2021-width`) over the runs of the newest experiment in the
 * lab made from it (quick or full), or null when `name` is not a preset with a figure.
 */
export async function presetFigureSpec(store: Store, name: string, dir = join(resourcesDir(), 'presets')): Promise<Record<string, unknown> | null> {
  const figure = await readPresetFigure(name, dir)
  if (!figure) return null
  // by the preset it was made from, so a renamed experiment is still found
  const experiment = store
    .listExperiments()
    .filter((e) => experimentPreset(e) === name)
    .at(-1)
  if (!experiment) throw new Error(`no experiment of the preset ${name} in ${store.path}: run it first (fa-lab run --preset ${name} --db ${store.path})`)
  const runIds = store.listRuns({ experimentId: experiment.id, status: ['completed'] }).map((r) => r.id)
  if (runIds.length === 0) throw new Error(`experiment ${experiment.id} (${experiment.name}) has no completed runs yet`)
  return presetSpec(figure, runIds)
}

/**
 * The preset's own figure over `runIds` when experiment `experimentId` was made from a preset with
 * a figure (its definition carries the preset's quick or full name, whatever it was renamed to), else null.
 */
export async function presetFigureOfExperiment(store: Store, experimentId: number, runIds: number[], dir = join(resourcesDir(), 'presets')): Promise<Record<string, unknown> | null> {
  const definition = store.getExperiment(experimentId)?.definition as { name?: unknown } | undefined
  const match = typeof definition?.name === 'string' ? /^([\w.-]+) \((quick|full)\)$/.exec(definition.name) : null
  if (!match) return null
  const figure = await readPresetFigure(match[1], dir)
  return figure ? presetSpec(figure, runIds) : null
}

export async function listPresets(dir = join(resourcesDir(), 'presets')): Promise<Preset[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
  const presets: Preset[] = []
  for (const file of files) {
    const name = file.replace(/\.json$/, '')
    const preset = JSON.parse(await readFile(join(dir, file), 'utf8')) as { title: string; description: string; sources?: string; quick: Record<string, unknown>; full: Record<string, unknown> }
    presets.push({ name: `${name}:quick`, title: `${preset.title} (quick)`, description: preset.description, source: preset.sources ?? '', experiment: preset.quick })
    if (JSON.stringify(preset.full) !== JSON.stringify(preset.quick)) presets.push({ name: `${name}:full`, title: `${preset.title} (full)`, description: preset.description, source: preset.sources ?? '', experiment: preset.full })
  }
  return presets
}

/** A preset's experiment by `name` (quick unless `:full` is asked for or `full` is set). */
export async function findPreset(name: string, full = false): Promise<Preset> {
  const wanted = name.includes(':') ? name : `${name}:${full ? 'full' : 'quick'}`
  const presets = await listPresets()
  const preset = presets.find((p) => p.name === wanted) ?? presets.find((p) => p.name === `${name.split(':')[0]}:quick` && !full)
  if (!preset) throw new Error(`no preset named '${name}': ${[...new Set(presets.map((p) => p.name.split(':')[0]))].join(', ')}`)
  return preset
}
