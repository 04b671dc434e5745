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
  if (Array.isArray(value)) return value.join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
