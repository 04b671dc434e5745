/**
 * Run names from a template: `FA λ={regularization.outputL2} p={model.hidden}` is filled per run
 * with that run's values when an experiment expands. Placeholders are config paths known to the run
 * schema (fields.ts) or `{variant}` (the variant's name); `{{` and `}}` write literal braces. Values
 * are written as a reader would: numbers compactly (0.001, 1e-5, 12800), strings without quotes,
 * the rule by its display name (FA). Pure: no node, electron or DOM imports.
 */
import { z } from 'zod'
import { fieldAt, fieldShortName, runFields } from './fields'
import { fieldValue } from './labels'
import { maxNameLength, maxTemplateLength } from './limits'
import { NameText, stripUnsafeCharacters } from './text'

export { maxNameLength, maxTemplateLength }

/** A run or experiment name as a rename request gives it: trimmed, not empty, at most maxNameLength characters of text (no controls, no bidi overrides). */
export const NameSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().min(1, 'a name cannot be empty').pipe(NameText))

/** A template's placeholder for the variant's name. */
export const variantPlaceholder = 'variant'

type Part = { text: string } | { path: string }

export interface TemplateFault {
  message: string
}

/** Paths a template may name: every field of the run schema. */
const knownPaths = new Set(runFields.map((f) => f.path))

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]
}

/** The known path nearest to `path` (by edit distance, then by last key), for "did you mean". */
export function nearestPath(path: string): string {
  const candidates = [...knownPaths, variantPlaceholder]
  let best = candidates[0]
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = Math.min(distance(path, candidate), distance(path, candidate.split('.').at(-1)!) + 1)
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best
}

/** Splits a template into text and placeholders, or the first fault in plain words. */
export function parseTemplate(template: string, maxLength = maxTemplateLength): { parts: Part[] } | { fault: TemplateFault } {
  if (template.length > maxLength) return { fault: { message: `the name template is ${template.length} characters long; at most ${maxLength} are allowed` } }
  const parts: Part[] = []
  let text = ''
  for (let i = 0; i < template.length; i++) {
    const c = template[i]
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      text += c
      i++
    } else if (c === '}') {
      return { fault: { message: `the name template has a "}" with no "{" before it (write "}}" for a brace)` } }
    } else if (c === '{') {
      const end = template.indexOf('}', i)
      if (end < 0) return { fault: { message: `the name template has a "{" that is never closed (write "{{" for a brace)` } }
      const path = template.slice(i + 1, end).trim()
      if (path !== variantPlaceholder && !knownPaths.has(path)) {
        const shown = path.length > 40 ? `${path.slice(0, 40)}…` : path
        return { fault: { message: `the name template names {${shown}}, which is not a config field: did you mean {${nearestPath(path)}}?` } }
      }
      if (text) parts.push({ text })
      text = ''
      parts.push({ path })
      i = end
    } else text += c
  }
  if (text) parts.push({ text })
  return { parts }
}

/** A number written compactly: 0.1, 0.001, 1e-5, 12800, 1e6 (powers of ten below 0.001 or from a million); at most six significant digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const rounded = Number(n.toPrecision(6))
  const plain = String(rounded)
  const exponential = rounded.toExponential().replace('e+', 'e')
  const tiny = rounded !== 0 && Math.abs(rounded) < 1e-3
  return (tiny || Math.abs(rounded) >= 1e6) && exponential.length < plain.length ? exponential : plain
}

/** A config value as a run name shows it. */
export function formatValue(path: string, value: unknown): string {
  if (value === undefined || value === null) return '—'
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'string') return fieldValue(path, value)
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.map((v) => formatValue(path, v)).join('×')
  if (typeof value === 'object')
    return Object.keys(value)
      .map((k) => `${k} ${formatValue('', (value as Record<string, unknown>)[k])}`)
      .join(' ')
  return String(value)
}

