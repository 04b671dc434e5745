import { ref } from 'vue'
import type { DatasetEntry, DatasetKind, LabApi } from '../../../src-shared/contract'

/**
 * A folder of images chosen with the desktop window's native dialog and imported at once, so a bad
 * folder is named right away. `desktop` is false in browser mode, where there is no dialog and
 * the folder's path is typed instead.
 */
export function useFolderChoice(lab: LabApi) {
  const desktop = ref(false)
  const message = ref<string | null>(null)
  const error = ref<string | null>(null)
  void lab.getLabInfo().then((info) => (desktop.value = info.mode === 'electron'))

  /** Opens the dialog and imports the chosen folder as `kind`; null when cancelled or refused (`error` says why). */
  async function choose(kind: DatasetKind): Promise<DatasetEntry | null> {
    message.value = error.value = null
    const dir = await lab.chooseFolder()
    if (!dir) return null
    try {
      const entry = await lab.importDatasetFolder({ kind, dir })
      message.value = `Imported ${entry.kind} from ${entry.path ?? dir}: ${entry.trainSize.toLocaleString('en-US')} training and ${entry.testSize.toLocaleString('en-US')} test images.`
      return entry
    } catch (caught) {
      error.value = (caught as Error).message
      return null
    }
  }

  return { desktop, message, error, choose }
}
