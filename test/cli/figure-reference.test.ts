/**
 * `fa-lab figure --view song2021-width --reference`: the paper's published numbers drawn over the
 * preset's figure, in every export format, from a real lab (SQLite) and the shipped reference file.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { figureCommand } from '../../src-main/cli/figure'
import { UsageError } from '../../src-main/cli/args'
import { queueExperiment } from '../../src-main/services/experiments'
import { findPreset } from '../../src-main/services/presets'
import { openStore } from '../../src-main/store/store'
import { expandExperiment } from '../../src-shared/experiment'
import { getPath } from '../../src-shared/fields'
import { ReferenceFile } from '../../src-shared/reproduction'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-figure-reference-'))
const db = join(dir, 'lab.sqlite')
/** Where the exports are kept to be looked at (the e2e harness's folder). */
const figures = join(process.cwd(), 'test-output', 'figures')
const reference = ReferenceFile.parse(JSON.parse(readFileSync(new URL('../../resources/references/song2021-width.json', import.meta.url), 'utf8')))
const publishedOf = (config: unknown) => reference.cells.find((c) => Object.entries(c.key).every(([path, value]) => getPath(config, path) === value))!

beforeAll(async () => {
  const store = openStore(db)
  const preset = await findPreset('song2021-width')
  const { experimentId, runIds } = queueExperiment(store, preset.experiment)
  const { runs } = expandExperiment(preset.experiment)
  // stand-in results (training 256 runs is the preset's job): each cell's published mean, the
  // linear λ > 0 cells 0.2 low (as the 2·minSteps cap made them), ± the seed
  runIds.forEach((id, i) => {
    const { config } = runs[i]
    const low = config.model.activation === 'linear' && (config.regularization.outputL2 as number) > 0 ? 0.2 : 0
    store.appendMetrics(id, [{ step: config.steps, metrics: { weightAlignment: publishedOf(config).mean - low + (config.seed - 4.5) / 200 }, wallTimeMs: 1 }])
    store.finishRun(id, { status: 'completed', stepsDone: config.steps, stopReason: 'converged' })
  })
  store.renameExperiment(experimentId, 'my Fig. 2')
  store.close()
  mkdirSync(figures, { recursive: true })
})

/** A CSV line's cells ("" inside quotes is a quote). */
const cells = (line: string) => [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]))
/** The CSV's rows by column name, the x column (the swept field's title) as `x`. */
const csvRows = (file: string) => {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map(cells)
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [i === 3 ? 'x' : h, r[i]])))
}

describe('fa-lab figure --reference', () => {
  it('draws every published cell the runs fall in over the preset’s figure, its citation in the legend, its numbers in the CSV', async () => {
    const svg = join(figures, 'song2021-width-reference.svg')
    const csv = join(dir, 'reference.csv')
    expect(await figureCommand.run(['--db', db, '--view', 'song2021-width', '--reference', '--out', svg, '--csv', csv])).toBe(0)
    const rows = csvRows(csv)
    const published = rows.filter((r) => r.curve === `${reference.label} (±2 SE)`)
    // 4 activations × 4 λ × p ∈ {200, 800}, beside our 32 means
    expect(published).toHaveLength(32)
    expect(rows.filter((r) => r.curve === 'mean')).toHaveLength(32)
    for (const row of published) {
      const activation = JSON.parse(row.panel.split('|')[1])
      const lambda = Number(row.line.replace('λ = ', ''))
      const cell = reference.cells.find((c) => c.key['model.activation'] === activation && c.key['regularization.outputL2'] === lambda && c.key['model.hidden'] === Number(row.x))!
      const se = cell.sd! / Math.sqrt(cell.n)
      expect(Number(row.value)).toBe(cell.mean)
      expect(Number(row['lower (mean ± SD; published rows: mean ± 2 SE)'])).toBeCloseTo(cell.mean - 2 * se, 12)
      expect(Number(row['upper (mean ± SD; published rows: mean ± 2 SE)'])).toBeCloseTo(cell.mean + 2 * se, 12)
      expect(Number(row.runs)).toBe(50)
      // our line of that cell is drawn beside it
      expect(rows.some((r) => r.curve === 'mean' && r.panel === row.panel && r.line === row.line && r.x === row.x)).toBe(true)
    }
    const text = readFileSync(svg, 'utf8')
    expect(text).toContain(`>${reference.label}</text>`)

    // the same figure without --reference has none of it
    const bare = join(dir, 'bare.svg')
    const bareCsv = join(dir, 'bare.csv')
    expect(await figureCommand.run(['--db', db, '--view', 'song2021-width', '--out', bare, '--csv', bareCsv])).toBe(0)
    expect(readFileSync(bare, 'utf8')).not.toContain(`>${reference.label}</text>`)
    expect(csvRows(bareCsv)).toHaveLength(32)
  })

  it('PNG and PDF carry the overlay; --experiment N finds the preset of a renamed experiment', async () => {
    const png = join(figures, 'song2021-width-reference.png')
    const pdf = join(figures, 'song2021-width-reference.pdf')
    expect(await figureCommand.run(['--db', db, '--view', 'song2021-width', '--reference', '--out', png, '--pixel-ratio', '2'])).toBe(0)
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG')
    expect(await figureCommand.run(['--db', db, '--experiment', '1', '--reference', '--out', pdf])).toBe(0)
    const words = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    expect(words).toContain(reference.label)
  })

  it('refuses --reference where there are no published numbers, naming why (exit 2)', async () => {
    await expect(figureCommand.run(['--db', db, '--runs', '1,2', '--reference', '--out', join(dir, 'x.svg')])).rejects.toThrow(UsageError)
    await expect(figureCommand.run(['--db', db, '--runs', '1,2', '--reference', '--out', join(dir, 'x.svg')])).rejects.toThrow(/not a preset's.*song2021-width/)
    const spec = join(dir, 'spec.json')
    await import('node:fs/promises').then((fs) => fs.writeFile(spec, JSON.stringify({ runIds: [1, 2], measures: ['weightAlignment'], reference: 'no-such-preset' })))
    await expect(figureCommand.run(['--db', db, '--view', spec, '--reference', '--out', join(dir, 'x.svg')])).rejects.toThrow(/no-such-preset ships no published numbers/)
    // a spec naming a reference that does not exist, without the flag: the renderer names the file it looked for
    await expect(figureCommand.run(['--db', db, '--view', spec, '--out', join(dir, 'x.svg')])).rejects.toThrow(/no published numbers for 'no-such-preset'.*no-such-preset\.json/)
  })
})
