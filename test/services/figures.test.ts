import { Resvg } from '@resvg/resvg-js'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { renderFigure } from '../../src-main/services/figures'
import { openStore } from '../../src-main/store/store'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-figures-'))
const db = join(dir, 'lab.sqlite')
const store = openStore(db)
const ids = store.queueRuns(
  [0, 0.2].flatMap((lambda) => [1, 2].map((seed) => ({ config: { seed, rule: 'fa', steps: 100, data: { kind: 'synthetic', n: 50 }, optimizer: { batchSize: 0 }, regularization: { outputL2: lambda } } }))),
)
ids.forEach((id, i) => {
  const lambda = i < 2 ? 0 : 0.2
  store.appendMetrics(id, Array.from({ length: 11 }, (_, k) => ({ step: k * 10, metrics: { weightAlignment: lambda + k * 0.01 * (1 + i) }, wallTimeMs: k })))
  store.finishRun(id, { status: 'completed', stepsDone: 100 })
})
const spec = { runIds: ids, measure: 'weightAlignment', groupBy: ['regularization.outputL2'], band: 'ci95' as const, title: 'Alignment under FA', width: 640, height: 400 }

function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(1, 4).toString()).toBe('PNG')
  return [png.readUInt32BE(16), png.readUInt32BE(20)]
}

describe('headless figures', () => {
  it('SVG parses as SVG and names the groups in its legend and both axes', async () => {
    const figure = await renderFigure(store, spec, 'svg')
    const svg = figure.bytes.toString('utf8')
    expect(() => new Resvg(svg)).not.toThrow()
    expect(svg).toMatch(/^<svg[^>]*width="640"[^>]*height="400"/)
    for (const text of ['λ=0', 'λ=0.2', 'step (updates)', 'weight alignment cos(β, b) (cosine) (mean 95% CI)', 'Alignment under FA']) expect(svg).toContain(text)
  })

  it('PNG has the asked size times the pixel ratio; PDF is a one-page PDF of the figure', async () => {
    expect(pngSize((await renderFigure(store, spec, 'png', 3)).bytes)).toEqual([1920, 1200])
    const pdf = (await renderFigure(store, spec, 'pdf')).bytes
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 640 400\]/)
  })

  it('the CSV holds exactly the plotted numbers', async () => {
    const figure = await renderFigure(store, spec, 'svg')
    const lines = figure.csv.trim().split('\n')
    expect(lines[0]).toBe('group,step (updates),"weight alignment cos(β, b) mean",lower,upper')
    // λ = 0 at step 100: runs 1 and 2 have 0.1 and 0.2 → mean 0.15
    const row = lines.find((l) => l.startsWith('λ=0,100,'))!.split(',').map(Number)
    expect(row[2]).toBeCloseTo(0.15, 12)
    // t(0.975, 1) · SE, SE = SD/√2 = (0.1/√2·√2)/… = 0.05
    expect(row[4] - row[2]).toBeCloseTo(12.706 * 0.05, 9)
    expect(lines).toHaveLength(1 + 2 * 11)
    expect(JSON.parse(figure.json).rows).toHaveLength(22)
  })

  it('fa-lab figure renders a saved comparison by name, with its data', async () => {
    store.saveComparison('lambda', spec)
    const out = join(dir, 'figure.png')
    const csv = join(dir, 'figure.csv')
    await promisify(execFile)(process.execPath, [new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname, 'figure', '--db', db, '--view', 'lambda', '--out', out, '--csv', csv, '--pixel-ratio', '1'])
    expect(pngSize(readFileSync(out))).toEqual([640, 400])
    expect(readFileSync(csv, 'utf8')).toBe((await renderFigure(store, spec, 'svg')).csv)
  })
})
