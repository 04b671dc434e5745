/**
 * Display names of measures and config fields in figures and legends, read from the registries
 * (measures.ts for measures, the run schema's metadata through fields.ts for config fields).
 */
import { fieldAt, fieldShortName } from './fields'
import { measureInfo } from './measures'

/** A measure's axis title: `signal alignment cos(e b, e β)`, `test accuracy`. */
export function measureLabel(name: string): string {
  return measureInfo(name).label
}

/** A measure's label, symbol and unit apart (`signal alignment`, `cos(e b, e β)`, `cosine`), for titles that must be short. */
export function measureLabelParts(name: string): { label: string; symbol?: string; unit: string } {
  const info = measureInfo(name)
  const symbol = info.symbol || undefined
  const label = symbol && info.label.endsWith(symbol) ? info.label.slice(0, -symbol.length).trim() : info.label
  return { label, symbol, unit: info.unit }
}

/** Whether a measure is a cosine (so its axis may be pinned to [−1, 1]). */
export function isCosine(name: string): boolean {
  return measureInfo(name).unit === 'cosine'
}

/** A config field's short display name: its symbol (`λ`, `p`), else its label, else the path's last key. */
export function fieldLabel(path: string): string {
  const field = fieldAt(path)
  return field?.symbol ?? field?.label.toLowerCase() ?? fieldShortName(path)
}

/**
 * A field's value as a legend shows it: its option's short name from the schema's metadata (`FA`
 * for rule fa, `KP` for kp), `0.1`, `[100,100]`, `—` when absent.
 */
export function fieldValue(path: string, value: unknown, short = true): string {
  if (value === undefined) return '—'
  if (typeof value !== 'string') return JSON.stringify(value)
  const names = short ? fieldAt(path)?.optionShortLabels : undefined
  return names && Object.hasOwn(names, value) ? names[value] : value
}

/** `λ = 0.1`, `rule FA`, `seed 2`: a field and its value as a legend shows them (`short` false: the option's own value). */
export function fieldValueLabel(path: string, value: unknown, short = true): string {
  const shown = fieldValue(path, value, short)
  const name = fieldLabel(path)
  return /^[^\sA-Za-z]$|^[A-Za-z]$/.test(name) ? `${name} = ${shown}` : `${name} ${shown}`
}
