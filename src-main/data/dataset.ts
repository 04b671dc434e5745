/**
 * In-memory datasets as the engine consumes them: row-major float32 inputs with either regression
 * targets or class labels. No storage and no tensors here.
 */
import { createHash } from 'node:crypto'

export interface Split {
  n: number
  /** [n, inputDim], row-major. */
  x: Float32Array
  /** Regression targets [n, outputDim]; absent for classification. */
  targets?: Float32Array
  /** Class ids 0..classes−1; absent for regression. */
  labels?: Uint8Array
}

export interface DatasetIdentity {
  kind: string
  /** `synthetic`, `bundled`, `download` or the folder the IDX files were read from. */
  source: string
  /** The files read, with their SHA-256 as stored on disk. */
  files: { name: string; sha256: string }[]
  trainSize: number
  testSize: number
  /** Everything that changes the numbers: normalisation, class subset, seeds, teacher. */
  preprocessing: Record<string, unknown>
  /** SHA-256 over the final arrays: two runs with equal fingerprints saw the same data. */
  fingerprint: string
}

export interface Dataset {
  name: string
  task: 'regression' | 'classification'
  inputDim: number
  /** Regression: outputs per sample; classification: number of classes. */
  outputDim: number
  /** Height and width for image data, so weights can be drawn as pictures. */
  imageShape?: [number, number]
  classNames?: string[]
  train: Split
  test: Split | null
  identity: DatasetIdentity
}

/** SHA-256 (hex) over the bytes of every array of both splits, in a fixed order. */
export function fingerprintSplits(train: Split, test: Split | null): string {
  const hash = createHash('sha256')
  for (const split of [train, test]) {
    if (!split) {
      hash.update('none')
      continue
    }
    for (const array of [split.x, split.targets, split.labels]) {
      if (array) hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength))
      else hash.update('-')
    }
  }
  return hash.digest('hex')
}
