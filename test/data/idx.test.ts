import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { encodeIdx, IdxError, readIdxFile } from '../../src-main/data/idx'
import { importFolder, listDatasets } from '../../src-main/data/registry'
import { loadIdxFolder } from '../../src-main/data/sources'
import { bundledData, tempDir, writeIdxFolder } from './fixtures'

const published: Record<string, string> = {
  't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
}

describe('IDX reader on the real MNIST test set', () => {
  it('reads 10,000 images of 28×28 with the published SHA-256 and per-digit label counts', async () => {
    const images = await readIdxFile(join(bundledData, 't10k-images-idx3-ubyte.gz'), 3)
    const labels = await readIdxFile(join(bundledData, 't10k-labels-idx1-ubyte.gz'), 1)
    expect(images.dims).toEqual([10000, 28, 28])
    expect(images.data.length).toBe(10000 * 784)
    expect(images.sha256).toBe(published['t10k-images-idx3-ubyte.gz'])
    expect(labels.sha256).toBe(published['t10k-labels-idx1-ubyte.gz'])
    // counts straight from the file's bytes (header is 8 bytes), independent of the reader
    const rawLabels = gunzipSync(readFileSync(join(bundledData, 't10k-labels-idx1-ubyte.gz'))).subarray(8)
    const expected = new Array(10).fill(0)
    rawLabels.forEach((l) => expected[l]++)
    const counted = new Array(10).fill(0)
    labels.data.forEach((l) => counted[l]++)
    expect(counted).toEqual(expected)
    expect(counted).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    // The bundled labels: the first 10,000 of train-labels-idx1-ubyte.gz (published SHA-256 3552534a…),
    // whose label bytes hash as below (checked against that file when they were bundled).
    const trainLabels = await readIdxFile(join(bundledData, 'mnist-bundled-labels-idx1-ubyte.gz'), 1)
    expect(trainLabels.dims).toEqual([10000])
    expect(createHash('sha256').update(trainLabels.data).digest('hex')).toBe('2f345bad07338ec537641465e169cc4b7288a44244f251211c7f842641e7d927')
  })
})

describe('Fashion-MNIST from Debian’s dataset-fashion-mnist through a folder source', () => {
  const dir = '/usr/share/datasets/fashion-mnist'
  it('reads 60,000 + 10,000 images', async () => {
    expect(existsSync(dir), `${dir} is missing: apt-get install dataset-fashion-mnist (.ci/run does)`).toBe(true)
    const raw = await loadIdxFolder('fashion-mnist', dir)
    expect([raw.train.n, raw.test.n, raw.rows, raw.cols]).toEqual([60000, 10000, 28, 28])
    expect(raw.files).toHaveLength(4)
  })
})

describe('bad IDX input is refused naming the file and the fault', () => {
  const dir = tempDir()
  const write = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name)
    writeFileSync(path, bytes)
    return path
  }
  const good = encodeIdx([2, 2, 2], new Uint8Array(8).fill(1))

  const cases: [string, Uint8Array, RegExp][] = [
    ['magic.idx', Uint8Array.from([1, 2, ...good.subarray(2)]), /magic\.idx: wrong magic number 01 02 08 03/],
    ['type.idx', Uint8Array.from([0, 0, 0x0d, ...good.subarray(3)]), /type\.idx: element type is float; MNIST-style files hold unsigned bytes/],
    ['unknown-type.idx', Uint8Array.from([0, 0, 0x42, ...good.subarray(3)]), /unknown-type\.idx: unknown IDX element type 0x42/],
    ['truncated.idx', good.subarray(0, good.length - 3), /truncated\.idx: body is truncated: dimensions 2×2×2 need 8 bytes, found 5/],
    ['extra.idx', Uint8Array.from([...good, 9, 9]), /extra\.idx: dimensions 2×2×2 need 8 bytes, but 2 extra bytes follow/],
    ['header.idx', good.subarray(0, 9), /header\.idx: header is truncated/],
    ['tiny.idx', Uint8Array.from([0, 0]), /tiny\.idx: too short/],
    ['dims.idx', encodeIdx([8], new Uint8Array(8)), /dims\.idx: has 1 dimension, expected 3/],
    ['broken.gz', gzipSync(good).subarray(0, 20), /broken\.gz: gzip data is corrupt/],
  ]
  for (const [name, bytes, message] of cases)
    it(name, async () => {
      const path = write(name, bytes)
      const error = await readIdxFile(path, 3).catch((e) => e)
      expect(error).toBeInstanceOf(IdxError)
      expect(error.message).toMatch(message)
      expect(error.file).toBe(path)
    })

  it('image and label counts that disagree, and labels outside 0..9, refuse the folder and import nothing', async () => {
    const home = tempDir('fa-lab-home-')
    const counts = writeIdxFolder(join(dir, 'counts'))
    writeFileSync(join(counts, 't10k-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([9], new Uint8Array(9))))
    await expect(importFolder('mnist', counts, home)).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz: holds 9 labels but t10k-images-idx3-ubyte\.gz holds 10 images/)

    const range = writeIdxFolder(join(dir, 'range'), { gzip: false })
    writeFileSync(join(range, 'train-labels-idx1-ubyte'), encodeIdx([20], Uint8Array.from({ length: 20 }, (_, i) => (i === 7 ? 12 : 1))))
    await expect(importFolder('mnist', range, home)).rejects.toThrow(/train-labels-idx1-ubyte: label 12 at index 7 is outside 0\.\.9/)

    await expect(importFolder('mnist', join(dir, 'nowhere'), home)).rejects.toThrow(/nowhere: no such folder/)
    expect(existsSync(join(home, 'imported.json'))).toBe(false)
    expect((await listDatasets(home)).map((e) => e.source)).toEqual(['bundled'])
  })

  it('a good folder imports and is listed with its sizes', async () => {
    const home = tempDir('fa-lab-home-')
    const folder = writeIdxFolder(join(dir, 'good'), { train: 30, test: 12 })
    await importFolder('fashion-mnist', folder, home)
    const listed = await listDatasets(home)
    expect(listed[1]).toMatchObject({ kind: 'fashion-mnist', source: 'folder', path: folder, trainSize: 30, testSize: 12, configSource: { dir: folder } })
    expect(createHash('sha256').update(readFileSync(join(home, 'imported.json'))).digest('hex')).toHaveLength(64)
  })
})
