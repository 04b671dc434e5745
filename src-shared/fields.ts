/**
 * The run schema's fields, read off the schema itself: paths, input kinds, options, defaults and
 * the UI metadata config.ts attaches with `.meta()`. The experiment form, the runs table, legends,
 * axis titles and the CLI help all read fields from here, so none of them restates the schema.
 * Pure: no node, electron or DOM imports.
 */
import { z } from 'zod'
import { ImageSource, RunConfig } from './config'

export type FieldKind = 'integer' | 'number' | 'select' | 'boolean' | 'text' | 'integer-list' | 'source'

/** The field applies when the value at `path` (or its default) is one of `is`. */
export interface FieldCondition {
  path: string
  is: readonly unknown[]
}

export interface Field {
  /** Dotted path in the run config: `optimizer.learningRate`. */
  path: string
  kind: FieldKind
  label: string
  symbol?: string
  unit?: string
  help?: string
  level: 'basic' | 'advanced'
  /** Shown as a column of the runs table. */
  column: boolean
  default?: unknown
  /** No default and not optional: a config must give it. */
  required: boolean
  /** The value a blank form starts from (the schema's `examples[0]`). */
  example?: unknown
  options?: readonly string[]
  optionLabels?: Record<string, string>
  /** Short names of options for legends and run names (`FA`). */
  optionShortLabels?: Record<string, string>
  /** Every condition must hold for the field to apply. */
  when: FieldCondition[]
  /** For a `kind` selector of alternatives (`data.kind`): which options share one alternative. */
  alternatives?: string[][]
  /** The field's own schema, defaults and optionality stripped (the README's run-config table reads its bounds). */
  schema: z.core.$ZodType
}

type Meta = z.core.GlobalMeta

/** Strips default/optional wrappers, collecting the metadata (outermost wins) and the default. */
function unwrap(schema: z.core.$ZodType): { inner: z.core.$ZodType; meta: Meta; default?: unknown; optional: boolean } {
  let node = schema
  let meta: Meta = {}
  let defaultValue: unknown
  let optional = false
  for (;;) {
    meta = { ...(z.globalRegistry.get(node) ?? {}), ...meta }
    const def = node._zod.def as { type: string; innerType?: z.core.$ZodType; defaultValue?: unknown }
    if (def.type === 'default' || def.type === 'prefault') {
      defaultValue ??= def.defaultValue
    } else if (def.type === 'optional' || def.type === 'nullable' || def.type === 'readonly') {
      optional = true
    } else break
    node = def.innerType!
  }
  return { inner: node, meta, default: defaultValue, optional }
}

/** ImageSource's choices: its named sources, then the key of each of its object forms (`dir`). */
const sourceOptions: readonly string[] = ImageSource.options.flatMap((option) => ('shape' in option ? Object.keys(option.shape) : option.options))

function leafKind(schema: z.core.$ZodType): { kind: FieldKind; options?: readonly string[] } {
  if (schema === ImageSource) return { kind: 'source', options: sourceOptions }
  const def = schema._zod.def as { type: string; element?: z.core.$ZodType; entries?: Record<string, string>; values?: unknown[] }
  switch (def.type) {
    case 'number':
      return { kind: (schema as z.ZodNumber).format === null ? 'number' : 'integer' }
    case 'boolean':
      return { kind: 'boolean' }
    case 'enum':
      return { kind: 'select', options: Object.values(def.entries!) }
    case 'literal':
      return { kind: 'select', options: def.values!.map(String) }
    case 'array':
      // A list of numbers is typed as such; a list of settings (a conv model's stages) as JSON.
      return { kind: unwrap(def.element!).inner._zod.def.type === 'number' ? 'integer-list' : 'text' }
    case 'union': {
      // A number or richer settings (λ or a λ schedule): the form edits the number, JSON for the rest.
      const options = (def as unknown as { options: z.core.$ZodType[] }).options
      return options.some((o) => o._zod.def.type === 'number') ? { kind: 'number' } : { kind: 'text' }
    }
    default:
      return { kind: 'text' }
  }
}

function shapeOf(schema: z.core.$ZodType): Record<string, z.core.$ZodType> {
  return (schema as unknown as z.ZodObject).shape
}

