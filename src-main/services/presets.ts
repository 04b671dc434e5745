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

/**
 * A preset's own figure: a figure spec without run ids, and the field that splits it into panels
 * (one per value: the paper's one panel per activation).
 */
export interface PresetFigure {
  spec: Record<string, unknown>
  panelsBy?: string
}

/**
 * The figure spec of preset `name` (`song2021-width`) over the runs of the newest experiment in the
 * lab made from it (quick or full), or null when `name` is not a preset with a figure.
 */
export async function presetFigureSpec(store: Store, name: string, dir = join(resourcesDir(), 'presets')): Promise<Record<string, unknown> | null> {
  const file = join(dir, `${name}.json`)
  if (!/^[\w.-]+$/.test(name)) return null
  let figure: PresetFigure | undefined
  try {
    figure = (JSON.parse(await readFile(file, 'utf8')) as { figure?: PresetFigure }).figure
  } catch {
    return null
  }
  if (!figure) return null
  const experiment = store
    .listExperiments()
    .filter((e) => e.name.startsWith(`${name} (`))
    .at(-1)
  if (!experiment) throw new Error(`no experiment of the preset ${name} in ${store.path}: run it first (fa-lab run --preset ${name} --db ${store.path})`)
  const runIds = store.listRuns({ experimentId: experiment.id, status: ['completed'] }).map((r) => r.id)
  if (runIds.length === 0) throw new Error(`experiment ${experiment.id} (${experiment.name}) has no completed runs yet`)
  const spec: Record<string, unknown> = { ...figure.spec, runIds }
  if (!figure.panelsBy) return spec
  // One panel per value of panelsBy where figure specs have panels (splitBy); else the panel field
  // joins the grouping, so every line stays distinguishable in one panel.
  const panelled = { ...spec, splitBy: figure.panelsBy }
  if (FigureSpec.safeParse(panelled).success) return panelled
  return { ...spec, groupBy: [figure.panelsBy, ...((spec.groupBy as string[] | undefined) ?? [])] }
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
