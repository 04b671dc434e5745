import { onScopeDispose, ref } from 'vue'
import type { LabApi } from '../../../src-shared/contract'

/**
 * Deleting runs with undo: deleted runs go to the trash, and `undo` offers them back for
 * `undoWindowMs` (15 s) or until the next deletion. `changed` runs after each (to refresh a table).
 * The undo timer ends with the calling scope.
 */
export function useRunDeletion(lab: LabApi, changed: () => Promise<void> | void, undoWindowMs = 15_000) {
  const undo = ref<{ ids: number[] } | null>(null)
  const error = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null

  function clearUndo(): void {
    if (timer) clearTimeout(timer)
    timer = null
    undo.value = null
  }

  async function deleteRuns(ids: number[]): Promise<boolean> {
    if (ids.length === 0) return false
    try {
      await lab.deleteRuns(ids)
    } catch (e) {
      error.value = (e as Error).message
      return false
    }
    error.value = null
    clearUndo()
    undo.value = { ids }
    timer = setTimeout(clearUndo, undoWindowMs)
    await changed()
    return true
  }

  async function undoDelete(): Promise<void> {
    if (!undo.value) return
    try {
      await lab.restoreRuns(undo.value.ids)
    } catch (e) {
      error.value = `The runs could not be restored: ${(e as Error).message}`
      return
    }
    error.value = null
    clearUndo()
    await changed()
  }

  onScopeDispose(clearUndo)
  return { undo, error, deleteRuns, undoDelete }
}
