/**
 * Experiments: a base run config, optional variants (each a set of values merged into the base and
 * its own grid), a shared grid (cartesian, first key slowest) and linked axes (`zip`: lists of one
 * length that vary together). Runs = Σ over variants of (its grid) × the shared grid × the zip
 * length, in that order: variant slowest, zip fastest. Pure: no node, electron or DOM imports.
 */
import { z } from 'zod'
import { ConfigError, describeIssues, RunConfig, type RunConfigInput } from './config'
import { forbiddenKeyMessage, forbiddenKeys, structureIssues } from './input'
import { defaultNameTemplate, fillTemplate, parseTemplate } from './run-names'
import { DescriptionText, NameText } from './text'
import { defaultResourceLimits, estimateResources, resourceFault, type ResourceLimits } from './run-cost'

const Axes = z.record(z.string().min(1), z.array(z.unknown()))

export const Variant = z.strictObject({
  /** A short label for run names (`relu`); defaults to the variant's `set` values. */
  name: NameText.min(1).optional(),
  /** Config values merged into the base for this variant, by path. */
  set: z.record(z.string().min(1), z.unknown()).default({}),
  /** This variant's own cartesian axes, crossed with the shared grid. */
  grid: Axes.default({}),
})
export type Variant = z.infer<typeof Variant>

export const ExperimentConfig = z.strictObject({
  name: z.string().min(1).pipe(NameText),
  description: DescriptionText.default(''),
  base: z.record(z.string(), z.unknown()),
  grid: Axes.default({}),
  variants: z.array(Variant).default([]),
  /** Linked axes: every list has the same length and the i-th values go together. */
  zip: Axes.default({}),
  /**
   * The runs differ only in the swept fields and start from one initialisation: runs with the same
   * seed draw identical weights and feedback matrices (see README, Seeds). Sweeping a field that
   * changes the initialisation (the network's shape, its init law, the data) is refused.
   */
  sharedInit: z.boolean().default(false),
  /**
   * How runs are named: text with `{path}` placeholders filled per run (`FA λ={regularization.outputL2}
   * p={model.hidden}`, `{variant}` for the variant's name). Default: defaultNameTemplate.
   */
  nameTemplate: z.string().optional(),
})
export type ExperimentConfig = z.infer<typeof ExperimentConfig>
export type ExperimentInput = z.input<typeof ExperimentConfig>

/**
 * An experiment as a request to start it: prototype-machinery keys and runaway nesting refused
 * first (nothing else reads such input), then the experiment schema; the run configs inside are
 * checked in depth by expandExperiment.
 */
export const ExperimentRequest = z
  .unknown()
  .superRefine((value, ctx) => {
    for (const issue of structureIssues(value)) ctx.addIssue({ code: 'custom', path: issue.path ? issue.path.split('.') : [], message: issue.message })
  })
  .pipe(ExperimentConfig)

/**
 * An experiment as a request to validate it: validation's answer is the list of faults, so any
 * value is accepted here and every fault comes back as data in the ValidationResult (never as a
 * refused request).
 */
export const ExperimentDraft = z.custom<ExperimentInput>(() => true)

export interface ExpandedRun {
  sweepIndex: number
  /** Index of the variant this run comes from (0 when the experiment has none). */
  variant: number
  /** What sets this run apart, by path: the variant's `set` values, then its grid, the shared grid and the zip. */
  point: Record<string, unknown>
  /** The variant's label, when it has one. */
  label?: string
  /** The run's name: the experiment's name template filled with this run's values. */
  name: string
  config: RunConfig
}

/** Runs an experiment may expand to unless the user raises the limit (`--max-runs`, the lab's setting). */
export const defaultMaxRuns = 10_000

export interface ExpandOptions {
  /** Most runs the experiment may expand to (default `defaultMaxRuns`). */
  maxRuns?: number
  /** What one run may need; runs beyond it are refused with their estimate. */
  limits?: ResourceLimits
}

/** Number of runs a grid expands to (product of list lengths; 1 for an empty grid). */
export function gridSize(grid: Record<string, unknown[]>): number {
  return Object.values(grid).reduce((n, list) => n * list.length, 1)
}

/** Length of the linked axes (1 when there are none; the first list's length when they disagree). */
export function zipLength(zip: Record<string, unknown[]>): number {
  const lengths = Object.values(zip).map((l) => l.length)
  return lengths.length ? lengths[0] : 1
}

