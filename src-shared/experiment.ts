/**
 * Experiments: a base run config plus a grid over config paths, expanded to the cartesian product
 * of the grid's lists (first key varies slowest). Pure: no node, electron or DOM imports.
 */
import { z } from 'zod'
import { ConfigError, describeIssues, RunConfig, type RunConfigInput } from './config'
import { forbiddenKeyMessage, forbiddenKeys, structureIssues } from './input'
import { defaultResourceLimits, estimateResources, resourceFault, type ResourceLimits } from './resources'

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

/** Runs an experiment may expand to unless the user raises the limit (`--max-runs`, the lab's setting). */
export const defaultMaxRuns = 10_000

export interface ExpandOptions {
  /** Most runs the grid may expand to (default `defaultMaxRuns`). */
  maxRuns?: number
  /** What one run may need; runs beyond it are refused with their estimate. */
  limits?: ResourceLimits
}

/** Number of runs a grid expands to (product of list lengths; 1 for an empty grid). */
export function gridSize(grid: Record<string, unknown[]>): number {
  return Object.values(grid).reduce((n, list) => n * list.length, 1)
}

/**
 * The number of runs an experiment expands to, counted from its axis lengths without expanding
 * anything, or null when it has no countable grid.
 */
export function countRuns(input: unknown): number | null {
  if (!input || typeof input !== 'object' || !Object.hasOwn(input, 'grid')) return input && typeof input === 'object' ? 1 : null
  const grid = (input as { grid: unknown }).grid
  if (!grid || typeof grid !== 'object' || Array.isArray(grid)) return null
  let count = 1
  for (const key of Object.keys(grid)) {
    const list = (grid as Record<string, unknown>)[key]
    if (!Array.isArray(list)) return null
    count *= list.length
  }
  return count
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
  Object.defineProperty(node, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true })
}

/** Whether the object holding the path's last key exists in `config` (own properties only). */
function parentExists(config: unknown, path: string[]): boolean {
  let node = config
  for (const key of path.slice(0, -1)) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return false
    node = (node as Record<string, unknown>)[key]
  }
  return !!node && typeof node === 'object' && !Array.isArray(node)
}

/** Faults of a grid path's segments: empty ones, and names that reach an object's prototype. */
function pathFault(path: string): string | null {
  const segments = path.split('.')
  const forbidden = segments.find((s) => forbiddenKeys.has(s))
  if (forbidden) return forbiddenKeyMessage(forbidden)
  if (segments.some((s) => s === '')) return 'a config path is field names joined by dots, with no empty segment'
  return null
}

/**
 * Validates an experiment and expands it to run configs. Refuses, naming each fault, a key that
 * reaches an object's prototype, a grid of more than `maxRuns` runs (counted before anything is
 * expanded), an invalid base, an unknown path, an empty list, any value the run schema refuses at
 * its place, and a run that cannot fit in a worker's memory.
 */
export function expandExperiment(input: unknown, options: ExpandOptions = {}): { experiment: ExperimentConfig; runs: ExpandedRun[] } {
  const maxRuns = options.maxRuns ?? defaultMaxRuns
  const limits = options.limits ?? defaultResourceLimits
  const unsafe = structureIssues(input)
  if (unsafe.length) throw new ConfigError(unsafe, 'experiment')
  const parsed = ExperimentConfig.safeParse(input)
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error), 'experiment')
  const experiment = parsed.data
  const issues: { path: string; message: string }[] = []
  const total = gridSize(experiment.grid)
  if (total > maxRuns) {
    throw new ConfigError([{ path: 'grid', message: `expands to ${total.toLocaleString('en-US')} runs, more than the limit of ${maxRuns.toLocaleString('en-US')}: shorten the grid's lists, or raise the limit (--max-runs, or the lab's maximum runs setting)` }], 'experiment')
  }
  const base = RunConfig.safeParse(experiment.base)
  if (!base.success) {
    // The grid may supply what the base lacks, so only report base faults not covered by a grid path.
    for (const issue of describeIssues(base.error)) if (!Object.hasOwn(experiment.grid, issue.path)) issues.push({ path: `base.${issue.path}`, message: issue.message })
  }
  const resolvedBase = base.success ? base.data : experiment.base
  for (const [path, values] of Object.entries(experiment.grid)) {
    const fault = pathFault(path)
    if (fault) issues.push({ path: `grid.${path}`, message: fault })
    else if (values.length === 0) issues.push({ path: `grid.${path}`, message: 'empty list: a grid axis needs at least one value' })
    else if (!parentExists(resolvedBase, path.split('.'))) issues.push({ path: `grid.${path}`, message: 'unknown config path' })
  }
  if (issues.length) throw new ConfigError(issues, 'experiment')

  const axes = Object.entries(experiment.grid)
  const runs: ExpandedRun[] = []
  const seen = new Set<string>()
  const report = (key: string, issue: { path: string; message: string }) => {
    if (seen.has(key)) return
    seen.add(key)
    issues.push(issue)
  }
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
    const where = (path: string) => {
      const axis = axes.find(([p]) => path === p || path.startsWith(`${p}.`))
      return axis ? `grid.${axis[0]} = ${JSON.stringify(point[axis[0]])}` : `run ${index} (${JSON.stringify(point)}): ${path}`
    }
    const result = RunConfig.safeParse(raw)
    if (!result.success) {
      for (const issue of describeIssues(result.error)) report(`${issue.path}: ${issue.message}`, { path: where(issue.path), message: issue.message })
      continue
    }
    const fault = resourceFault(estimateResources(result.data), limits)
    if (fault) {
      report(fault, { path: axes.length ? `run ${index} (${JSON.stringify(point)})` : 'base', message: fault })
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
