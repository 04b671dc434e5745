import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { downloadVerified, DownloadError, type DownloadProgress } from '../../src-main/data/download'
import { ensureDownloaded } from '../../src-main/data/sources'
import { tempDir } from './fixtures'

const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251))
const sha256 = createHash('sha256').update(payload).digest('hex')
const servers: Server[] = []
const requests: Record<string, number> = {}

/** A real HTTP server on 127.0.0.1 behaving as `mode` says; returns its base URL. */
async function serve(mode: 'good' | 'drop' | 'wrong'): Promise<string> {
  const server = createServer((request, response) => {
    requests[mode] = (requests[mode] ?? 0) + 1
    response.writeHead(200, { 'content-length': payload.length, 'content-type': 'application/octet-stream' })
    if (mode === 'good') response.end(payload)
    else if (mode === 'wrong') response.end(Buffer.from(payload).fill(7, 1000, 1010))
    else response.write(payload.subarray(0, payload.length / 2), () => response.socket?.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/`
}

/** A loopback URL where nothing listens (a port just freed). */
async function closedPort(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}/`
}

let good: string, drop: string, wrong: string, closed: string
beforeAll(async () => {
  ;[good, drop, wrong, closed] = await Promise.all([serve('good'), serve('drop'), serve('wrong'), closedPort()])
})
afterAll(() => servers.forEach((s) => s.close()))

describe('verified downloads from a local HTTP server', () => {
  it('downloads with progress in bytes and percent, verifies, and reuses the file afterwards without the network', async () => {
    const dir = tempDir()
    const destination = join(dir, 'data.gz')
    const progress: DownloadProgress[] = []
    const result = await downloadVerified('data.gz', sha256, [good], destination, { onProgress: (p) => progress.push(p) })
    expect(result.mirror).toBe(good)
    expect(readFileSync(destination).equals(payload)).toBe(true)
    expect(progress.at(-1)).toMatchObject({ receivedBytes: payload.length, totalBytes: payload.length, percent: 100 })
    expect(progress.length).toBeGreaterThan(1)
    const before = requests.good
    expect((await downloadVerified('data.gz', sha256, [closed], destination)).mirror).toBeNull()
    expect(requests.good).toBe(before)
  })

  it('a connection dropped halfway leaves nothing behind and the next mirror is tried', async () => {
    const dir = tempDir()
    const result = await downloadVerified('data.gz', sha256, [drop, good], join(dir, 'data.gz'))
    expect(result.mirror).toBe(good)
    expect(readdirSync(dir)).toEqual(['data.gz'])
  })

  it('wrong bytes fail the SHA-256 check and leave nothing behind', async () => {
    const dir = tempDir()
    const error = await downloadVerified('data.gz', sha256, [wrong, drop], join(dir, 'data.gz')).catch((e) => e)
    expect(error).toBeInstanceOf(DownloadError)
    expect(error.message).toMatch(new RegExp(`${wrong.replace(/[/.]/g, '\\$&')}data\\.gz: SHA-256 mismatch: got [0-9a-f]{64}, expected ${sha256}`))
    expect(error.message).toMatch(/ended after 100000 of 200000 bytes|connection closed|terminated/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('with no mirror reachable, the message says to use a folder instead, and no file appears', async () => {
    const dataDir = tempDir()
    process.env.FA_LAB_MIRRORS = closed
    try {
      const error = await ensureDownloaded('mnist', { dataDir }).catch((e) => e)
      expect(error.message).toMatch(/Could not download train-images-idx3-ubyte\.gz from any mirror/)
      expect(error.message).toMatch(/connection refused \(ECONNREFUSED\)/)
      expect(error.message).toMatch(/use them as a folder source/)
    } finally {
      delete process.env.FA_LAB_MIRRORS
    }
    expect(existsSync(join(dataDir, 'mnist')) ? readdirSync(join(dataDir, 'mnist')) : []).toEqual([])
  })
})
