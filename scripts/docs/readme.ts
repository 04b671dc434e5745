/**
 * The README's tables that restate code, generated from it: the measures (src-shared/measures.ts's
 * registry), the theory measures (the same registry), the command line (each command's own
 * synopsis and summary, as `fa-lab --help` prints them), the run config (the run schema's fields
 * and their `.meta()`, src-shared/fields.ts), the presets (the files in resources/presets) and the
 * sizes the lab bounds (src-shared/limits.ts).
 * Each table sits between marker comments in README.md:
 *
 *   <!-- generated: NAME (npm run docs; edit its source, not this table) -->
 *   ...
 *   <!-- end generated: NAME -->
 *
 * `npm run docs` rewrites them; `npm run docs -- --check` exits 1, naming README.md, when they differ.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { commandList } from '../../src-main/cli/main'
import { resourcesDir } from '../../src-main/lib/paths'
import { countRuns } from '../../src-shared/experiment'
import { runFields, type Field } from '../../src-shared/fields'
import { sizeLimits, type SizeLimit } from '../../src-shared/limits'
import { measureSpecs, type MeasureSpec } from '../../src-shared/measures'

/** Text in a markdown table cell: pipes escaped, no line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n')
}

/** How a measure's names look: `weightAlignment` (`.l` with several hidden layers), `norm.Wl`, `gradientAlignment.l`. */
function measureNames(spec: MeasureSpec): string {
  switch (spec.layers) {
    case 'none':
      return `\`${spec.name}\``
    case 'suffix':
      return `\`${spec.name}\` (\`${spec.name}.l\` with several hidden layers)`
    case 'always':
      return `\`${spec.name}.l\``
    case 'glued':
      return `\`${spec.name}l\``
  }
}

function measuresTable(specs: readonly MeasureSpec[]): string {
  return table(
    ['name', 'what it is', 'unit', 'meaning'],
    specs.map((spec) => {
      const symbol = spec.symbol?.(null)
      return [measureNames(spec), symbol ? `${spec.label}, ${symbol}` : spec.label, spec.unit || '—', spec.description]
    }),
  )
}

const isTheory = (spec: MeasureSpec) => spec.group.startsWith('theory')

type JsonSchema = {
  type?: string
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
  maxLength?: number
}

const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``

/** A number's bounds as written: `> 0`, `≥ 0, < 1`, `1–9999` (the safe-integer bounds of any integer left out). */
function numberBounds(schema: JsonSchema): string {
  const safe = (n: number | undefined) => (n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined)
  const low = safe(schema.minimum)
  const high = safe(schema.maximum)
  const lowOpen = safe(schema.exclusiveMinimum)
  const highOpen = safe(schema.exclusiveMaximum)
  const parts = [lowOpen !== undefined ? `> ${lowOpen}` : low !== undefined ? `≥ ${low}` : '', highOpen !== undefined ? `< ${highOpen}` : high !== undefined ? `≤ ${high}` : ''].filter(Boolean)
  return parts.length ? ` ${parts.join(', ')}` : ''
}

/** What a value may be, from its JSON schema: `integer > 0`, `` `mse` \| `cross-entropy` ``, `{"kind": "exp", "initial": number ≥ 0, …}`. */
function describeValues(schema: JsonSchema, optionLabels?: Record<string, string>): string {
  if (schema.anyOf) return schema.anyOf.map((option) => describeValues(option, optionLabels)).join(', or ')
  if (schema.enum) return schema.enum.map((option) => (optionLabels && Object.hasOwn(optionLabels, String(option)) && optionLabels[String(option)] !== option ? `${code(option)} (${optionLabels[String(option)]})` : code(option))).join(', ')
  if (schema.const !== undefined) return code(schema.const)
  switch (schema.type) {
    case 'integer':
    case 'number':
      return `${schema.type}${numberBounds(schema)}`
    case 'boolean':
      return '`true`, `false`'
    case 'string':
      return schema.maxLength ? `text (at most ${schema.maxLength.toLocaleString('en-US')} characters)` : 'text'
    case 'array': {
      const items = schema.minItems === schema.maxItems ? `${schema.minItems}` : `${schema.minItems ?? 0}–${schema.maxItems ?? 'any'}`
      return `a list of ${items} × ${describeValues(schema.items ?? {})}`
    }
    case 'object':
      return `{${Object.entries(schema.properties ?? {})
        .map(([key, value]) => `"${key}": ${describeValues(value)}`)
        .join(', ')}}`
    default:
      return 'any'
  }
}

