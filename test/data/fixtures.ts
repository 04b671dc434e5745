/** Small IDX files written by the tests themselves, and the real MNIST files the repository ships. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { encodeIdx } from '../../src-main/data/idx'

/** resources/data: MNIST's official test set (t10k) and the bundled training digits' labels. */
export const bundledData = new URL('../../resources/data/', import.meta.url).pathname

export function tempDir(prefix = 'fa-lab-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A consistent tiny dataset: `train` and `test` images of rows×cols with labels cycling 0..9. */
export function writeIdxFolder(dir: string, { train = 20, test = 10, rows = 4, cols = 4, gzip = true } = {}) {
  mkdirSync(dir, { recursive: true })
  const images = (n: number) => encodeIdx([n, rows, cols], Uint8Array.from({ length: n * rows * cols }, (_, i) => (i * 7) % 256))
  const labels = (n: number) => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10))
  const files = {
    'train-images-idx3-ubyte': images(train),
    'train-labels-idx1-ubyte': labels(train),
    't10k-images-idx3-ubyte': images(test),
    't10k-labels-idx1-ubyte': labels(test),
  }
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes)
  return dir
}
