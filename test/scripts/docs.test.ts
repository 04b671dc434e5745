/**
 * The README's generated tables (scripts/docs): up to date on this checkout, and the check fails,
 * naming README.md and the table, when a source moves on without them (a measure's description
 * edited in the registry, a run-config field added to the schema, a preset file changed) or the
 * table is edited by hand (`npm run docs -- --check` exits 1).
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { checkReadme, generatedRegions, limitsTable, presetsTable, regenerate, runConfigTable } from '../../scripts/docs/readme'
import { sizeLimits } from '../../src-shared/limits'
import { measureSpecs, registerMeasure } from '../../src-shared/measures'
import { commandList, usage } from '../../src-main/cli/main'
import { RunConfig } from '../../src-shared/config'
import { describeFields, runFields } from '../../src-shared/fields'

const root = new URL('../..', import.meta.url).pathname
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const original = measureSpecs().find((m) => m.name === 'signalAlignment')!

afterEach(() => registerMeasure(original))

describe('npm run docs', () => {
  it('the README’s generated tables match their sources', async () => {
    expect(checkReadme(readme, await generatedRegions())).toBeNull()
    expect((await generatedRegions()).measures).toContain(`| ${original.description.replace(/\|/g, '\\|')} |`)
  })

  it('fails naming README.md and the measures table when a measure’s description was edited', async () => {
    registerMeasure({ ...original, description: 'an edited description' })
    expect(checkReadme(readme, await generatedRegions())).toBe('README.md is out of date (generated table: measures): run npm run docs')
    // and writing them puts the new description in, leaving the rest of the README as it was
    const next = regenerate(readme, await generatedRegions())
    expect(next).toContain('| an edited description |')
    expect(next.replace('an edited description', original.description.replace(/\|/g, '\\|'))).toBe(readme)
  })

  it('refuses a README without a table’s markers, naming the table', async () => {
    expect(() => regenerate(readme.replace(/<!-- end generated: commands -->/, ''), { commands: '' })).toThrow(/no generated region 'commands'/)
  })

  it('--check exits 1 naming README.md and each table on a copy whose measure, run-config and preset rows were edited by hand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-docs-'))
    const copy = join(dir, 'README.md')
    const edits: [string, string][] = [
      [original.description, 'hand-edited'],
      ['| `optimizer.learningRate` | number > 0 |', '| `optimizer.learningRate` | number ≥ 0 |'],
      ['| `smoke` | Smoke test', '| `smoke` | A smoke test'],
    ]
    for (const [from] of edits) expect(readme).toContain(from)
    const edited = edits.reduce((text, [from, to]) => text.replace(from, to), readme)
    writeFileSync(copy, edited)
    const script = join(root, 'scripts/docs/docs.ts')
    const tsx = join(root, 'node_modules/tsx/dist/cli.mjs')
    const failed = await promisify(execFile)(process.execPath, [tsx, script, '--check', '--readme', copy], { cwd: root }).catch((error) => error)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/README\.md is out of date \(generated tables: measures, run-config, presets\)/)
    expect(readFileSync(copy, 'utf8')).toBe(edited)
  }, 120_000)

  it('the run-config table is the schema’s: a field added with .meta() is a row with its bounds, default, label, unit and description, and the check names run-config', async () => {
    const Extended = RunConfig.extend({
      warmup: z.int().min(3).max(40).default(5).meta({ label: 'Warm-up', symbol: 'ω', unit: 'steps', description: 'steps before the first update' }),
    })
    const rows = runConfigTable(describeFields(Extended as unknown as z.ZodObject))
    expect(rows).toContain('| `warmup` | integer ≥ 3, ≤ 40 | `5` | Warm-up ω (steps); steps before the first update |')
    expect(rows.split('\n')).toHaveLength((await generatedRegions())['run-config'].split('\n').length + 1)
    expect(checkReadme(readme, { ...(await generatedRegions()), 'run-config': rows })).toBe('README.md is out of date (generated table: run-config): run npm run docs')
  })

  it('the run-config table reads each field’s options, conditions and requiredness off the schema', async () => {
    const table = (await generatedRegions())['run-config']
    for (const field of runFields) expect(table, field.path).toContain(`| \`${field.path}\` |`)
    // options with their labels from .meta(); a field of one alternative says when it applies; a shared one does not
    expect(table).toContain('`fa` (feedback alignment)')
    expect(table).toContain('| `data.teacherWidth` | integer > 0 | `200` | Teacher width (units); when `data.kind` is `synthetic` and `data.teacher` is `two-layer` |')
    expect(table).toMatch(/\| `model\.activation` \| [^\n]* \| `relu` \| Activation ψ \|\n/)
    expect(table).toContain('| `optimizer.learningRate` | number > 0 | required | Learning rate η |')
    expect(table).toContain('| `optimizer.momentum` | number ≥ 0, < 1 | `0` | Momentum μ |')
  })

  it('the sizes table is limits.ts’s: every bound with what it bounds, and the check names limits when one changes', async () => {
    const rows = (await generatedRegions()).limits
    for (const limit of Object.values(sizeLimits)) expect(rows).toContain(`| ${limit.what.replace(/\|/g, '\\|')} | `)
    for (const name of Object.keys(sizeLimits)) expect(rows).toContain(`| \`${name}\` |`)
    expect(rows).toContain('| ≤ 200 characters | `maxNameLength` |')
    expect(rows).toContain('| ≤ 1 MB | `maxConfigFileBytes` |')
    expect(rows).toContain('| ≥ 0.5 device pixels per CSS pixel | `minPixelRatio` |')
    const edited = limitsTable({ ...sizeLimits, maxNameLength: { ...sizeLimits.maxNameLength, value: 300 } })
    expect(edited).toContain('| ≤ 300 characters | `maxNameLength` |')
    expect(checkReadme(readme, { ...(await generatedRegions()), limits: edited })).toBe('README.md is out of date (generated table: limits): run npm run docs')
  })

  it('the presets table is the preset files’: runs counted from the axes, the figure named, and the check names presets when a file changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-presets-'))
    const presets = join(root, 'resources/presets')
    for (const file of readdirSync(presets)) copyFileSync(join(presets, file), join(dir, file))
    expect(presetsTable(dir)).toBe((await generatedRegions()).presets)
    const smoke = JSON.parse(readFileSync(join(dir, 'smoke.json'), 'utf8'))
    smoke.quick.grid.seed = [1, 2, 3]
    smoke.figure = { spec: { measures: ['trainLoss'] } }
    smoke.description = 'Three seeds of two rules.'
    writeFileSync(join(dir, 'smoke.json'), JSON.stringify(smoke))
    const rows = presetsTable(dir)
    expect(rows).toContain('| `smoke` | Smoke test (seconds) — Three seeds of two rules. `fa-lab figure --view smoke` draws its figure. | 6 / 2 | this lab (a check that training works) |')
    expect(checkReadme(readme, { ...(await generatedRegions()), presets: rows })).toBe('README.md is out of date (generated table: presets): run npm run docs')
  })

  it('the command table and fa-lab --help read the same summaries and synopses', async () => {
    const help = await usage()
    for (const { name, command } of await commandList()) {
      expect(help).toContain(`${name.padEnd(14)} ${command.summary}`)
      if (command.synopsis) expect(help).toContain(`${name} ${command.synopsis}`)
      // a table cell escapes its pipes (reproduce's summary says |z| ≤ 2)
      expect((await generatedRegions()).commands).toContain(`| \`${name}${command.synopsis ? ` ${command.synopsis.replace(/\|/g, '\\|')}` : ''}\` | ${command.summary.replace(/\|/g, '\\|')} |`)
    }
  })
})
