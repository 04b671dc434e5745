/**
 * The run-config form, generated from the run schema's fields (src-shared/fields.ts): which fields
 * show for the current config, and how typed text becomes a value. Validation stays with the
 * shared schema (main answers validateExperiment and the form shows each issue beside its field).
 */
import { applies, getPath, type Field } from '../../../src-shared/fields'

/**
 * The fields to show: those that apply to `config`; advanced ones only when asked for, or when they
 * hold a value or an issue, so nothing set or wrong is ever hidden.
 */
export function visibleFields(fields: Field[], config: Record<string, unknown>, options: { advanced: boolean; issues?: Record<string, string> }): Field[] {
  return fields.filter((field) => {
    if (!applies(field, config, fields)) return false
    if (field.level === 'basic' || options.advanced) return true
    return getPath(config, field.path) !== undefined || Object.keys(options.issues ?? {}).some((p) => p === field.path || p.startsWith(`${field.path}.`))
  })
}

/** A field's caption: its label and symbol, `Learning rate η`. */
export function fieldCaption(field: Field): string {
  return field.symbol ? `${field.label} ${field.symbol}` : field.label
}

/** The note beside a field: its unit and help text. */
export function fieldNote(field: Field): string {
  return [field.unit, field.help].filter(Boolean).join(' · ')
}

/** An option's display name: the schema's option label, else the option itself. */
export function optionCaption(field: Field, option: string): string {
  return field.optionLabels?.[option] ?? option
}

/** Parses what the user typed into a field's value; undefined means "use the default". */
export function parseFieldInput(field: Field, text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    // richer settings (a λ schedule, a list) typed as JSON; left as text for the schema to refuse if broken
    try {
      return JSON.parse(trimmed)
    } catch {
      return trimmed
    }
  }
  switch (field.kind) {
    case 'integer':
    case 'number': {
      const n = Number(trimmed)
      return Number.isNaN(n) ? trimmed : n
    }
    case 'integer-list':
      return trimmed.split(/[\s,]+/).filter(Boolean).map((t) => (Number.isNaN(Number(t)) ? t : Number(t)))
    default:
      return trimmed
  }
}

/** The text a field shows for its current value. */
export function formatFieldValue(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (Array.isArray(value)) return value.some((v) => v !== null && typeof v === 'object') ? JSON.stringify(value) : value.join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** The validator's wording for a bound (`>0`, `>=1`, `<=1`, `<1`) in plain words. */
const boundWords: Record<string, string> = { '>': 'greater than', '>=': 'at least', '<': 'less than', '<=': 'at most' }

/**
 * A schema issue in plain words with the field's label and unit: `Too small: expected number to
 * be >0` at optimizer.learningRate becomes `Learning rate η must be greater than 0`. Messages it
 * does not recognise keep their own wording after the caption.
 */
export function plainMessage(field: Field | undefined, message: string): string {
  const caption = field ? fieldCaption(field) : ''
  // `at least 1 unit`, `at least 2 units`
  const unitFor = (bound: string) => (field?.unit ? ` ${Number(bound) === 1 && field.unit.endsWith('s') ? field.unit.slice(0, -1) : field.unit}` : '')
  const say = (text: string) => (caption ? `${caption} ${text}` : text.charAt(0).toUpperCase() + text.slice(1))
  let m = /^Too (?:small|big): expected number to be (>=|<=|>|<)(-?[\d.e+-]+)$/.exec(message)
  if (m) return say(`must be ${boundWords[m[1]]} ${m[2]}${unitFor(m[2])}`)
  m = /^Too (small|big): expected (?:array|string) to have (>=|<=|>|<)(\d+) (items|characters)$/.exec(message)
  if (m) return say(`needs ${boundWords[m[2]]} ${m[3]} ${m[4] === 'items' ? (m[3] === '1' ? 'value' : 'values') : m[3] === '1' ? 'character' : 'characters'}`)
  m = /^Invalid input: expected (\w+), received (\w+)$/.exec(message)
  if (m) {
    if (m[2] === 'undefined') return say('is required')
    const wanted: Record<string, string> = { number: 'a number', int: 'a whole number', string: 'text', boolean: 'yes or no', array: 'a list', object: 'a group of settings' }
    return say(`must be ${wanted[m[1]] ?? m[1]}`)
  }
  m = /^Invalid option: expected one of (.*)$/.exec(message)
  if (m) {
    const options = [...m[1].matchAll(/"([^"]*)"/g)].map((o) => (field ? optionCaption(field, o[1]) : o[1]))
    return say(`must be one of ${options.join(', ')}`)
  }
  m = /^Invalid discriminator value\. Expected (.*)$/.exec(message)
  if (m) {
    const options = [...m[1].matchAll(/'([^']*)'/g)].map((o) => (field ? optionCaption(field, o[1]) : o[1]))
    return say(`must be one of ${options.join(', ')}`)
  }
  m = /^Unrecognized keys?: (.*)$/.exec(message)
  if (m) return say(`has no setting named ${m[1].replaceAll('"', '')}`)
  return caption ? `${caption}: ${message}` : message
}

/** The rules an experiment's runs train with: the base's, and any a sweep, a linked axis or a variant sets. */
export function experimentRules(experiment: { base: Record<string, unknown>; grid?: Record<string, unknown[]>; zip?: Record<string, unknown[]>; variants?: { set?: Record<string, unknown>; grid?: Record<string, unknown[]> }[] }): string[] {
  const rules = new Set<string>()
  const add = (value: unknown) => typeof value === 'string' && rules.add(value)
  add(experiment.base.rule)
  for (const axes of [experiment.grid, experiment.zip, ...(experiment.variants ?? []).map((v) => v.grid)]) for (const value of axes?.rule ?? []) add(value)
  for (const variant of experiment.variants ?? []) add(variant.set?.rule)
  return [...rules]
}

/**
 * A note when two of an experiment's rules give identical updates, or null: FA and DFA with one
 * hidden layer (a two-layer model, or an MLP with one hidden width) share B on the last hidden
 * layer (README, Rules), so their runs with the same seed are the same run.
 */
export function identicalRulesNote(experiment: Parameters<typeof experimentRules>[0]): string | null {
  const rules = experimentRules(experiment)
  if (!rules.includes('fa') || !rules.includes('dfa')) return null
  const model = experiment.base.model as { kind?: string; hidden?: unknown } | undefined
  const oneHiddenLayer = model?.kind === 'two-layer' || (model?.kind === 'mlp' && Array.isArray(model.hidden) && model.hidden.length === 1)
  if (!oneHiddenLayer) return null
  return 'FA and DFA give identical updates here: with one hidden layer, DFA’s feedback to the last hidden layer is FA’s B (the two rules share it), so their runs with the same seed are the same run. Keep one of them, or give the model two or more hidden layers.'
}