function walk(shape: Record<string, z.core.$ZodType>, prefix: string, when: FieldCondition[], out: Field[], skip?: string): void {
  for (const [key, child] of Object.entries(shape)) {
    if (key === skip) continue
    const path = prefix + key
    const { inner, meta, default: defaultValue, optional } = unwrap(child)
    const def = inner._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; options?: z.core.$ZodType[]; discriminator?: string }
    const conditions = meta.shownWhen ? [...when, meta.shownWhen] : when
    if (def.type === 'object') {
      walk(def.shape!, `${path}.`, conditions, out)
      continue
    }
    const common = {
      label: meta.label ?? key,
      symbol: meta.symbol,
      unit: meta.unit,
      help: meta.description,
      level: meta.level ?? 'basic',
      column: meta.column ?? false,
      optionLabels: meta.optionLabels,
      optionShortLabels: meta.optionShortLabels,
    } as const
    if (def.type === 'union' && def.discriminator) {
      // Alternatives: a selector for the discriminator, then each alternative's own fields.
      const discriminator = def.discriminator
      const alternatives = def.options!.map((option) => leafKind(unwrap(shapeOf(option)[discriminator]).inner).options!.slice())
      const kindPath = `${path}.${discriminator}`
      const selector = z.enum(alternatives.flat() as [string, ...string[]])
      out.push({ ...common, path: kindPath, kind: 'select', required: true, example: alternatives[0][0], options: alternatives.flat(), when: conditions, alternatives, schema: selector })
      def.options!.forEach((option, i) => {
        walk(shapeOf(option), `${path}.`, [...conditions, { path: kindPath, is: alternatives[i] }], out, discriminator)
      })
      continue
    }
    const { kind, options } = leafKind(inner)
    out.push({ ...common, path, kind, options, default: defaultValue, required: defaultValue === undefined && !optional, example: (meta.examples as unknown[] | undefined)?.[0], when: conditions, schema: inner })
  }
}

/** Every field of a run schema (RunConfig unless given), in schema order; alternatives' fields follow their selector. */
export function describeFields(schema: z.ZodObject = RunConfig as unknown as z.ZodObject): Field[] {
  const out: Field[] = []
  walk(schema.shape as Record<string, z.core.$ZodType>, '', [], out)
  return out
}

export const runFields = describeFields()

/** The first field at `path` (for paths shared by alternatives, the first alternative's). */
export function fieldAt(path: string, fields: Field[] = runFields): Field | undefined {
  return fields.find((f) => f.path === path)
}

/** The value at a field's path, or its default when unset. */
function valueOrDefault(config: unknown, path: string, fields: Field[]): unknown {
  return getPath(config, path) ?? fields.find((f) => f.path === path && f.default !== undefined && applies(f, config, fields))?.default
}

/** Whether a field applies to `config` (its alternative is chosen and its conditions hold). */
export function applies(field: Field, config: unknown, fields: Field[] = runFields): boolean {
  return field.when.every((c) => c.is.includes(valueOrDefault(config, c.path, fields)))
}

/** The value at a dotted path (`optimizer.batchSize`), undefined where any step is missing. */
export function getPath(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), config)
}

/** Sets (or, for undefined, removes) a value at a dotted path, creating objects on the way. */
export function setPath(config: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = config
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  const last = keys[keys.length - 1]
  if (value === undefined) delete node[last]
  else node[last] = value
}

/**
 * A config to start a form from: each selector at its first option and each required field at its
 * example; fields with defaults are left out (the schema fills them). Under `prefix` (`data.`), only
 * that part, for switching alternatives.
 */
export function blankConfig(fields: Field[] = runFields, prefix = '', start: Record<string, unknown> = {}): Record<string, unknown> {
  const config = structuredClone(start)
  for (const field of fields) {
    if (!field.path.startsWith(prefix) || !applies(field, config, fields)) continue
    if (getPath(config, field.path) !== undefined) continue
    if (field.required && field.example !== undefined) setPath(config, field.path, structuredClone(field.example))
  }
  return config
}

/**
 * Chooses `option` at a selector: within the same alternative only the selector changes; another
 * alternative replaces that part of the config with its blank.
 */
export function chooseAlternative(config: Record<string, unknown>, field: Field, option: string, fields: Field[] = runFields): void {
  const current = String(getPath(config, field.path))
  const same = field.alternatives?.some((group) => group.includes(current) && group.includes(option))
  if (same || !field.alternatives) return setPath(config, field.path, option)
  const parent = field.path.split('.').slice(0, -1).join('.')
  const start: Record<string, unknown> = {}
  setPath(start, field.path, option)
  setPath(config, parent, getPath(blankConfig(fields, `${parent}.`, start), parent))
}

/** A config field's name in legends (`λ=0.1`, `rule=fa`): its symbol, else the path's last key. */
export function fieldShortName(path: string): string {
  return fieldAt(path)?.symbol ?? path.split('.').at(-1)!
}

/** A config field's runs-table header: its symbol, else its label (`λ`, `Batch size`). */
export function fieldColumnName(path: string): string {
  const field = fieldAt(path)
  return field?.symbol ?? field?.label ?? path
}

/** A field's title for an axis: `Output L2 λ`, `Hidden width p (units)`. Unknown paths are returned as they are. */
export function fieldTitle(path: string, withUnit = true): string {
  const field = fieldAt(path)
  if (!field) return path
  const title = field.symbol ? `${field.label} ${field.symbol}` : field.label
  return withUnit && field.unit ? `${title} (${field.unit})` : title
}

/** The fields shown as columns of the runs table. */
export function columnFields(): Field[] {
  const seen = new Set<string>()
  return runFields.filter((f) => f.column && !seen.has(f.path) && seen.add(f.path))
}
