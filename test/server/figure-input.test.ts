import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { crc32 } from 'node:zlib'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src-main/cli/main'
import { maxFigureRuns, maxRequestRunIds } from '../../src-main/lib/limits'
import { startServer } from '../../src-main/server/server'
import { createLabService, type LabService } from '../../src-main/services/lab'

// Figure text and figure sizes are user input: through the real browser-mode server on loopback.
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-figure-input-'))
const staticDir = join(dir, 'renderer')
let lab: LabService
let server: Awaited<ReturnType<typeof startServer>>
let runIds: number[]

beforeAll(async () => {
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>lab</title>')
  lab = createLabService({ labPath: join(dir, 'lab.sqlite'), mode: 'browser', workers: 1, dataDir: dir })
  server = await startServer({ lab, staticDir })
  const base = { seed: 1, data: { kind: 'synthetic', n: 20, inputDim: 5 }, model: { kind: 'two-layer', hidden: 4 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 10, evalEvery: 5 }
  const started = await call('/api/experiments:start', { name: 'figure input', base, grid: { 'regularization.outputL2': [0, 0.1] } })
  runIds = (started.json.result as { runIds: number[] }).runIds
  await lab.runner.whenIdle()
})
afterAll(async () => {
  await server.close()
  await lab.close()
})

function call(path: string, body?: unknown): Promise<{ status: number; json: { result?: unknown; error?: { message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers: { host: `127.0.0.1:${server.port}`, authorization: `Bearer ${server.token}` } }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode!, json: text.startsWith('{') ? JSON.parse(text) : {} }))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify({ argument: body }))
  })
}

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort()

describe('figure text from users (issue 27 D1)', () => {
  it('a run named __proto__, and such titles, legend and axis labels, render without touching Object.prototype; runs:list still answers 200', async () => {
    const before = prototypeKeys()
    expect((await call('/api/runs:rename', { runId: runIds[0], name: '__proto__' })).status).toBe(200)
    const rendered = await call('/api/figures:render', { spec: { runIds, measures: ['trainLoss'] }, format: 'svg' })
    expect(rendered.status).toBe(200)
    for (const text of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const spec = { runIds, measures: ['trainLoss'], title: text, labels: { x: text, y: { trainLoss: text }, legendTitle: text } }
      for (const format of ['svg', 'png']) expect((await call('/api/figures:render', { spec, format })).status).toBe(200)
    }
    expect(prototypeKeys()).toEqual(before)
    expect('prev' in {}).toBe(false)
    expect((await call('/api/runs:list', {})).status).toBe(200)
    expect((await call('/api/experiments:validate', { name: 'after', base: { seed: 1, data: { kind: 'synthetic', n: 20, inputDim: 5 }, model: { kind: 'two-layer', hidden: 4 }, rule: 'fa', steps: 5 }, grid: {} })).status).toBe(200)
  })
})

