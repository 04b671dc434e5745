import { Resvg } from '@resvg/resvg-js'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure } from '../../src-shared/figure'
import { FigureSpec, zoomedSpec } from '../../src-shared/figure-spec'
import { figureSnapshot, type TextBox } from '../../src-renderer/src/charts/figure-snapshot'
import { loadFigureSeries, renderFigure, renderSvg } from '../../src-main/services/figures'
import { openStore } from '../../src-main/store/store'

const run = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-figures-'))
const db = join(dir, 'lab.sqlite')
const store = openStore(db)
const ids = store.queueRuns(
  [0, 0.2].flatMap((lambda) => [1, 2].map((seed) => ({ config: { seed, rule: 'fa', steps: 100, data: { kind: 'synthetic', n: 50 }, optimizer: { batchSize: 0 }, regularization: { outputL2: lambda } } }))),
)
ids.forEach((id, i) => {
  const lambda = i < 2 ? 0 : 0.2
  store.appendMetrics(id, Array.from({ length: 11 }, (_, k) => ({ step: k * 10, metrics: { weightAlignment: lambda + k * 0.01 * (1 + i), testLoss: 1 / (1 + k + i) }, wallTimeMs: k })))
  store.finishRun(id, { status: 'completed', stepsDone: 100 })
})
const spec = { runIds: ids, measures: ['weightAlignment'], groupBy: ['regularization.outputL2'], band: 'ci95' as const, title: 'Alignment under FA', size: { width: 640, height: 400, unit: 'px' as const } }

function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(1, 4).toString()).toBe('PNG')
  return [png.readUInt32BE(16), png.readUInt32BE(20)]
}

const intersects = (a: TextBox, b: { x: number; y: number; width: number; height: number }) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

