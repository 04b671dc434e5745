/**
 * The IDX format (LeCun's MNIST files): bytes 0–1 zero, byte 2 the element type, byte 3 the number
 * of dimensions, then one big-endian uint32 per dimension, then the elements. Files may be gzipped.
 * Every fault is refused with an IdxError naming the file and what is wrong.
 */
import { createHash } from 'node:crypto'
import { createReadStream, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { createGunzip, gunzipSync, type Gunzip } from 'node:zlib'

export class IdxError extends Error {
  constructor(
    readonly file: string,
    readonly fault: string,
  ) {
    super(`${file}: ${fault}`)
    this.name = 'IdxError'
  }
}

const elementTypes: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'unsigned byte', bytes: 1 },
  0x09: { name: 'signed byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
}

export interface IdxArray {
  dims: number[]
  /** Unsigned bytes, row-major (the only element type MNIST-style files use). */
  data: Uint8Array
}

export interface IdxFile extends IdxArray {
  /** Path as given. */
  path: string
  /** SHA-256 (hex) of the file as stored on disk (compressed if gzipped). */
  sha256: string
}

/** Gunzips when the bytes start with the gzip magic number; otherwise returns them unchanged. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes)
    } catch (error) {
      throw new IdxError(file, `gzip data is corrupt (${(error as Error).message})`)
    }
  }
  return bytes
}

/** Largest body an IDX file may declare: far above MNIST's 47 MB, far below what would exhaust a worker. */
export const maxIdxBodyBytes = 1024 ** 3

interface IdxHeader {
  dims: number[]
  headerBytes: number
  bodyBytes: number
}

/**
 * Checks the header at the start of `bytes`; null while fewer bytes than the header needs have
 * arrived and `complete` is false. Refuses, with an IdxError, a wrong magic number or element type,
 * the wrong number of dimensions, and a declared size above `maxIdxBodyBytes`.
 */
function readHeader(bytes: Uint8Array, file: string, expectedDims: number | undefined, complete: boolean): IdxHeader | null {
  if (bytes.length < 4) {
    if (complete) throw new IdxError(file, `too short to be an IDX file (${bytes.length} bytes)`)
    return null
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')
    throw new IdxError(file, `wrong magic number ${magic}: an IDX file starts with 00 00`)
  }
  const type = elementTypes[bytes[2]]
  if (!type) throw new IdxError(file, `unknown IDX element type 0x${bytes[2].toString(16).padStart(2, '0')}`)
  if (bytes[2] !== 0x08) throw new IdxError(file, `element type is ${type.name}; MNIST-style files hold unsigned bytes (0x08)`)
  const ndims = bytes[3]
  if (expectedDims !== undefined && ndims !== expectedDims) {
    throw new IdxError(file, `has ${ndims} dimension${ndims === 1 ? '' : 's'}, expected ${expectedDims}`)
  }
  const headerBytes = 4 + 4 * ndims
  if (bytes.length < headerBytes) {
    if (complete) throw new IdxError(file, `header is truncated: ${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.length}`)
    return null
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims: number[] = []
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false))
  const bodyBytes = dims.reduce((a, b) => a * b, 1) * type.bytes
  if (bodyBytes > maxIdxBodyBytes) throw new IdxError(file, `dimensions ${dims.join('×')} declare ${bodyBytes} bytes, more than the ${maxIdxBodyBytes} an IDX file may hold`)
  return { dims, headerBytes, bodyBytes }
}

/**
 * Parses IDX bytes (already gunzipped) holding unsigned bytes with `expectedDims` dimensions.
 * `file` names the source in errors.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedDims?: number): IdxArray {
  const { dims, headerBytes, bodyBytes: expected } = readHeader(bytes, file, expectedDims, true)!
  const found = bytes.length - headerBytes
  if (found < expected) throw new IdxError(file, `body is truncated: dimensions ${dims.join('×')} need ${expected} bytes, found ${found}`)
  if (found > expected) throw new IdxError(file, `dimensions ${dims.join('×')} need ${expected} bytes, but ${found - expected} extra bytes follow`)
  return { dims, data: bytes.subarray(headerBytes) }
}

function describeKind(info: Stats): string {
  if (info.isDirectory()) return 'a folder'
  if (info.isFIFO()) return 'a named pipe'
  if (info.isCharacterDevice()) return 'a character device'
  if (info.isBlockDevice()) return 'a block device'
  if (info.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * Collects an IDX file's (decompressed) bytes as they arrive: the header first, then the body into
 * one array of the size the header declares. Anything past that size is refused at once, so memory
 * never exceeds the declared size whatever the file holds.
 */