/** Runs an experiment expands to, counted from the axis lengths without expanding anything. */
export function experimentSize(experiment: Pick<ExperimentConfig, 'grid' | 'variants' | 'zip'>): number {
  const variants = experiment.variants.length ? experiment.variants : [{ grid: {} }]
  const perVariant = variants.reduce((n, v) => n + gridSize(v.grid ?? {}), 0)
  return perVariant * gridSize(experiment.grid) * zipLength(experiment.zip)
}

/** A record of lists (a grid or a zip) as its list lengths, or null when it is not one. */
function axisLengths(axes: unknown): number[] | null {
  if (axes === undefined) return []
  if (!axes || typeof axes !== 'object' || Array.isArray(axes)) return null
  const lengths: number[] = []
  for (const key of Object.keys(axes)) {
    const list = (axes as Record<string, unknown>)[key]
    if (!Array.isArray(list)) return null
    lengths.push(list.length)
  }
  return lengths
}

/**
 * The number of runs an experiment expands to — Σ over variants of (its grid) × the shared grid ×
 * the zip length — counted from its axis lengths without expanding anything, or null when its
 * axes are not countable. A run config alone counts 1.
 */
export function countRuns(input: unknown): number | null {
  if (!input || typeof input !== 'object') return null
  if (!['grid', 'variants', 'zip'].some((k) => Object.hasOwn(input, k))) return 1
  const { grid, variants, zip } = input as { grid?: unknown; variants?: unknown; zip?: unknown }
  const shared = axisLengths(grid)
  const linked = axisLengths(zip)
  if (!shared || !linked) return null
  let perVariant = 1
  if (variants !== undefined) {
    if (!Array.isArray(variants)) return null
    if (variants.length) {
      perVariant = 0
      for (const v of variants) {
        const own = v && typeof v === 'object' ? axisLengths((v as { grid?: unknown }).grid) : null
        if (!own) return null
        perVariant += own.reduce((n, l) => n * l, 1)
      }
    }
  }
  return perVariant * shared.reduce((n, l) => n * l, 1) * (linked.length ? linked[0] : 1)
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined
    if (!next || typeof next !== 'object' || Array.isArray(next)) Object.defineProperty(node, key, { value: {}, enumerable: true, writable: true, configurable: true })
    node = node[key] as Record<string, unknown>
  }
  Object.defineProperty(node, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true })
}

/** Faults of a config path's segments: empty ones, and names that reach an object's prototype. */
function pathFault(path: string): string | null {
  const segments = path.split('.')
  const forbidden = segments.find((s) => forbiddenKeys.has(s))
  if (forbidden) return forbiddenKeyMessage(forbidden)
  if (segments.some((s) => s === '')) return 'a config path is field names joined by dots, with no empty segment'
  return null
}

/** Whether the object holding the path's last key exists in `config`. */
function parentExists(config: unknown, path: string[]): boolean {
  let node = config
  for (const key of path.slice(0, -1)) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return false
    node = (node as Record<string, unknown>)[key]
  }
  return !!node && typeof node === 'object' && !Array.isArray(node)
}

/** Top-level run config fields: a path into an optional object the base leaves out (`stopping.minSteps`) is left to the schema to judge. */
const topLevelFields = new Set(Object.keys(RunConfig.shape))

/** Fields whose value changes a run's initial weights or feedback matrices (with the seed fixed). */
const initFields = ['model', 'data', 'rule', 'feedbackMagnitude']

interface Source {
  /** Where the axis or value is written, for messages: `grid`, `zip`, `variants[1].set`, `variants[1].grid`. */
  where: string
  path: string
}

/** The refusal of an experiment of `total` runs over the limit. */
function tooManyRuns(total: number, maxRuns: number): string {
  return `expands to ${total.toLocaleString('en-US')} runs, more than the limit of ${maxRuns.toLocaleString('en-US')}: shorten the grid's lists, or raise the limit (--max-runs, or the lab's maximum runs setting)`
}

/**
 * Validates an experiment and expands it to run configs. Refuses, naming each fault with its
 * variant and path: a key that reaches an object's prototype, more than `maxRuns` runs (counted
 * before anything is expanded), an invalid base, an unknown path, an empty list, linked lists of
 * different lengths, a path given twice, any value the run schema refuses at its place, and a run
 * that cannot fit in a worker's memory.
 */
