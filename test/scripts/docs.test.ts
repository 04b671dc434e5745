/**
 * The README's generated tables (scripts/docs): up to date on this checkout, and the check fails,
 * naming README.md and the table, when a source moves on without them (a measure's description
 * edited in the registry) or the table is edited by hand (`npm run docs -- --check` exits 1).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { checkReadme, generatedRegions, regenerate } from '../../scripts/docs/readme'
import { measureSpecs, registerMeasure } from '../../src-shared/measures'
import { commandList, usage } from '../../src-main/cli/main'

const root = new URL('../..', import.meta.url).pathname
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const original = measureSpecs().find((m) => m.name === 'signalAlignment')!

afterEach(() => registerMeasure(original))

describe('npm run docs', () => {
  it('the README’s generated tables match their sources', () => {
    expect(checkReadme(readme)).toBeNull()
    expect(generatedRegions().measures).toContain(`| ${original.description.replace(/\|/g, '\\|')} |`)
  })

  it('fails naming README.md and the measures table when a measure’s description was edited', () => {
    registerMeasure({ ...original, description: 'an edited description' })
    expect(checkReadme(readme)).toBe('README.md is out of date (generated table: measures): run npm run docs')
    // and writing them puts the new description in, leaving the rest of the README as it was
    const next = regenerate(readme)
    expect(next).toContain('| an edited description |')
    expect(next.replace('an edited description', original.description.replace(/\|/g, '\\|'))).toBe(readme)
  })

  it('refuses a README without a table’s markers, naming the table', () => {
    expect(() => regenerate(readme.replace(/<!-- end generated: commands -->/, ''))).toThrow(/no generated region 'commands'/)
  })

  it('--check exits 1 naming README.md on a copy whose measure row was edited by hand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-docs-'))
    const copy = join(dir, 'README.md')
    writeFileSync(copy, readme.replace(original.description, 'hand-edited'))
    const script = join(root, 'scripts/docs/docs.ts')
    const tsx = join(root, 'node_modules/tsx/dist/cli.mjs')
    const failed = await promisify(execFile)(process.execPath, [tsx, script, '--check', '--readme', copy], { cwd: root }).catch((error) => error)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/README\.md is out of date \(generated table: measures\)/)
    expect(readFileSync(copy, 'utf8')).toContain('hand-edited')
  }, 120_000)

  it('the command table and fa-lab --help read the same summaries and synopses', () => {
    const help = usage()
    for (const { name, command } of commandList()) {
      expect(help).toContain(`${name.padEnd(14)} ${command.summary}`)
      if (command.synopsis) expect(help).toContain(`${name} ${command.synopsis}`)
      // a table cell escapes its pipes (reproduce's summary says |z| ≤ 2)
      expect(generatedRegions().commands).toContain(`| \`${name}${command.synopsis ? ` ${command.synopsis.replace(/\|/g, '\\|')}` : ''}\` | ${command.summary.replace(/\|/g, '\\|')} |`)
    }
  })
})
