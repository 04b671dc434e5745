/**
 * Browser mode: the built renderer and the lab contract served on 127.0.0.1 only. Requests
 * (POST /api/<channel>) need the session token; requests with a foreign Origin or a Host other
 * than the loopback address are refused, so a web page in the user's browser cannot drive the lab.
 * Events go out over a WebSocket at /events, behind the same checks.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { LabError } from '../../src-shared/contract'
import { contentSecurityPolicy } from '../../src-shared/csp'
import { maxRequestBytes } from '../lib/limits'
import { asciiJson } from './ascii-json'
import type { LabService } from '../services/lab'
import { isInputError, serveLab } from '../services/serve'

export interface ServerOptions {
  lab: LabService
  /** Folder of the built renderer (index.html and assets). */
  staticDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token (tests); a random one otherwise. */
  token?: string
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
}

export async function startServer(options: ServerOptions) {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const staticRoot = resolve(options.staticDir)
  let port = 0

  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`]
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`)

  /** Null when the request may proceed, else the status and reason to refuse it with. */
  function refuse(request: IncomingMessage, needsToken: boolean, presented?: string | null): [number, string] | null {
    if (!allowedHosts().includes(request.headers.host ?? '')) return [403, 'Host must be the loopback address the lab listens on']
    const origin = request.headers.origin
    if (origin !== undefined && !allowedOrigins().includes(origin)) return [403, `requests from ${origin} are not allowed`]
    if (needsToken) {
      const given = Buffer.from(presented ?? '')
      const expected = Buffer.from(token)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return [401, 'missing or wrong lab token: open the URL the lab printed']
    }
    return null
  }

  function send(response: ServerResponse, status: number, body: unknown): void {
    // ASCII: Chromium reads it on its one-byte path (ascii-json.ts)
    const bytes = asciiJson(JSON.stringify(body))
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    response.end(bytes)
  }

  async function readBody(request: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of request) {
      size += (chunk as Buffer).length
      if (size > maxRequestBytes) throw new LabError(`request body too large: more than ${maxRequestBytes.toLocaleString('en-US')} bytes`)
      chunks.push(chunk as Buffer)
    }
    if (size === 0) return undefined
    try {
      return (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { argument?: unknown }).argument
    } catch {
      throw new LabError('request body is not JSON')
    }
  }

  async function serveApi(request: IncomingMessage, response: ServerResponse, channel: string): Promise<void> {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? null
    const refused = refuse(request, true, bearer)
    if (refused) return send(response, refused[0], { error: { message: refused[1] } })
    if (request.method !== 'POST') return send(response, 405, { error: { message: 'use POST' } })
    if (!served.has(channel)) return send(response, 404, { error: { message: `no request channel '${channel}'` } })
    let argument: unknown
    try {
      argument = await readBody(request)
    } catch (error) {
      return send(response, isInputError(error) ? 400 : 500, { error: LabError.toWire(error) })
    }
    const { reply, inputError } = await served.answer(channel, argument)
    send(response, reply.error ? (inputError ? 400 : 500) : 200, reply)
  }

  async function serveStatic(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
    const refused = refuse(request, false)
    if (refused) return send(response, refused[0], { error: { message: refused[1] } })
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      return send(response, 400, { error: { message: 'malformed percent-encoding in the path' } })
    }
    const relative = normalize(decoded).replace(/^([/\\])+/, '')
    let file = resolve(staticRoot, relative || 'index.html')
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return send(response, 404, { error: { message: 'not found' } })
    let info = await stat(file).catch(() => null)
    if (!info || info.isDirectory() || !extname(file)) {
      // client-side routes fall back to the app
      file = join(staticRoot, 'index.html')
      info = await stat(file).catch(() => null)
      if (!info) return send(response, 500, { error: { message: `the renderer is not built (${file} is missing): run npm run build` } })
    }
    response.writeHead(200, {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] }),
    })
    createReadStream(file).pipe(response)
  }

  const server = createServer((request, response) => {
    let url: URL
    try {
      url = new URL(request.url ?? '/', 'http://127.0.0.1')
    } catch {
      return send(response, 400, { error: { message: 'malformed request URL' } })
    }
    const api = /^\/api\/([\w:-]+)$/.exec(url.pathname)
    const work = api ? serveApi(request, response, api[1]) : serveStatic(request, response, url.pathname)
    work.catch((error) => {
      if (!response.headersSent) send(response, 500, { error: { message: String(error?.message ?? error) } })
      else response.destroy()
    })
  })

  const sockets = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    let url: URL | null = null
    try {
      url = new URL(request.url ?? '/', 'http://127.0.0.1')
    } catch {
      // a malformed URL is bad input: answered, never thrown out of this handler (it would end the process)
    }
    const refused = !url ? ([400, 'malformed request URL'] as [number, string]) : url.pathname === '/events' ? refuse(request, true, url.searchParams.get('token')) : ([404, 'not found'] as [number, string])
    if (refused) {
      const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }
      socket.end(`HTTP/1.1 ${refused[0]} ${reasons[refused[0]] ?? 'Forbidden'}\r\nConnection: close\r\n\r\n`)
      return
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request))
  })

  const served = serveLab(options.lab, {
    send(channel, payload) {
      const message = JSON.stringify({ channel, payload })
      sockets.clients.forEach((client: WebSocket) => {
        if (client.readyState === client.OPEN) client.send(message)
      })
    },
  })

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen())
  })
  port = (server.address() as AddressInfo).port

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close(): Promise<void> {
      served.close()
      sockets.clients.forEach((c) => c.terminate())
      sockets.close()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
