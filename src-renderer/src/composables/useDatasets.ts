import { ref } from 'vue'
import type { DatasetEntry, DatasetKind, DatasetSamples, DownloadProgress, LabApi, LabInfo } from '../../../src-shared/contract'
import { useEvent } from './useEvent'

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * The datasets this lab can train on, and on the Datasets screen: a dataset's sample images,
 * importing a folder of IDX files, downloading the full sets (with progress) and the lab's mode
 * (the desktop window has a folder dialog). Every call's failure says so in `error` (or, for an
 * import, in `importError`).
 */
export function useDatasets(lab: LabApi) {
  const datasets = ref<DatasetEntry[]>([])
  const info = ref<LabInfo | null>(null)
  const samples = ref<DatasetSamples | null>(null)
  const shownEntry = ref<DatasetEntry | null>(null)
  const download = ref<DownloadProgress | null>(null)
  const imported = ref<DatasetEntry | null>(null)
  const error = ref<string | null>(null)
  const importError = ref<string | null>(null)

  async function refresh(): Promise<DatasetEntry[]> {
    try {
      datasets.value = await lab.listDatasets()
      error.value = null
    } catch (e) {
      error.value = `The datasets could not be listed: ${message(e)}`
    }
    return datasets.value
  }

  async function loadInfo(): Promise<void> {
    try {
      info.value = await lab.getLabInfo()
    } catch (e) {
      error.value = `The lab did not answer: ${message(e)}`
    }
  }

  /** Shows a dataset's first images per class; heading and images change together. */
  async function show(entry: DatasetEntry): Promise<void> {
    try {
      const next = await lab.getDatasetSamples({ kind: entry.kind, source: entry.configSource, perClass: 8 })
      samples.value = next
      shownEntry.value = entry
    } catch (e) {
      error.value = `The images of ${entry.kind} could not be read: ${message(e)}`
    }
  }

  async function importFolder(kind: DatasetKind, dir: string): Promise<DatasetEntry | null> {
    importError.value = null
    imported.value = null
    try {
      const entry = await lab.importDatasetFolder({ kind, dir })
      imported.value = entry
      await refresh()
      await show(entry)
      return entry
    } catch (e) {
      importError.value = message(e)
      return null
    }
  }

  /** The desktop window's folder dialog; null when cancelled (or refused, said in `error`). */
  async function chooseFolder(): Promise<string | null> {
    try {
      return await lab.chooseFolder()
    } catch (e) {
      error.value = `The folder dialog did not open: ${message(e)}`
      return null
    }
  }

  async function startDownload(kind: DatasetKind): Promise<void> {
    download.value = { kind, file: '', receivedBytes: 0, totalBytes: null, percent: 0, done: false }
    try {
      await lab.downloadDataset(kind)
    } catch (e) {
      download.value = { ...download.value, done: true, error: message(e) }
    }
  }
  useEvent(lab, 'downloadProgress', (p) => {
    download.value = p
    if (p.done && !p.error) void refresh()
  })

  return { datasets, info, samples, shownEntry, download, imported, error, importError, refresh, loadInfo, show, importFolder, chooseFolder, startDownload }
}