/** The value at a dotted path through own properties only (never a prototype's), else the field's default. */
function valueAt(config: unknown, path: string): unknown {
  let node = config
  for (const key of path.split('.')) {
    if (!node || typeof node !== 'object' || !Object.hasOwn(node, key)) return fieldAt(path)?.default
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/** A parsed template filled with one run's config and variant name; cut to maxNameLength. */
export function fillTemplate(parts: Part[], config: unknown, variant?: string): string {
  const filled = parts
    .map((p) => ('text' in p ? p.text : p.path === variantPlaceholder ? (variant ?? '') : formatValue(p.path, valueAt(config, p.path))))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
  // a template's text and the values filled in may hold control or bidi characters (a variant's name, a string field): names never do
  const name = stripUnsafeCharacters(filled)
  return name.length > maxNameLength ? `${name.slice(0, maxNameLength - 1)}…` : name
}

/**
 * Names runs as they are previewed before main has expanded anything: `point` (values by path) set
 * over `base`, then the template (the default one when `template` is blank). A faulty template gives
 * its fault instead.
 */
export function runNamer(
  experiment: Parameters<typeof defaultNameTemplate>[0] & { nameTemplate?: string },
): { name: (point: Record<string, unknown>, variantName?: string) => string } | { fault: TemplateFault } {
  const explicit = experiment.nameTemplate?.trim() ? experiment.nameTemplate : undefined
  const parsed = explicit === undefined ? parseTemplate(defaultNameTemplate(experiment), Infinity) : parseTemplate(explicit)
  if ('fault' in parsed) return parsed
  return {
    name(point, variantName) {
      const config = structuredClone(experiment.base ?? {}) as Record<string, unknown>
      for (const [path, value] of Object.entries(point)) {
        const keys = path.split('.')
        if (keys.some((k) => !knownKey(k))) continue
        let node = config
        for (const key of keys.slice(0, -1)) {
          if (!Object.hasOwn(node, key) || !node[key] || typeof node[key] !== 'object') Object.defineProperty(node, key, { value: {}, enumerable: true, writable: true, configurable: true })
          node = node[key] as Record<string, unknown>
        }
        Object.defineProperty(node, keys[keys.length - 1], { value, enumerable: true, writable: true, configurable: true })
      }
      return fillTemplate(parsed.parts, config, variantName)
    },
  }
}

/** A path segment that may be written into a config (never one that reaches a prototype). */
function knownKey(key: string): boolean {
  return key !== '' && key !== '__proto__' && key !== 'constructor' && key !== 'prototype'
}

/** Text written into a template as it is (braces doubled). */
export function escapeTemplateText(text: string): string {
  return text.replace(/[{}]/g, (c) => c + c)
}

/**
 * The template runs are named by when the experiment gives none: the name (the base config's run
 * name, else the experiment's), `{variant}` when variants are named, then `symbol={path}` for every
 * swept field (`FA λ={regularization.outputL2} p={model.hidden}`).
 */
export function defaultNameTemplate(experiment: {
  name: string
  base?: Record<string, unknown>
  grid?: Record<string, unknown>
  zip?: Record<string, unknown>
  variants?: { name?: string; set?: Record<string, unknown>; grid?: Record<string, unknown> }[]
}): string {
  const baseName = experiment.base && typeof experiment.base.name === 'string' && experiment.base.name ? experiment.base.name : experiment.name
  const paths = new Set<string>()
  const variants = experiment.variants ?? []
  for (const v of variants) {
    if (!v.name) for (const p of Object.keys(v.set ?? {})) paths.add(p)
    for (const p of Object.keys(v.grid ?? {})) paths.add(p)
  }
  for (const p of Object.keys(experiment.grid ?? {})) paths.add(p)
  for (const p of Object.keys(experiment.zip ?? {})) paths.add(p)
  const pieces = [escapeTemplateText(baseName)]
  if (variants.some((v) => v.name)) pieces.push(`{${variantPlaceholder}}`)
  for (const p of paths) if (knownPaths.has(p)) pieces.push(`${escapeTemplateText(fieldShortName(p))}={${p}}`)
  return pieces.join(' ')
}
