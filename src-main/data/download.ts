/**
 * Verified downloads: each file is streamed to a temporary name beside its destination, hashed on
 * the way, and renamed into place only when its SHA-256 matches. A dropped connection, a stall,
 * or wrong bytes leave nothing behind that could be mistaken for data; the next mirror is tried.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

export interface DownloadProgress {
  file: string
  mirror: string
  receivedBytes: number
  /** From Content-Length; null when the server did not say. */
  totalBytes: number | null
  /** 0–100, null when the total is unknown. */
  percent: number | null
}

export class DownloadError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DownloadError'
  }
}

export interface DownloadOptions {
  onProgress?(progress: DownloadProgress): void
  /** Abort a mirror when no bytes arrive for this long. */
  stallTimeoutMs?: number
  signal?: AbortSignal
}

/** SHA-256 (hex) of a file on disk, or null when it does not exist. */
export async function fileSha256(path: string): Promise<string | null> {
  try {
    await stat(path)
  } catch {
    return null
  }
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const networkErrors: Record<string, string> = {
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
}

async function fetchOnce(url: string, file: string, sha256: string, partial: string, options: DownloadOptions): Promise<void> {
  const controller = new AbortController()
  const stallMs = options.stallTimeoutMs ?? 30_000
  let stalled = false
  let timer = setTimeout(() => ((stalled = true), controller.abort()), stallMs)
  const onOuterAbort = () => controller.abort()
  options.signal?.addEventListener('abort', onOuterAbort)
  const handle = await open(partial, 'w')
  try {
    const response = await fetch(url, { signal: controller.signal, redirect: 'follow' })
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim())
    const length = Number(response.headers.get('content-length'))
    const totalBytes = Number.isFinite(length) && length > 0 ? length : null
    const hash = createHash('sha256')
    let receivedBytes = 0
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer)
      timer = setTimeout(() => ((stalled = true), controller.abort()), stallMs)
      hash.update(chunk)
      await handle.write(chunk)
      receivedBytes += chunk.length
      options.onProgress?.({ file, mirror: url, receivedBytes, totalBytes, percent: totalBytes ? (100 * receivedBytes) / totalBytes : null })
    }
    if (totalBytes !== null && receivedBytes !== totalBytes) throw new Error(`connection ended after ${receivedBytes} of ${totalBytes} bytes`)
    const digest = hash.digest('hex')
    if (digest !== sha256) throw new Error(`SHA-256 mismatch: got ${digest}, expected ${sha256}`)
    await handle.sync()
  } catch (error) {
    if (options.signal?.aborted) throw new DownloadError(`download of ${file} was cancelled`)
    if (stalled) throw new Error(`no data for ${stallMs / 1000} s`)
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const code = cause?.code
    throw new Error(code ? `${networkErrors[code] ?? 'network error'} (${code})` : (cause?.message ?? (error as Error).message))
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onOuterAbort)
    await handle.close()
  }
}

/**
 * Puts `file` at `destination`, verified against `sha256`, trying `mirrors` (base URLs) in order.
 * A verified file already there is reused without any network access.
 */
export async function downloadVerified(file: string, sha256: string, mirrors: string[], destination: string, options: DownloadOptions = {}): Promise<{ path: string; mirror: string | null }> {
  if ((await fileSha256(destination)) === sha256) return { path: destination, mirror: null }
  await mkdir(dirname(destination), { recursive: true })
  const partial = `${destination}.partial-${process.pid}`
  const failures: string[] = []
  for (const base of mirrors) {
    const url = new URL(file, base.endsWith('/') ? base : `${base}/`).toString()
    try {
      await fetchOnce(url, file, sha256, partial, options)
      await rename(partial, destination)
      return { path: destination, mirror: base }
    } catch (error) {
      await rm(partial, { force: true })
      if (error instanceof DownloadError) throw error
      failures.push(`  ${url}: ${(error as Error).message}`)
    }
  }
  const offline = failures.every((f) => /ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH/.test(f))
  throw new DownloadError(
    `Could not download ${file} from any mirror:\n${failures.join('\n')}\n` +
      (offline ? 'This machine seems to be offline. ' : '') +
      'Download the four IDX files on another machine and use them as a folder source ({"dir": "<folder>"}, or Import folder in the app).',
  )
}
