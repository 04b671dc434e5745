/**
 * Presets shipped in resources/presets: each file holds a full-scale experiment and a quick one
 * (a few minutes on a 2-core laptop), listed as `<name>:quick` and `<name>:full`.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Preset } from '../../src-shared/contract'
import { resourcesDir } from '../lib/paths'

export async function listPresets(dir = join(resourcesDir(), 'presets')): Promise<Preset[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
  const presets: Preset[] = []
  for (const file of files) {
    const name = file.replace(/\.json$/, '')
    const preset = JSON.parse(await readFile(join(dir, file), 'utf8')) as { title: string; description: string; quick: Record<string, unknown>; full: Record<string, unknown> }
    presets.push({ name: `${name}:quick`, title: `${preset.title} (quick)`, description: preset.description, experiment: preset.quick })
    if (JSON.stringify(preset.full) !== JSON.stringify(preset.quick)) presets.push({ name: `${name}:full`, title: `${preset.title} (full)`, description: preset.description, experiment: preset.full })
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
