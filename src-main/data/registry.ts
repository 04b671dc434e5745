/**
 * What image data the lab has at hand: the bundled sample, verified downloads in the data folder,
 * and folders the user imported (remembered in <data folder>/imported.json).
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { bundledSizes } from '../../src-shared/config'
import type { DatasetEntry } from '../../src-shared/contract'
import { dataHome } from '../lib/paths'
import { catalog, type ImageKind } from './catalog'
import { fileSha256 } from './download'
import { downloadDir, findIdxFiles, loadIdxFolder } from './sources'
import { readIdxFile } from './idx'

interface ImportedFolder {
  kind: ImageKind
  dir: string
}

const importedFile = (dataDir: string) => join(dataDir, 'imported.json')

async function readImported(dataDir: string): Promise<ImportedFolder[]> {
  try {
    const parsed = JSON.parse(await readFile(importedFile(dataDir), 'utf8'))
    return Array.isArray(parsed) ? parsed.filter((e) => e && typeof e.dir === 'string' && e.kind in catalog) : []
  } catch {
    return []
  }
}

/** Label counts and file sizes of a folder's four files, reading only the small label files. */
async function describeFolder(dir: string): Promise<{ trainSize: number; testSize: number; bytes: number }> {
  const files = await findIdxFiles(dir)
  const trainLabels = await readIdxFile(files.trainLabels, 1)
  const testLabels = await readIdxFile(files.testLabels, 1)
  const sizes = await Promise.all(Object.values(files).map((f) => stat(f).then((s) => s.size)))
  return { trainSize: trainLabels.dims[0], testSize: testLabels.dims[0], bytes: sizes.reduce((a, b) => a + b, 0) }
}

/**
 * Validates every file of a folder (magic, types, sizes, counts, labels) and remembers it.
 * Throws naming the file and fault; nothing is recorded for a bad folder.
 */
export async function importFolder(kind: ImageKind, dir: string, dataDir = dataHome()): Promise<DatasetEntry> {
  const absolute = resolve(dir)
  await loadIdxFolder(kind, absolute)
  const imported = (await readImported(dataDir)).filter((e) => !(e.dir === absolute && e.kind === kind))
  imported.push({ kind, dir: absolute })
  await mkdir(dataDir, { recursive: true })
  const temporary = `${importedFile(dataDir)}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify(imported, null, 2))
  await rename(temporary, importedFile(dataDir))
  return { kind, source: 'folder', path: absolute, ...(await describeFolder(absolute)), configSource: { dir: absolute } }
}

/** Everything available now; imported folders that vanished or broke are left out. */
export async function listDatasets(dataDir = dataHome()): Promise<DatasetEntry[]> {
  const out: DatasetEntry[] = []
  // The default (t10k) split: the bundled training digits and the official test set.
  const sizes = bundledSizes({})
  out.push({ kind: 'mnist', source: 'bundled', trainSize: sizes.train, testSize: sizes.test, bytes: (sizes.train + sizes.test) * 785, configSource: 'bundled' })
  for (const entry of Object.values(catalog)) {
    const dir = downloadDir(entry.kind, dataDir)
    const verified = await Promise.all(entry.files.map(async (f) => (await fileSha256(join(dir, f.name))) === f.sha256))
    if (verified.every(Boolean)) out.push({ kind: entry.kind, source: 'download', path: dir, ...(await describeFolder(dir)), configSource: 'download' })
  }
  for (const folder of await readImported(dataDir)) {
    try {
      out.push({ kind: folder.kind, source: 'folder', path: folder.dir, ...(await describeFolder(folder.dir)), configSource: { dir: folder.dir } })
    } catch {
      // A folder that moved or broke since import is not available; it stays remembered.
    }
  }
  return out
}
