/**
 * Image datasets as runs see them: raw bytes from a source, then the config's preprocessing
 * (class subset, size subsets, normalisation), with the dataset's identity recorded.
 */
import { bundledSplitOf, defaultBundledTrainSplit, type ImageDataConfig } from '../../src-shared/config'
import { createRng } from '../lib/random'
import { catalog } from './catalog'
import { fingerprintSplits, type Dataset, type Split } from './dataset'
import { loadRawImages, type RawImageData, type RawSplit, type SourceOptions } from './sources'

/** MNIST's usual pixel mean and standard deviation on [0, 1]. */
export const standardMean = 0.1307
export const standardDeviation = 0.3081

const rawCache = new Map<string, Promise<RawImageData>>()

/** Raw data, read once per process per source (a sweep's runs share it). */
function cachedRaw(spec: ImageDataConfig, options: SourceOptions): Promise<RawImageData> {
  const bundledSplit = bundledSplitOf(spec)
  const key = JSON.stringify([spec.kind, spec.source, bundledSplit, spec.bundledTrainSplit, options.dataDir])
  let entry = rawCache.get(key)
  if (!entry) {
    entry = loadRawImages(spec.kind, spec.source, { ...options, bundledSplit, bundledTrainSplit: spec.bundledTrainSplit })
    rawCache.set(key, entry)
    entry.catch(() => rawCache.delete(key))
  }
  return entry
}

/** Indices kept from a split: those of the chosen classes, then a seeded subset of `size`, in file order. */
function selectIndices(split: RawSplit, classes: number[] | undefined, size: number | undefined, seed: number, stream: string): Int32Array {
  const wanted = classes ? new Set(classes) : null
  let indices: number[] = []
  for (let i = 0; i < split.n; i++) if (!wanted || wanted.has(split.labels[i])) indices.push(i)
  if (size !== undefined && size < indices.length) {
    const order = createRng(seed, stream).permutation(indices.length)
    indices = Array.from(order.subarray(0, size), (k) => indices[k]).sort((a, b) => a - b)
  }
  return Int32Array.from(indices)
}

function buildSplit(raw: RawSplit, pixels: number, indices: Int32Array, spec: ImageDataConfig): Split {
  const n = indices.length
  const x = new Float32Array(n * pixels)
  const labels = new Uint8Array(n)
  const relabel = spec.classes ? new Map(spec.classes.map((c, i) => [c, i])) : null
  const scale = spec.normalize === 'none' ? 1 : 1 / 255
  const shift = spec.normalize === 'standard' ? standardMean : 0
  const divide = spec.normalize === 'standard' ? standardDeviation : 1
  for (let r = 0; r < n; r++) {
    const i = indices[r]
    const offset = i * pixels
    for (let j = 0; j < pixels; j++) x[r * pixels + j] = (raw.images[offset + j] * scale - shift) / divide
    labels[r] = relabel ? relabel.get(raw.labels[i])! : raw.labels[i]
  }
  return { n, x, labels }
}

/** The dataset a run's `data` config describes. The seed picks the trainSize/testSize subsets. */
export async function loadImageDataset(spec: ImageDataConfig, seed: number, options: SourceOptions = {}): Promise<Dataset> {
  const raw = await cachedRaw(spec, options)
  const pixels = raw.rows * raw.cols
  const trainIndices = selectIndices(raw.train, spec.classes, spec.trainSize, seed, 'data.subset.train')
  const testIndices = selectIndices(raw.test, spec.classes, spec.testSize, seed, 'data.subset.test')
  if (trainIndices.length === 0) throw new Error(`no training images of classes ${spec.classes?.join(', ')} in ${raw.source}`)
  const train = buildSplit(raw.train, pixels, trainIndices, spec)
  const test = testIndices.length ? buildSplit(raw.test, pixels, testIndices, spec) : null
  const entry = catalog[spec.kind]
  const classNames = spec.classes ? spec.classes.map((c) => entry.classNames[c]) : entry.classNames
  const subsetBySeed = spec.trainSize !== undefined || spec.testSize !== undefined
  return {
    name: `${entry.title} (${raw.source === 'bundled' ? 'bundled sample' : raw.source})`,
    task: 'classification',
    inputDim: pixels,
    outputDim: classNames.length,
    imageShape: [raw.rows, raw.cols],
    classNames,
    train,
    test,
    identity: {
      kind: spec.kind,
      source: raw.source,
      files: raw.files,
      trainSize: train.n,
      testSize: test?.n ?? 0,
      preprocessing: {
        normalize: spec.normalize,
        classes: spec.classes ?? null,
        trainSize: spec.trainSize ?? null,
        testSize: spec.testSize ?? null,
        // first-10k records what runs recorded before the t10k split existed, so their identities still match.
        ...(raw.source === 'bundled' ? (bundledSplitOf(spec) === 't10k' ? { bundledSplit: 't10k' } : { bundledTrainSplit: spec.bundledTrainSplit ?? defaultBundledTrainSplit }) : {}),
        ...(subsetBySeed ? { subsetSeed: seed } : {}),
      },
      fingerprint: fingerprintSplits(train, test),
    },
  }
}
