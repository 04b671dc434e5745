/**
 * The README's tables that restate code, generated from it: the measures (src-shared/measures.ts's
 * registry), the theory measures (the same registry) and the command line (each command's own
 * synopsis and summary, as `fa-lab --help` prints them). Each table sits between marker comments
 * in README.md:
 *
 *   <!-- generated: NAME (npm run docs; edit its source, not this table) -->
 *   ...
 *   <!-- end generated: NAME -->
 *
 * `npm run docs` rewrites them; `npm run docs -- --check` exits 1, naming README.md, when they differ.
 */
import { commandList } from '../../src-main/cli/main'
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

/** The generated regions by name, from the current sources. */
export function generatedRegions(): Record<string, string> {
  const specs = measureSpecs()
  return {
    measures: measuresTable(specs.filter((spec) => !isTheory(spec))),
    'theory-measures': measuresTable(specs.filter(isTheory)),
    commands: table(
      ['command', 'what it does'],
      commandList().map(({ name, command }) => [`\`${name}${command.synopsis ? ` ${command.synopsis}` : ''}\``, command.summary]),
    ),
  }
}

const begin = (name: string) => `<!-- generated: ${name} (npm run docs; edit its source, not this table) -->`
const end = (name: string) => `<!-- end generated: ${name} -->`

/**
 * `readme` with every generated region rewritten from `regions`. Throws, naming the region, when
 * README.md lacks a region's markers.
 */
export function regenerate(readme: string, regions: Record<string, string> = generatedRegions()): string {
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
export function checkReadme(readme: string, regions: Record<string, string> = generatedRegions()): string | null {
  const expected = regenerate(readme, regions)
  if (expected === readme) return null
  const stale = Object.keys(regions).filter((name) => regenerate(readme, { [name]: regions[name] }) !== readme)
  return `README.md is out of date (generated ${stale.length === 1 ? 'table' : 'tables'}: ${stale.join(', ')}): run npm run docs`
}