function createCollector(path: string, expectedDims: number | undefined, tooMuch: (header: IdxHeader) => string) {
  let header: IdxHeader | null = null
  let head = new Uint8Array(0)
  let out: Uint8Array | null = null
  let filled = 0
  return {
    push(chunk: Uint8Array): void {
      if (!header) {
        const joined = new Uint8Array(head.length + chunk.length)
        joined.set(head)
        joined.set(chunk, head.length)
        header = readHeader(joined, path, expectedDims, false)
        if (!header) {
          head = joined
          return
        }
        out = new Uint8Array(header.headerBytes + header.bodyBytes)
        chunk = joined
      }
      if (chunk.length > out!.length - filled) throw new IdxError(path, tooMuch(header))
      out!.set(chunk, filled)
      filled += chunk.length
    },
    /** The bytes collected: header and body, or the short start of a file too small to have a header. */
    bytes(): Uint8Array {
      return out ? out.subarray(0, filled) : head
    },
  }
}

/**
 * Reads, hashes, gunzips if needed and parses an IDX file. Only regular files are read (a pipe or
 * a device, also behind a symlink, is refused before it is opened), and decompression stops as
 * soon as the output exceeds what the header declares.
 */
export async function readIdxFile(path: string, expectedDims?: number): Promise<IdxFile> {
  let info: Stats
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new IdxError(path, code === 'ENOENT' ? 'no such file' : (error as Error).message)
  }
  if (!info.isFile()) throw new IdxError(path, `is ${describeKind(info)}: only regular files are read`)
  const hash = createHash('sha256')
  let gzipped: boolean | null = null
  const collector = createCollector(path, expectedDims, (header) =>
    gzipped
      ? `decompresses to more than the ${header.headerBytes + header.bodyBytes} bytes its header declares (dimensions ${header.dims.join('×')})`
      : `dimensions ${header.dims.join('×')} need ${header.bodyBytes} bytes, but ${info.size - header.headerBytes - header.bodyBytes} extra bytes follow`,
  )
  const input = createReadStream(path, { highWaterMark: 1024 * 1024 })
  let gunzip: Gunzip | null = null
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => {
        input.destroy()
        gunzip?.destroy()
        reject(error)
      }
      const take = (chunk: Uint8Array) => {
        try {
          collector.push(chunk)
        } catch (error) {
          fail(error)
        }
      }
      input.on('error', (error) => fail(new IdxError(path, error.message)))
      input.on('data', (data) => {
        const chunk = data as Buffer
        hash.update(chunk)
        if (gzipped === null) {
          gzipped = chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b
          if (gzipped) {
            gunzip = createGunzip({ chunkSize: 256 * 1024 })
            gunzip.on('data', take)
            gunzip.on('error', (error) => fail(new IdxError(path, `gzip data is corrupt (${error.message})`)))
            gunzip.on('end', () => resolve())
          }
        }
        if (gunzip) gunzip.write(chunk)
        else take(chunk)
      })
      input.on('end', () => {
        if (gunzip) gunzip.end()
        else resolve()
      })
    })
  } finally {
    input.destroy()
  }
  const parsed = parseIdx(collector.bytes(), path, expectedDims)
  return { ...parsed, path, sha256: hash.digest('hex') }
}

/** Encodes unsigned bytes as an IDX file (uncompressed); used for fixtures and exports. */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length)
  const view = new DataView(out.buffer)
  out[2] = 0x08
  out[3] = dims.length
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  out.set(data, 4 + 4 * dims.length)
  return out
}

export interface ImageLabelPair {
  images: IdxFile
  labels: IdxFile
  /** Images per file, rows × cols. */
  count: number
  rows: number
  cols: number
}

/**
 * Checks that an images file (3 dims) and a labels file (1 dim) belong together and that every
 * label is a digit class 0..classes−1.
 */
export function checkPair(images: IdxFile, labels: IdxFile, classes = 10): ImageLabelPair {
  const [count, rows, cols] = images.dims
  if (count === 0) throw new IdxError(images.path, 'holds 0 images: a dataset needs at least one')
  if (rows === 0 || cols === 0) throw new IdxError(images.path, `images are ${rows}×${cols}: a dataset needs at least one pixel per image`)
  if (labels.dims[0] !== count) {
    throw new IdxError(labels.path, `holds ${labels.dims[0]} labels but ${basename(images.path)} holds ${count} images`)
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= classes) throw new IdxError(labels.path, `label ${labels.data[i]} at index ${i} is outside 0..${classes - 1}`)
  }
  return { images, labels, count, rows, cols }
}
