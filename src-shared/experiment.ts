/**
 * Experiments: a base run config plus a grid over config paths, expanded to the cartesian product
 * of the grid's lists (first key varies slowest). Pure: no node, electron or DOM imports.
 */
import { z } from 'zod'
import { ConfigError, describeIssues, RunConfig, type RunConfigInput } from './config'

export const ExperimentConfig = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  base: z.record(z.string(), z.unknown()),
  grid: z.record(z.string().min(1), z.array(z.unknown())).default({}),
})
export type ExperimentConfig = z.infer<typeof ExperimentConfig>

export interface ExpandedRun {
  sweepIndex: number
  /** The grid values of this run, by path. */
  point: Record<string, unknown>
  config: RunConfig
}

/** Number of runs a grid expands to (product of list lengths; 1 for an empty grid). */
export function gridSize(grid: Record<string, unknown[]>): number {
  return Object.values(grid).reduce((n, list) => n * list.length, 1)
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
  node[path[path.length - 1]] = value
}

/** Whether the object holding the path's last key exists in `config`. */
function parentExists(config: unknown, path: string[]): boolean {
  let node = config
  for (const key of path.slice(0, -1)) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !(key in node)) return false
    node = (node as Record<string, unknown>)[key]
  }
  return !!node && typeof node === 'object' && !Array.isArray(node)
}

/**
 * Validates an experiment and expands it to run configs. Refuses, naming each fault, an invalid
 * base, an unknown path, an empty list, or any value the run schema refuses at its place.
 */
export function expandExperiment(input: unknown): { experiment: ExperimentConfig; runs: ExpandedRun[] } {
  const parsed = ExperimentConfig.safeParse(input)
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error), 'experiment')
  const experiment = parsed.data
  const issues: { path: string; message: string }[] = []
  const base = RunConfig.safeParse(experiment.base)
  if (!base.success) {
    // The grid may supply what the base lacks, so only report base faults not covered by a grid path.
    for (const issue of describeIssues(base.error)) if (!(issue.path in experiment.grid)) issues.push({ path: `base.${issue.path}`, message: issue.message })
  }
  const resolvedBase = base.success ? base.data : experiment.base
  for (const [path, values] of Object.entries(experiment.grid)) {
    if (values.length === 0) issues.push({ path: `grid.${path}`, message: 'empty list: a grid axis needs at least one value' })
    else if (!parentExists(resolvedBase, path.split('.'))) issues.push({ path: `grid.${path}`, message: 'unknown config path' })
  }
  if (issues.length) throw new ConfigError(issues, 'experiment')

  const axes = Object.entries(experiment.grid)
  const total = gridSize(experiment.grid)
  const runs: ExpandedRun[] = []
  const seen = new Set<string>()
  for (let index = 0; index < total; index++) {
    const raw = structuredClone(resolvedBase) as Record<string, unknown>
    const point: Record<string, unknown> = {}
    let rest = index
    for (let a = axes.length - 1; a >= 0; a--) {
      const [path, values] = axes[a]
      const value = values[rest % values.length]
      rest = Math.floor(rest / values.length)
      point[path] = value
      setPath(raw, path.split('.'), structuredClone(value))
    }
    const result = RunConfig.safeParse(raw)
    if (!result.success) {
      for (const issue of describeIssues(result.error)) {
        const key = `${issue.path}: ${issue.message}`
        if (seen.has(key)) continue
        seen.add(key)
        const axis = axes.find(([p]) => issue.path === p || issue.path.startsWith(`${p}.`))
        issues.push({ path: axis ? `grid.${axis[0]} = ${JSON.stringify(point[axis[0]])}` : `run ${index} (${JSON.stringify(point)}): ${issue.path}`, message: issue.message })
      }
      continue
    }
    const ordered: Record<string, unknown> = {}
    for (const [path] of axes) ordered[path] = point[path]
    runs.push({ sweepIndex: index, point: ordered, config: result.data })
  }
  if (issues.length) throw new ConfigError(issues, 'experiment')
  return { experiment, runs }
}

/** An experiment from a single run config (no grid). */
export function singleRunExperiment(config: RunConfigInput, name = 'single run'): ExperimentConfig {
  return { name, description: '', base: config as Record<string, unknown>, grid: {} }
}