export function expandExperiment(input: unknown, options: ExpandOptions = {}): { experiment: ExperimentConfig; runs: ExpandedRun[] } {
  const maxRuns = options.maxRuns ?? defaultMaxRuns
  const limits = options.limits ?? defaultResourceLimits
  const unsafe = structureIssues(input)
  if (unsafe.length) throw new ConfigError(unsafe, 'experiment')
  // counted from the list lengths before the schema copies any list
  const counted = countRuns(input)
  if (counted !== null && counted > maxRuns) throw new ConfigError([{ path: 'grid', message: tooManyRuns(counted, maxRuns) }], 'experiment')
  const parsed = ExperimentConfig.safeParse(input)
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error), 'experiment')
  const experiment = parsed.data
  const issues: { path: string; message: string }[] = []
  const total = experimentSize(experiment)
  if (total > maxRuns) {
    throw new ConfigError([{ path: 'grid', message: tooManyRuns(total, maxRuns) }], 'experiment')
  }
  const variants: Variant[] = experiment.variants.length ? experiment.variants : [{ set: {}, grid: {} }]
  const variantPrefix = (v: number) => (experiment.variants.length ? `variants[${v}].` : '')

  const covered = new Set<string>([...Object.keys(experiment.grid), ...Object.keys(experiment.zip)])
  for (const v of variants) for (const p of [...Object.keys(v.set), ...Object.keys(v.grid)]) covered.add(p)
  const isCovered = (issuePath: string) => [...covered].some((p) => issuePath === p || issuePath.startsWith(`${p}.`) || p.startsWith(`${issuePath}.`))

  const base = RunConfig.safeParse(experiment.base)
  if (!base.success) {
    // Variants, grids and the zip may supply what the base lacks: report only base faults none of them covers.
    for (const issue of describeIssues(base.error)) if (!isCovered(issue.path)) issues.push({ path: `base.${issue.path}`, message: issue.message })
  }
  const resolvedBase = (base.success ? base.data : experiment.base) as Record<string, unknown>

  const checkPath = (source: Source, container: unknown) => {
    const segments = source.path.split('.')
    const fault = pathFault(source.path)
    if (fault) {
      issues.push({ path: `${source.where}.${source.path}`, message: fault })
      return false
    }
    const optionalTopLevel = segments.length > 1 && topLevelFields.has(segments[0]) && !Object.hasOwn(container as object, segments[0])
    if (!parentExists(container, segments) && !optionalTopLevel) {
      issues.push({ path: `${source.where}.${source.path}`, message: 'unknown config path' })
      return false
    }
    return true
  }
  const checkAxes = (where: string, axes: Record<string, unknown[]>, container: unknown) => {
    for (const [path, values] of Object.entries(axes)) {
      if (!checkPath({ where, path }, container)) continue
      if (values.length === 0) issues.push({ path: `${where}.${path}`, message: 'empty list: an axis needs at least one value' })
    }
  }

  checkAxes('grid', experiment.grid, resolvedBase)
  checkAxes('zip', experiment.zip, resolvedBase)
  const zipLengths = Object.entries(experiment.zip).map(([p, l]) => `${p} has ${l.length}`)
  if (new Set(Object.values(experiment.zip).map((l) => l.length)).size > 1) issues.push({ path: 'zip', message: `linked lists must have one length: ${zipLengths.join(', ')}` })
  for (const path of Object.keys(experiment.zip)) if (path in experiment.grid) issues.push({ path: `zip.${path}`, message: 'also an axis of grid: give a path in one place only' })

  variants.forEach((variant, v) => {
    const prefix = variantPrefix(v)
    const merged = structuredClone(resolvedBase)
    for (const [path, value] of Object.entries(variant.set)) if (checkPath({ where: `${prefix}set`, path }, resolvedBase)) setPath(merged, path.split('.'), structuredClone(value))
    checkAxes(`${prefix}grid`, variant.grid, merged)
    for (const path of new Set([...Object.keys(variant.set), ...Object.keys(variant.grid)])) {
      const where = path in variant.set ? `${prefix}set` : `${prefix}grid`
      if (path in variant.set && path in variant.grid) issues.push({ path: `${prefix}grid.${path}`, message: 'also set by the variant: give a path in one place only' })
      if (path in experiment.grid) issues.push({ path: `${where}.${path}`, message: 'also an axis of the shared grid: give a path in one place only' })
      if (path in experiment.zip) issues.push({ path: `${where}.${path}`, message: 'also a linked axis (zip): give a path in one place only' })
    }
  })

  if (experiment.sharedInit) {
    const swept = new Set<string>([...Object.keys(experiment.grid), ...Object.keys(experiment.zip)])
    for (const v of variants) for (const p of [...Object.keys(v.set), ...Object.keys(v.grid)]) swept.add(p)
    for (const path of swept)
      if (initFields.some((f) => path === f || path.startsWith(`${f}.`)))
        issues.push({ path, message: 'sharedInit: this field changes the initial weights or feedback matrices, so the runs cannot share one initialisation' })
  }
  const template = experiment.nameTemplate === undefined ? parseTemplate(defaultNameTemplate(experiment), Infinity) : parseTemplate(experiment.nameTemplate)
  if ('fault' in template) issues.push({ path: 'nameTemplate', message: template.fault.message })
  if (issues.length) throw new ConfigError(issues, 'experiment')
  const nameParts = 'parts' in template ? template.parts : []

  const sharedAxes = Object.entries(experiment.grid)
  const zipAxes = Object.entries(experiment.zip)
  const zipCount = zipLength(experiment.zip)
  const sharedCount = gridSize(experiment.grid)
  const runs: ExpandedRun[] = []
  const seen = new Set<string>()
  let sweepIndex = 0
  variants.forEach((variant, v) => {
    const prefix = variantPrefix(v)
    const ownAxes = Object.entries(variant.grid)
    const ownCount = gridSize(variant.grid)
    for (let own = 0; own < ownCount; own++)
      for (let shared = 0; shared < sharedCount; shared++)
        for (let z = 0; z < zipCount; z++) {
          const index = sweepIndex++
          const raw = structuredClone(resolvedBase)
          // keyed by config paths as the experiment gives them: no prototype to write through
          const point = Object.create(null) as Record<string, unknown>
          const origin = Object.create(null) as Record<string, string>
          const place = (where: string, path: string, value: unknown) => {
            point[path] = value
            origin[path] = where
            setPath(raw, path.split('.'), structuredClone(value))
          }
          for (const [path, value] of Object.entries(variant.set)) place(`${prefix}set`, path, value)
          for (const [path, value] of cartesianPoint(ownAxes, own)) place(`${prefix}grid`, path, value)
          for (const [path, value] of cartesianPoint(sharedAxes, shared)) place('grid', path, value)
          for (const [path, values] of zipAxes) place('zip', path, values[z])
          const result = RunConfig.safeParse(raw)
          if (!result.success) {
            for (const issue of describeIssues(result.error)) {
              // an unknown key set by an axis (`model.hiden`) is reported by the schema at its parent
              const unknown = [...issue.message.matchAll(/"([^"]+)"/g)].map((m) => (issue.path ? `${issue.path}.${m[1]}` : m[1]))
              const axis = Object.keys(point).find((p) => issue.path === p || issue.path.startsWith(`${p}.`) || (/Unrecognized key/.test(issue.message) && unknown.includes(p)))
              const where = axis ? `${origin[axis]}.${axis} = ${JSON.stringify(point[axis])}` : `${prefix ? `${prefix.slice(0, -1)}, ` : ''}run ${index} (${JSON.stringify(point)}): ${issue.path}`
              // one fault not tied to an axis is named once, at the first run that shows it
              const key = axis ? `${where}: ${issue.message}` : `${v}: ${issue.path}: ${issue.message}`
              if (seen.has(key)) continue
              seen.add(key)
              issues.push({ path: where, message: issue.message })
            }
            continue
          }
          const resources = resourceFault(estimateResources(result.data), limits)
          if (resources) {
            const key = `resources: ${resources}`
            if (!seen.has(key)) {
              seen.add(key)
              issues.push({ path: Object.keys(point).length ? `run ${index} (${JSON.stringify(point)})` : 'base', message: resources })
            }
            continue
          }
          runs.push({ sweepIndex: index, variant: v, point, ...(variant.name ? { label: variant.name } : {}), ...named(fillTemplate(nameParts, result.data, variant.name), result.data) })
        }
  })
  if (issues.length) throw new ConfigError(issues, 'experiment')
  return { experiment, runs }
}

/** A run's name, also written into its config (the config is stored whole with the run). */
function named(name: string, config: RunConfig): { name: string; config: RunConfig } {
  return { name, config: { ...config, name } }
}

/** The values of cartesian point `index` (first axis slowest), by path. */
function cartesianPoint(axes: [string, unknown[]][], index: number): [string, unknown][] {
  const out: [string, unknown][] = []
  let rest = index
  for (let a = axes.length - 1; a >= 0; a--) {
    const [path, values] = axes[a]
    out.unshift([path, values[rest % values.length]])
    rest = Math.floor(rest / values.length)
  }
  return out
}

/** An experiment from a single run config (no grid). */
export function singleRunExperiment(config: RunConfigInput, name = 'single run'): ExperimentInput {
  return { name, description: '', base: config as Record<string, unknown>, grid: {} }
}
