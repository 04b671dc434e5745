/**
 * The IDX format (LeCun's MNIST files): bytes 0–1 zero, byte 2 the element type, byte 3 the number
 * of dimensions, then one big-endian uint32 per dimension, then the elements. Files may be gzipped.
 * Every fault is refused with an IdxError naming the file and what is wrong.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { gunzipSync } from 'node:zlib'

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

/**
 * Parses IDX bytes (already gunzipped) holding unsigned bytes with `expectedDims` dimensions.
 * `file` names the source in errors.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedDims?: number): IdxArray {
  if (bytes.length < 4) throw new IdxError(file, `too short to be an IDX file (${bytes.length} bytes)`)
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
  if (bytes.length < headerBytes) throw new IdxError(file, `header is truncated: ${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims: number[] = []
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false))
  const expected = dims.reduce((a, b) => a * b, 1) * type.bytes
  const found = bytes.length - headerBytes
  if (found < expected) throw new IdxError(file, `body is truncated: dimensions ${dims.join('×')} need ${expected} bytes, found ${found}`)
  if (found > expected) throw new IdxError(file, `dimensions ${dims.join('×')} need ${expected} bytes, but ${found - expected} extra bytes follow`)
  return { dims, data: bytes.subarray(headerBytes) }
}

/** Reads, hashes, gunzips if needed and parses an IDX file. */
export async function readIdxFile(path: string, expectedDims?: number): Promise<IdxFile> {
  let raw: Buffer
  try {
    raw = await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new IdxError(path, code === 'ENOENT' ? 'no such file' : (error as Error).message)
  }
  const sha256 = createHash('sha256').update(raw).digest('hex')
  const parsed = parseIdx(maybeGunzip(raw, path), path, expectedDims)
  return { ...parsed, path, sha256 }
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
  if (labels.dims[0] !== count) {
    throw new IdxError(labels.path, `holds ${labels.dims[0]} labels but ${basename(images.path)} holds ${count} images`)
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= classes) throw new IdxError(labels.path, `label ${labels.data[i]} at index ${i} is outside 0..${classes - 1}`)
  }
  return { images, labels, count, rows, cols }
}