describe('headless figures', () => {
  it('SVG parses as SVG, has the figure’s physical size, and names the groups and both axes', async () => {
    const figure = await renderFigure(store, { ...spec, size: { width: 6.75, height: 4, unit: 'in' } }, 'svg')
    const svg = figure.bytes.toString('utf8')
    expect(() => new Resvg(svg)).not.toThrow()
    expect(svg).toMatch(/^<svg width="6.75in" height="4in"[^>]*viewBox="0 0 486 288"/)
    for (const text of ['λ', '>0<', '>0.2<', 'step', 'weight alignment cos(β, b) (mean, 95%\u00a0CI)', 'Alignment under FA']) expect(svg).toContain(text)
  })

  it('PNG has the size in CSS pixels times the pixel ratio; the PDF’s page is the figure’s size with every font embedded', async () => {
    expect(pngSize((await renderFigure(store, spec, 'png', 3)).bytes)).toEqual([1920, 1200])
    expect(pngSize((await renderFigure(store, { ...spec, size: { width: 3.25, height: 2.4, unit: 'in' } }, 'png', 3)).bytes)).toEqual([936, 691])
    const pdf = (await renderFigure(store, { ...spec, measures: ['weightAlignment', 'testLoss'], size: { width: 3.25, height: 2.4, unit: 'in' } }, 'pdf')).bytes
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 234 172.8\]/)
    const file = join(dir, 'figure.pdf')
    writeFileSync(file, pdf)
    const fonts = (await run('pdffonts', [file])).stdout.trim().split('\n').slice(2)
    expect(fonts.length).toBeGreaterThan(0)
    // name type encoding emb sub uni: every font embedded
    for (const line of fonts) expect(line).toMatch(/DejaVuSans\s.*\syes\s+yes\s+yes\s/)
  })

  it('headless, a run the user renamed is called by its name in a per-run legend', async () => {
    const own = openStore(join(dir, 'renamed.sqlite'))
    const [a, b] = own.queueRuns([0, 0.2].map((lambda) => ({ config: { seed: 1, rule: 'fa', steps: 10, name: `w λ=${lambda}`, data: { kind: 'synthetic', n: 5 }, regularization: { outputL2: lambda } } })))
    for (const id of [a, b]) own.appendMetrics(id, [0, 10].map((step) => ({ step, metrics: { weightAlignment: step / 100 + id }, wallTimeMs: step })))
    own.renameRun(b, 'strong feedback')
    const svg = (await renderFigure(own, { runIds: [a, b], measures: ['weightAlignment'] }, 'svg')).bytes.toString('utf8')
    expect(svg).toContain('>strong feedback<')
    // the run keeping its generated name is labelled by what differs
    expect(svg).toContain('>λ = 0<')
    expect(svg).not.toContain('w λ=0')
    own.close()
  })

  it('the CSV holds exactly the plotted numbers', async () => {
    const figure = await renderFigure(store, spec, 'svg')
    const lines = figure.csv.trim().split('\n')
    expect(lines[0]).toBe('panel,line,curve,step,value,"lower (mean, 95% CI)","upper (mean, 95% CI)",runs,panel title')
    // λ = 0 at step 100: runs 1 and 2 have 0.1 and 0.2 → mean 0.15
    const row = lines.find((l) => l.startsWith('weightAlignment,λ = 0,mean,100,'))!.split(',').map(Number)
    expect(row[4]).toBeCloseTo(0.15, 12)
    // t(0.975, 1) · SE, SE = SD/√2 = 0.05
    expect(row[6] - row[4]).toBeCloseTo(12.706 * 0.05, 9)
    expect(lines).toHaveLength(1 + 2 * 11)
    expect(JSON.parse(figure.json).rows).toHaveLength(22)
  })

  it('layout at 3.25 × 2.4 in, 8 pt, two panels, eight groups: no text overlaps text or crosses a plot area', () => {
    const lambdas = [0, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1]
    const make = (measure: string) =>
      lambdas.flatMap((lambda, i) =>
        [1, 2].map((seed, j): RunSeries => {
          const steps = Array.from({ length: 151 }, (_, k) => k * 200)
          const values = steps.map((s) => (measure === 'testAccuracy' ? 0.8 + 0.15 * (1 - Math.exp(-s / 5000)) - lambda / 10 + seed / 300 : lambda * 0.5 * (1 - Math.exp(-s / 8000)) + 0.02 * Math.sin(s / 900 + seed)))
          return { runId: 1 + 2 * i + j, config: { seed, rule: 'fa', regularization: { outputL2: lambda } }, steps, values, wallTimesMs: steps }
        }),
      )
    for (const [size, fontSize] of [
      [{ width: 3.25, height: 2.4, unit: 'in' }, 8],
      [{ width: 3, height: 2.2, unit: 'in' }, 9],
      [{ width: 6.75, height: 2.8, unit: 'in' }, 8],
    ] as const) {
      const figureSpec = FigureSpec.parse({ runIds: Array.from({ length: 16 }, (_, i) => i + 1), measures: ['signalAlignment', 'testAccuracy'], groupBy: ['regularization.outputL2'], band: 'sd', size, fontSize, title: 'Signal alignment and accuracy under regularised FA' })
      const figure = buildFigure(figureSpec, { signalAlignment: make('signalAlignment'), testAccuracy: make('testAccuracy') })
      let snapshot: ReturnType<typeof figureSnapshot> | null = null
      const svg = renderSvg(figure, figureSpec, (chart) => (snapshot = figureSnapshot(chart)))
      expect(svg).toContain('λ')
      const { texts, grids } = snapshot!
      expect(grids).toHaveLength(2)
      expect(texts.length).toBeGreaterThan(20)
      for (const [i, a] of texts.entries()) {
        // inside the figure
        expect(a.x, a.text).toBeGreaterThanOrEqual(0)
        expect(a.y, a.text).toBeGreaterThanOrEqual(0)
        expect(a.x + a.width, a.text).toBeLessThanOrEqual(figure.width + 1e-6)
        expect(a.y + a.height, a.text).toBeLessThanOrEqual(figure.height + 1e-6)
        for (const b of texts.slice(i + 1)) expect(intersects(a, b), `'${a.text}' overlaps '${b.text}' at ${JSON.stringify(size)}`).toBe(false)
        for (const g of grids) expect(intersects(a, g), `'${a.text}' crosses a plot at ${JSON.stringify(size)}`).toBe(false)
      }
    }
  })

  it('fa-lab figure renders a saved comparison by name, with its data', async () => {
    store.saveComparison('lambda', spec)
    const out = join(dir, 'figure.png')
    const csv = join(dir, 'figure.csv')
    await run(process.execPath, [cli, 'figure', '--db', db, '--view', 'lambda', '--out', out, '--csv', csv, '--pixel-ratio', '1'])
    expect(pngSize(readFileSync(out))).toEqual([640, 400])
    expect(readFileSync(csv, 'utf8')).toBe((await renderFigure(store, spec, 'svg')).csv)
  })

  it('a saved comparison keeps its zoom: fa-lab figure draws the zoomed range', async () => {
    const zoomed = zoomedSpec(FigureSpec.parse(spec), 'weightAlignment', [20, 70], [0.1, 0.3])
    store.saveComparison('zoomed', zoomed)
    const out = join(dir, 'zoomed.svg')
    await run(process.execPath, [cli, 'figure', '--db', db, '--view', 'zoomed', '--out', out])
    // the saved spec, read back, draws x on [20, 70] and (the panel's own y, not shared) y on [0.1, 0.3]
    const saved = FigureSpec.parse(store.getComparison('zoomed'))
    let axes: { dim: string; min: number; max: number }[] = []
    renderSvg(buildFigure(saved, loadFigureSeries(store, saved)), saved, (chart) => (axes = figureSnapshot(chart).axes))
    expect(axes.map((a) => [a.dim, a.min, a.max])).toEqual([['x', 20, 70], ['y', 0.1, 0.3]])
    // the file is that figure (zrender numbers its instances and their style classes: zr0-cls-0, zr1-cls-3, …)
    const same = (svg: string) => svg.replace(/zr\d+-cls-\d+/g, 'zr-cls').replace(/zr\d+-/g, 'zr-')
    const svg = same(readFileSync(out, 'utf8'))
    expect(svg).toBe(same((await renderFigure(store, zoomed, 'svg')).bytes.toString('utf8')))
    expect(svg).not.toBe(same((await renderFigure(store, spec, 'svg')).bytes.toString('utf8')))
  })

  it('fa-lab figure takes runs, panels, grouping, size and font size on the command line', async () => {
    const out = join(dir, 'cli.svg')
    const csv = join(dir, 'cli.csv')
    await run(process.execPath, [cli, 'figure', '--db', db, '--runs', ids.join(','), '--panels', 'weightAlignment,testLoss', '--group-by', 'regularization.outputL2', '--size', '3.25inx2.4in', '--font-size', '8', '--out', out, '--csv', csv])
    const svg = readFileSync(out, 'utf8')
    expect(svg).toMatch(/^<svg width="3.25in" height="2.4in"/)
    expect(svg).toContain('font-size:8px')
    const rows = readFileSync(csv, 'utf8').trim().split('\n')
    expect(new Set(rows.slice(1).map((r) => r.split(',')[0]))).toEqual(new Set(['weightAlignment', 'testLoss']))
    expect(rows).toHaveLength(1 + 2 * 2 * 11)
    const bad = await run(process.execPath, [cli, 'figure', '--db', db, '--runs', ids.join(','), '--panels', 'weightAlignment', '--size', '3x2ft', '--out', out]).catch((e: { code: number; stderr: string }) => e)
    expect(bad).toMatchObject({ code: 2 })
    expect((bad as { stderr: string }).stderr).toMatch(/--size/)
  })
})