/** A field's values cell: the options or the bounds its schema allows. */
function fieldValues(field: Field): string {
  return describeValues(z.toJSONSchema(field.schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema, field.optionLabels)
}

function fieldDefault(field: Field): string {
  if (field.default !== undefined) return code(field.default)
  return field.required ? 'required' : 'unset'
}

/** What a field is: `Learning rate η (unit)`, its description, and the conditions under which it applies. */
function fieldMeaning(field: Field, when: Field['when']): string {
  const title = [field.label, field.symbol].filter(Boolean).join(' ') + (field.unit ? ` (${field.unit})` : '')
  const applies = when.map((c) => `${code(c.path)} is ${c.is.map(code).join(' or ')}`)
  return [title, field.help, applies.length ? `when ${applies.join(' and ')}` : ''].filter(Boolean).join('; ')
}

/**
 * The run-config table: one row per field of the run schema, in schema order. A path that several
 * alternatives share with the same values (`model.activation` of both models) is one row that
 * applies to all of them.
 */
export function runConfigTable(fields: readonly Field[] = runFields): string {
  const rows: { field: Field; values: string; when: Field['when'] }[] = []
  for (const field of fields) {
    const values = fieldValues(field)
    const same = rows.find((row) => row.field.path === field.path && row.values === values && fieldDefault(row.field) === fieldDefault(field) && fieldMeaning(row.field, []) === fieldMeaning(field, []))
    if (!same) {
      rows.push({ field, values, when: field.when })
      continue
    }
    // The same field under another alternative: widen the alternative's condition; drop it once every alternative is in.
    same.when = same.when.flatMap((condition) => {
      const other = field.when.find((c) => c.path === condition.path)
      if (!other) return [condition]
      const is = [...new Set([...condition.is, ...other.is])]
      const selector = fields.find((f) => f.path === condition.path && f.alternatives)
      return selector && selector.options!.every((option) => is.includes(option)) ? [] : [{ path: condition.path, is }]
    })
  }
  return table(
    ['field', 'values', 'default', 'what it is'],
    rows.map(({ field, values, when }) => [code(field.path), values, fieldDefault(field), fieldMeaning(field, when)]),
  )
}

/** A bound as the README writes it: `10,000 characters`, `1 MB`, `0.5 device pixels per CSS pixel`. */
function limitValue({ value, unit }: SizeLimit): string {
  if (unit === 'bytes') return value >= 1024 * 1024 ? `${value / (1024 * 1024)} MB` : `${value / 1024} KB`
  return `${value.toLocaleString('en-US')} ${unit}`
}

/** The sizes table: every bound of src-shared/limits.ts, with its name there. */
export function limitsTable(limits: Record<string, SizeLimit> = sizeLimits): string {
  return table(
    ['what', 'bound', 'name in src-shared/limits.ts'],
    Object.entries(limits).map(([name, limit]) => [limit.what, `${name.startsWith('min') ? '≥' : '≤'} ${limitValue(limit)}`, code(name)]),
  )
}

interface PresetFile {
  title: string
  description: string
  sources?: string
  figure?: unknown
  quick: unknown
  full: unknown
}

/** The presets table: each file in resources/presets with its runs, quick and full (counted from the axes), and its sources. */
export function presetsTable(dir = join(resourcesDir(), 'presets')): string {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
  return table(
    ['preset', 'what it is', 'runs: quick / full', 'sources'],
    files.map((file) => {
      const name = file.replace(/\.json$/, '')
      const preset = JSON.parse(readFileSync(join(dir, file), 'utf8')) as PresetFile
      const runs = [countRuns(preset.quick), countRuns(preset.full)].map((n) => (n === null ? '?' : n.toLocaleString('en-US')))
      const figure = preset.figure ? ` \`fa-lab figure --view ${name}\` draws its figure.` : ''
      return [code(name), `${preset.title} — ${preset.description}${figure}`, runs.join(' / '), preset.sources ?? '']
    }),
  )
}

/** The generated regions by name, from the current sources. */
export async function generatedRegions(): Promise<Record<string, string>> {
  const specs = measureSpecs()
  const commands = await commandList()
  return {
    measures: measuresTable(specs.filter((spec) => !isTheory(spec))),
    'theory-measures': measuresTable(specs.filter(isTheory)),
    commands: table(
      ['command', 'what it does'],
      commands.map(({ name, command }) => [`\`${name}${command.synopsis ? ` ${command.synopsis}` : ''}\``, command.summary]),
    ),
    'run-config': runConfigTable(),
    presets: presetsTable(),
    limits: limitsTable(),
  }
}

const begin = (name: string) => `<!-- generated: ${name} (npm run docs; edit its source, not this table) -->`
const end = (name: string) => `<!-- end generated: ${name} -->`

/**
 * `readme` with every generated region rewritten from `regions`. Throws, naming the region, when
 * README.md lacks a region's markers.
 */
export function regenerate(readme: string, regions: Record<string, string>): string {
  let out = readme
  for (const [name, body] of Object.entries(regions)) {
    const from = out.indexOf(begin(name))
    const to = out.indexOf(end(name))
    if (from < 0 || to < from) throw new Error(`README.md has no generated region '${name}': add the lines\n${begin(name)}\n${end(name)}`)
    out = `${out.slice(0, from + begin(name).length)}\n${body}\n${out.slice(to)}`
  }
  return out
}

/** Null when `readme` is up to date, else the message the check prints. */
export function checkReadme(readme: string, regions: Record<string, string>): string | null {
  const expected = regenerate(readme, regions)
  if (expected === readme) return null
  const stale = Object.keys(regions).filter((name) => regenerate(readme, { [name]: regions[name] }) !== readme)
  return `README.md is out of date (generated ${stale.length === 1 ? 'table' : 'tables'}: ${stale.join(', ')}): run npm run docs`
}
