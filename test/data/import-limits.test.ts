import { execFileSync } from 'node:child_process'
import { rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { encodeIdx, IdxError, readIdxFile } from '../../src-main/data/idx'
import { importFolder } from '../../src-main/data/registry'
import { tempDir, writeIdxFolder } from './fixtures'

/** A gzip file whose IDX header declares 2 images of 2×2 (24 bytes) but which decompresses to `decompressedBytes` zeros. */
function gzipBomb(decompressedBytes: number): Buffer {
  const header = encodeIdx([2, 2, 2], new Uint8Array(8))
  const body = Buffer.alloc(decompressedBytes)
  body.set(header)
  return gzipSync(body, { level: 9 })
}

describe('dataset import reads within limits (defect 7)', () => {
  const dir = tempDir()

  it('stops decompressing a gzip bomb as soon as it exceeds the size its header declares', async () => {
    const path = join(dir, 'bomb.gz')
    const bomb = gzipBomb(1024 ** 3) // 1 GiB of zeros: about 1 MB compressed
    writeFileSync(path, bomb)
    expect(bomb.length).toBeLessThan(1.1e6)
    const before = process.memoryUsage().rss
    const started = performance.now()
    const error = await readIdxFile(path, 3).catch((e) => e)
    expect(error).toBeInstanceOf(IdxError)
    expect(error.message).toMatch(/bomb\.gz: decompresses to more than the 24 bytes its header declares \(dimensions 2×2×2\)/)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(process.memoryUsage().rss - before).toBeLessThan(100e6)
  })

  it('refuses a named pipe and a symlink to a device without reading them', async () => {
    const fifo = join(dir, 'train-images-idx3-ubyte')
    execFileSync('mkfifo', [fifo])
    await expect(readIdxFile(fifo, 3)).rejects.toThrow(/train-images-idx3-ubyte: is a named pipe: only regular files are read/)
    const zero = join(dir, 'zero-idx3-ubyte')
    symlinkSync('/dev/zero', zero)
    await expect(readIdxFile(zero, 3)).rejects.toThrow(/zero-idx3-ubyte: is a character device: only regular files are read/)
    const folder = writeIdxFolder(join(dir, 'with-fifo'))
    rmSync(join(folder, 't10k-labels-idx1-ubyte.gz'))
    execFileSync('mkfifo', [join(folder, 't10k-labels-idx1-ubyte')])
    await expect(importFolder('mnist', folder, tempDir('fa-lab-home-'))).rejects.toThrow(/t10k-labels-idx1-ubyte: is a named pipe/)
  })

  it('refuses a declared size beyond 1 GiB before allocating anything', async () => {
    const path = join(dir, 'huge-header')
    writeFileSync(path, encodeIdx([100000, 1000, 1000], new Uint8Array(0)))
    await expect(readIdxFile(path, 3)).rejects.toThrow(/declare 100000000000 bytes, more than the 1073741824 an IDX file may hold/)
  })

  it('refuses a folder with 0 training images at import, naming the file', async () => {
    const folder = writeIdxFolder(join(dir, 'empty-train'), { train: 0 })
    await expect(importFolder('mnist', folder, tempDir('fa-lab-home-'))).rejects.toThrow(/train-images-idx3-ubyte\.gz: holds 0 images/)
  })
})
