import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
  const started = await call('/api/experiments:start', { name: 'figure input', base, grid: { seed: [1, 2] } })
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