/** Runs `fa-lab` in-process: its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (stderr += parts.join(' ') + '\n'))
  vi.spyOn(console, 'log').mockImplementation(() => {})
  return { code: await main(args), stderr }
}
afterEach(() => vi.restoreAllMocks())

describe('figure sizes, pixel ratios, fonts and run lists are bounded before any work (issue 27 D2, D3)', () => {
  const db = () => join(dir, 'lab.sqlite')
  const out = (name: string) => join(dir, name)

  it('the CLI refuses a 10⁶ in square PNG, a 10⁵ in strip, pixel ratios NaN, 0 and 10⁶, and a font of 100 pt with exit 2 and what is wrong', async () => {
    const runs = runIds.join(',')
    const square = await cli(['figure', '--db', db(), '--runs', runs, '--out', out('square.png'), '--size', '1000000inx1000000in'])
    expect(square.code).toBe(2)
    expect(square.stderr).toMatch(/1000000in × 1000000in at pixel ratio 1 is 96,000,000 × 96,000,000 px, more than the limit of 100 megapixels/)
    const strip = await cli(['figure', '--db', db(), '--runs', runs, '--out', out('strip.png'), '--size', '100000inx1in'])
    expect(strip.code).toBe(2)
    expect(strip.stderr).toMatch(/more than the limit of 100 megapixels/)
    for (const ratio of ['NaN', '0', '1e6', 'x']) {
      const refused = await cli(['figure', '--db', db(), '--runs', runs, '--out', out('ratio.png'), '--pixel-ratio', ratio])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/--pixel-ratio '.*': pixel ratio .*: expected a number from 0.5 to 8/)
    }
    // within bounds at ratio 1 but not at ratio 8: 60 in × 40 in is 5,760 × 3,840 px, ×64 at ratio 8
    const large = await cli(['figure', '--db', db(), '--runs', runs, '--out', out('large.png'), '--size', '60inx40in', '--pixel-ratio', '8'])
    expect(large.code).toBe(2)
    expect(large.stderr).toMatch(/at pixel ratio 8 is 46,080 × 30,720 px, more than the limit/)
    expect((await cli(['figure', '--db', db(), '--runs', runs, '--out', out('font.svg'), '--font-size', '100'])).code).toBe(2)
    expect(existsSync(out('square.png')) || existsSync(out('strip.png')) || existsSync(out('ratio.png')) || existsSync(out('large.png'))).toBe(false)
    // and what is within bounds still renders
    expect((await cli(['figure', '--db', db(), '--runs', runs, '--out', out('ok.png'), '--size', '3.25inx2.4in', '--pixel-ratio', '3'])).code).toBe(0)
  })

  it('figures:render and comparisons:save answer 400 to such specs; a stored one is refused by figure --view with exit 2', async () => {
    const spec = { runIds, measures: ['trainLoss'] }
    const huge = await call('/api/figures:render', { spec: { ...spec, size: { width: 1e6, height: 1e6, unit: 'in' } }, format: 'png' })
    expect(huge.status).toBe(400)
    expect(huge.json.error?.message).toMatch(/more than the limit of 100 megapixels/)
    expect((await call('/api/figures:render', { spec, format: 'png', pixelRatio: null })).status).toBe(400)
    expect((await call('/api/figures:render', { spec, format: 'png', pixelRatio: 1e6 })).status).toBe(400)
    expect((await call('/api/figures:render', { spec: { ...spec, fontSize: 1e6 }, format: 'svg' })).status).toBe(400)
    // 300,000 repeats of run 1 were stored once, and rendering them went past 2.5 GB
    const repeats = Array.from({ length: maxFigureRuns + 1 }, () => runIds[0])
    const saved = await call('/api/comparisons:save', { name: 'repeats', spec: { ...spec, runIds: repeats } })
    expect(saved.status).toBe(400)
    expect(saved.json.error?.message).toMatch(/runIds/)
    expect((await call('/api/comparisons:save', { name: 'huge', spec: { ...spec, size: { width: 1e6, height: 1e6, unit: 'in' } } })).status).toBe(400)
    // a spec stored before these bounds (written past the service, as an old lab holds it)
    lab.store.saveComparison('old huge', { ...spec, size: { width: 1e6, height: 1e6, unit: 'in' } })
    const view = await cli(['figure', '--db', db(), '--view', 'old huge', '--out', out('old.svg')])
    expect(view.code).toBe(2)
    expect(view.stderr).toMatch(/size: 1000000in × 1000000in at pixel ratio 1 is .* more than the limit of 100 megapixels/)
    expect((await call('/api/runs:list', {})).status).toBe(200)
  })

  it('figures:natural refuses more run ids than one figure may name (limits.ts), before reading any', async () => {
    const ids = Array.from({ length: maxRequestRunIds + 1 }, (_, i) => i + 1)
    const answer = await call('/api/figures:natural', { runIds: ids })
    expect(answer.status).toBe(400)
    expect(answer.json.error?.message).toMatch(new RegExp(`runIds.*${maxRequestRunIds}`))
    expect(answer.json.error?.message).not.toMatch(/"code"|too_big/)
    expect((await call('/api/figures:natural', { runIds: ids.slice(0, maxRequestRunIds) })).status).toBe(200)
  })

  it('figures:render and figures:compare name a measure the runs never logged, and the measures they did', async () => {
    for (const path of ['/api/figures:render', '/api/figures:compare']) {
      const body = path.endsWith('render') ? { spec: { runIds, measures: ['trainLoss', 'noSuchMeasure'] }, format: 'svg' } : { spec: { runIds, measures: ['noSuchMeasure'] } }
      const answer = await call(path, body)
      expect(answer.status, path).toBe(400)
      expect(answer.json.error?.message, path).toMatch(/measure 'noSuchMeasure'.*none of the 2 runs logged it.*trainLoss/)
    }
    expect((await call('/api/runs:list', {})).status).toBe(200)
  })
})

/** The PNG's chunks, each checked against its CRC (zlib's, not the writer's). */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  const chunks: { type: string; data: Buffer }[] = []
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at)
    const type = png.subarray(at + 4, at + 8).toString('latin1')
    expect(png.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + length)))
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) })
    at += 12 + length
  }
  return chunks
}

describe('exports that say what they are (issue 25 item 7)', () => {
  it('the PNG carries its DPI in a pHYs chunk: 96 × the pixel ratio, so 936 px at ratio 3 read as 3.25 in', async () => {
    for (const ratio of [1, 3]) {
      const rendered = await call('/api/figures:render', { spec: { runIds, measures: ['trainLoss'], size: { width: 3.25, height: 2.4, unit: 'in' } }, format: 'png', pixelRatio: ratio })
      const png = Buffer.from((rendered.json.result as { base64: string }).base64, 'base64')
      const chunks = pngChunks(png)
      expect(chunks.map((c) => c.type).slice(0, 2)).toEqual(['IHDR', 'pHYs'])
      expect(chunks.at(-1)!.type).toBe('IEND')
      const [ihdr, phys] = chunks
      const perMetre = phys.data.readUInt32BE(0)
      expect(phys.data.readUInt32BE(4)).toBe(perMetre)
      expect(phys.data.readUInt8(8)).toBe(1)
      expect(perMetre * 0.0254).toBeCloseTo(96 * ratio, 1)
      // width in pixels over pixels per inch: the figure's width in inches
      expect(ihdr.data.readUInt32BE(0) / (perMetre * 0.0254)).toBeCloseTo(3.25, 2)
    }
  })

  it("the CSV's line column names the grouping field: λ = 0.1, not 0.1 under a legend titled λ", async () => {
    const rendered = await call('/api/figures:render', { spec: { runIds, measures: ['trainLoss'], groupBy: ['regularization.outputL2'] }, format: 'svg' })
    const { csv } = rendered.json.result as { csv: string }
    // no cell of this figure holds a comma or a quote
    const [header, ...rows] = csv.trim().split(/\r?\n/).map((l) => l.split(','))
    const line = header.indexOf('line')
    expect([...new Set(rows.map((r) => r[line]))].sort()).toEqual(['λ = 0', 'λ = 0.1'])
  })
})
