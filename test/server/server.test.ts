import { writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { contentSecurityPolicy } from '../../src-shared/csp'
import { serveLabForFile } from './served-lab'

const served = serveLabForFile('fa-lab-server-', (dir) => writeFileSync(join(dir, 'secret.txt'), 'not for the web'))

/** A raw request, so Host and Origin can be set freely. */
const noArgument = Symbol('no argument')
function raw(path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: served.server.port, path, method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode!, text }))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body === noArgument ? {} : { argument: body }))
  })
}
const host = () => `127.0.0.1:${served.server.port}`
const auth = () => ({ authorization: `Bearer ${served.server.token}` })

describe('browser-mode server', () => {
  it('listens on the loopback address and prints a URL with a token', () => {
    expect(served.server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${served.server.port}/\\?token=[\\w-]{32}$`))
  })

  it('answers a request with the token, and refuses one without it or with a wrong one', async () => {
    expect(await raw('/api/lab:info', { host: host(), ...auth() }, noArgument)).toMatchObject({ status: 200 })
    expect((await raw('/api/lab:info', { host: host() }, noArgument)).status).toBe(401)
    expect((await raw('/api/lab:info', { host: host(), authorization: 'Bearer wrong' }, noArgument)).status).toBe(401)
  })

  it('refuses a foreign Origin and a Host other than the loopback address (DNS rebinding)', async () => {
    expect((await raw('/api/lab:info', { host: host(), origin: 'https://evil.example', ...auth() }, noArgument)).status).toBe(403)
    expect((await raw('/api/lab:info', { host: `evil.example:${served.server.port}`, ...auth() }, noArgument)).status).toBe(403)
    expect((await raw('/', { host: `evil.example:${served.server.port}` })).status).toBe(403)
    expect((await raw('/api/lab:info', { host: host(), origin: `http://127.0.0.1:${served.server.port}`, ...auth() }, noArgument)).status).toBe(200)
  })

  it('answers in ASCII: a run named with λ and an emoji arrives as \\u escapes and reads back the same', async () => {
    const [runId] = served.lab.store.queueRuns([{ config: { seed: 1, rule: 'fa', steps: 5, name: 'FA λ=0.1 😀', data: { kind: 'synthetic', n: 4, inputDim: 2 }, model: { kind: 'two-layer', hidden: 2 }, optimizer: { learningRate: 0.1 } } }])
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: served.server.port, path: '/api/runs:get', method: 'POST', headers: { host: host(), ...auth() } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(Buffer.concat(chunks)))
      })
      req.on('error', reject)
      req.end(JSON.stringify({ argument: runId }))
    })
    expect([...bytes].every((b) => b <= 0x7f)).toBe(true)
    expect(bytes.toString('latin1')).toContain('"name":"FA \\u03bb=0.1 \\ud83d\\ude00"')
    expect(JSON.parse(bytes.toString('utf8')).result).toMatchObject({ name: 'FA λ=0.1 😀', config: { name: 'FA λ=0.1 😀' } })
  })

  it('validates arguments with the shared schemas and names the fault', async () => {
    const bad = await raw('/api/runs:get', { host: host(), ...auth() }, 'seven')
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.text).error.message).toMatch(/invalid argument for getRun/)
    const invalid = await raw('/api/experiments:start', { host: host(), ...auth() }, { name: 'x', base: { steps: 0 } })
    expect(invalid.status).toBe(400)
    expect(JSON.parse(invalid.text).error.issues.length).toBeGreaterThan(0)
    expect((await raw('/api/nothing:here', { host: host(), ...auth() }, noArgument)).status).toBe(404)
  })

  it('renames a run and an experiment over HTTP, refusing empty and overlong names with a plain message', async () => {
    const experimentId = served.lab.store.createExperiment({ name: 'sweep', definition: {} })
    const [runId] = served.lab.store.queueRuns([{ config: { seed: 1, rule: 'fa', steps: 5, name: 'sweep λ=0.1', data: { kind: 'synthetic', n: 4, inputDim: 2 }, model: { kind: 'two-layer', hidden: 2 }, optimizer: { learningRate: 0.1 } }, experimentId }])
    const call = (channel: string, argument: unknown) => raw(`/api/${channel}`, { host: host(), ...auth() }, argument)
    expect((await call('runs:rename', { runId, name: '  my best run ' })).status).toBe(200)
    const run = JSON.parse((await call('runs:get', runId)).text).result
    expect(run).toMatchObject({ name: 'my best run', renamed: true, config: { name: 'sweep λ=0.1' } })
    expect((await call('experiments:rename', { experimentId, name: 'the width sweep' })).status).toBe(200)
    expect(JSON.parse((await call('experiments:list', noArgument)).text).result.find((e: { id: number }) => e.id === experimentId)).toMatchObject({ name: 'the width sweep' })
    const empty = await call('runs:rename', { runId, name: '   ' })
    expect(empty.status).toBe(400)
    expect(JSON.parse(empty.text).error.issues).toEqual([{ path: 'name', message: 'a name cannot be empty' }])
    const long = await call('experiments:rename', { experimentId, name: 'x'.repeat(201) })
    expect(JSON.parse(long.text).error.issues).toEqual([{ path: 'name', message: 'a name has at most 200 characters' }])
    expect((await call('runs:rename', { runId: 99_999, name: 'x' })).status).toBe(400)
    expect(served.lab.store.getRun(runId)!.name).toBe('my best run')
  })

  it('serves the renderer but nothing outside its folder', async () => {
    expect((await raw('/', { host: host() })).text).toContain('<title>lab</title>')
    const escape = await raw('/..%2fsecret.txt', { host: host() })
    expect(escape.text).not.toContain('not for the web')
  })

  it('sends the lab’s one Content-Security-Policy, with its own event socket as the only connect target', async () => {
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => request({ host: '127.0.0.1', port: served.server.port, path: '/', headers: { host: host() } }, (res) => (res.resume(), resolve(res.headers))).on('error', reject).end())
    expect(headers['content-security-policy']).toBe(contentSecurityPolicy({ connect: [`ws://127.0.0.1:${served.server.port}`, `ws://localhost:${served.server.port}`] }))
  })

  it('opens the event socket only with the token and from the lab’s own origin', async () => {
    const connect = (query: string, origin?: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${served.server.port}/events${query}`, { headers: origin ? { origin } : {} })
        socket.on('open', () => {
          socket.close()
          resolve('open')
        })
        socket.on('unexpected-response', (_, res) => resolve(String(res.statusCode)))
        socket.on('error', () => resolve('error'))
      })
    expect(await connect(`?token=${served.server.token}`)).toBe('open')
    expect(await connect('')).toBe('401')
    expect(await connect(`?token=${served.server.token}`, 'https://evil.example')).toBe('403')
  })
})
