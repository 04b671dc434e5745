import fc from 'fast-check'
import { mkdirSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { requestChannels } from '../../src-shared/contract'
import { maxRequestBytes } from '../../src-shared/limits'
import { experiment, runConfig } from '../shared/arbitraries'
import { serveLabForFile } from './served-lab'

const served = serveLabForFile('fa-lab-server-hardening-')
const { dir } = served

/** A request with the token; `body` is sent as is (a string) or as `{ argument }`. */
function call(path: string, body?: unknown, method = 'POST'): Promise<{ status: number; json: { result?: unknown; error?: { message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: served.server.port, path, method, headers: { host: `127.0.0.1:${served.server.port}`, authorization: `Bearer ${served.server.token}` } }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode!, json: text.startsWith('{') ? JSON.parse(text) : {} }))
    })
    req.on('error', reject)
    req.end(typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify({ argument: body }))
  })
}

/**
 * A POST to runs:list whose body is `{"argument":{}` then spaces then `}` (valid JSON of `bytes`
 * bytes), written chunk by chunk with backpressure until the server answers or all is sent.
 */
function sendPadded(bytes: number): Promise<{ status: number; message?: string; sent: number }> {
  const head = Buffer.from('{"argument":{}')
  return new Promise((resolve, reject) => {
    let sent = 0
    let answered = false
    const req = request({ host: '127.0.0.1', port: served.server.port, path: '/api/runs:list', method: 'POST', headers: { host: `127.0.0.1:${served.server.port}`, authorization: `Bearer ${served.server.token}`, 'content-length': bytes } }, (res) => {
      answered = true
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => {
        resolve({ status: res.statusCode!, message: text.startsWith('{') ? JSON.parse(text).error?.message : undefined, sent })
        req.destroy()
      })
    })
    req.on('error', (error) => (answered ? undefined : reject(error)))
    const chunk = Buffer.alloc(1 << 20, 0x20)
    const write = () => {
      while (!answered && sent < bytes) {
        const piece = sent === 0 ? head : sent + chunk.length >= bytes - 1 ? chunk.subarray(0, bytes - 1 - sent) : chunk
        sent += piece.length
        if (sent === bytes - 1) {
          req.end(Buffer.concat([piece, Buffer.from('}')]))
          sent++
          return
        }
        if (!req.write(piece)) return void req.once('drain', write)
      }
    }
    write()
  })
}

const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 20, inputDim: 5 },
  model: { kind: 'two-layer', hidden: 4 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  steps: 5,
  evalEvery: 5,
}

describe('browser-mode server under hostile input', () => {
  it('a __proto__ grid path is refused and later requests still work (defect 1)', async () => {
    const validation = await call('/api/experiments:validate', { name: 'p', base, grid: { '__proto__.polluted': [1] } })
    expect(validation.status).toBe(200)
    expect(validation.json.result).toMatchObject({ ok: false, issues: [{ path: 'grid.__proto__.polluted' }] })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((await call('/api/runs:list', {})).status).toBe(200)
    const started = await call('/api/experiments:start', { name: 'after', base, grid: {} })
    expect(started.status).toBe(200)
    await served.lab.runner.whenIdle()
  })

  it('counts a 10¹⁰-run grid and refuses it without expanding it (defect 3)', async () => {
    const grid = Object.fromEntries(['seed', 'steps', 'evalEvery', 'evalSamples', 'data.n', 'data.inputDim', 'model.hidden', 'optimizer.learningRate', 'regularization.outputL2', 'regularization.weightDecay'].map((p) => [p, Array.from({ length: 10 }, (_, i) => i + 1)]))
    // expanding 10¹⁰ runs would take the server down before it answered: an answer shows the count came first
    const validation = await call('/api/experiments:validate', { name: 'huge', base, grid })
    expect(validation.json.result).toMatchObject({ ok: false, runCount: 1e10, maxRuns: 10_000 })
    expect(JSON.stringify(validation.json.result)).toContain('expands to 10,000,000,000 runs, more than the limit of 10,000')
    expect((await call('/api/experiments:start', { name: 'huge', base, grid })).status).toBe(400)
  })

  it('reads a request body up to maxRequestBytes and refuses a longer one while it arrives, naming the bound (limits.ts)', async () => {
    const atBound = await sendPadded(maxRequestBytes)
    expect(atBound).toMatchObject({ status: 200, sent: maxRequestBytes })
    const over = await sendPadded(maxRequestBytes + 1)
    expect(over).toMatchObject({ status: 400, message: `request body too large: more than ${maxRequestBytes.toLocaleString('en-US')} bytes` })
    // six times the bound: the answer comes before the client has sent it all (the server stops reading at the bound)
    const huge = await sendPadded(6 * maxRequestBytes)
    expect(huge.status).toBe(400)
    expect(huge.sent).toBeLessThan(6 * maxRequestBytes)
    expect((await call('/api/runs:list', {})).status).toBe(200)
  })

  it('answers 400, never 500, to malformed input (defect 9)', async () => {
    expect((await call('/%E0%A4%A', undefined, 'GET')).status).toBe(400)
    expect((await call('/assets/%', undefined, 'GET')).status).toBe(400)
    expect((await call('/api/runs:list', '{not json')).status).toBe(400)
    expect((await call('/api/datasets:import', { kind: 'mnist', dir: join(dir, 'no-such-folder') })).status).toBe(400)
    const empty = join(dir, 'empty-folder')
    mkdirSync(empty)
    const imported = await call('/api/datasets:import', { kind: 'mnist', dir: empty })
    expect(imported.status).toBe(400)
    expect(imported.json.error?.message).toMatch(/lacks the train images/)
    expect((await call('/api/datasets:samples', { kind: 'mnist', source: { dir: empty }, perClass: 1 })).status).toBe(400)
    expect((await call('/api/runs:get', 999)).status).toBe(400)
    expect((await call('//[', undefined, 'GET')).status).toBe(400)
  })

  it('answers a WebSocket upgrade with a malformed URL with 400 and keeps serving', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(served.server.port, '127.0.0.1', () => socket.write(`GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${served.server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`))
      let text = ''
      socket.on('data', (c) => (text += c))
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/)
    expect((await call('/api/runs:list', {})).status).toBe(200)
  })

  it('a few hundred generated requests get 200 or 400, and runs:list still answers', async () => {
    const channels = Object.values(requestChannels).filter((c) => c !== 'datasets:download' && c !== 'experiments:start')
    let sent = 0
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...channels), fc.oneof(experiment, runConfig, fc.jsonValue({ maxDepth: 3 })), async (channel, argument) => {
        const answer = await call(`/api/${channel}`, channel === 'experiments:validate' ? argument : argument)
        sent++
        expect([200, 400]).toContain(answer.status)
      }),
      { numRuns: 200, seed: 11 },
    )
    await fc.assert(
      fc.asyncProperty(experiment, async (input) => {
        const answer = await call('/api/experiments:validate', input)
        sent++
        expect(answer.status).toBe(200)
      }),
      { numRuns: 200, seed: 12 },
    )
    expect(sent).toBe(400)
    const list = await call('/api/runs:list', {})
    expect(list.status).toBe(200)
    expect(Array.isArray((list.json.result as { runs: unknown }).runs)).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
