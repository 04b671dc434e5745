import { onScopeDispose, ref, watch, type Ref } from 'vue'
import type { LabApi, RunDetail, TheorySpectra, WeightImages } from '../../../src-shared/contract'
import { useEvent } from './useEvent'
import { useRename } from './useRename'

/**
 * One run's record, its first-layer weight images, its stored theory spectra and its editable
 * tags and note. Reloads when `runId` changes, when the run finishes and when its status changes;
 * `saved` confirms a save for `savedMessageMs`.
 */
export function useRunDetail(lab: LabApi, runId: Ref<number>, savedMessageMs = 2000) {
  const run = ref<RunDetail | null>(null)
  const weights = ref<WeightImages | null>(null)
  const spectra = ref<TheorySpectra | null>(null)
  const tags = ref('')
  const note = ref('')
  const saved = ref('')
  const loadError = ref('')
  const saveError = ref('')
  const cancelError = ref('')
  let savedTimer: ReturnType<typeof setTimeout> | null = null

  /** Loads the run of `runId` as it was when called: leaving the page mid-load (no id any more) or moving to another run drops the rest. */
  async function load(): Promise<void> {
    const id = runId.value
    if (!Number.isInteger(id) || id < 1) return
    const current = () => runId.value === id
    try {
      const detail = await lab.getRun(id)
      if (!current()) return
      run.value = detail
      tags.value = detail.tags.join(', ')
      note.value = detail.note
      const images = await lab.getWeightImages({ runId: id, count: 32 })
      if (!current()) return
      weights.value = images
      const kept = await lab.getTheorySpectra(id)
      if (current()) spectra.value = kept
      if (current()) loadError.value = ''
    } catch (error) {
      if (current()) loadError.value = `Run ${id} could not be loaded: ${error instanceof Error ? error.message : String(error)}`
    }
  }
  watch(runId, () => void load(), { immediate: true })
  useEvent(lab, 'runFinished', (f) => {
    if (f.runId === runId.value) void load()
  })
  useEvent(lab, 'runProgress', (p) => {
    if (p.runId === runId.value && run.value && run.value.status !== p.status) void load()
  })

  const resumeError = ref('')
  /** Continues the run from its checkpoint; the refusal, if any, lands in `resumeError`. */
  async function resume(): Promise<void> {
    resumeError.value = ''
    try {
      await lab.resumeRun(runId.value)
    } catch (error) {
      resumeError.value = error instanceof Error ? error.message : String(error)
    }
    await load()
  }

  /** Renames the run (its name only); a refusal lands in `renameError`. */
  const { error: renameError, rename } = useRename((name: string) => lab.renameRun({ runId: runId.value, name }), load)

  /** Saves the tags (comma-separated, trimmed, blanks dropped) and the note. */
  async function saveAnnotations(): Promise<void> {
    saveError.value = ''
    try {
      await lab.setRunTags({ runId: runId.value, tags: tags.value.split(',').map((t) => t.trim()).filter(Boolean) })
      await lab.setRunNote({ runId: runId.value, note: note.value })
    } catch (error) {
      saveError.value = `Not saved: ${error instanceof Error ? error.message : String(error)}`
      return
    }
    saved.value = 'saved'
    if (savedTimer) clearTimeout(savedTimer)
    savedTimer = setTimeout(() => (saved.value = ''), savedMessageMs)
  }
  onScopeDispose(() => {
    if (savedTimer) clearTimeout(savedTimer)
  })

  /** Cancels the run (queued or training); a refusal lands in `cancelError`. */
  async function cancel(): Promise<void> {
    cancelError.value = ''
    try {
      await lab.cancelRun(runId.value)
    } catch (error) {
      cancelError.value = `Run ${runId.value} could not be cancelled: ${error instanceof Error ? error.message : String(error)}`
    }
    await load()
  }

  return { run, weights, spectra, tags, note, saved, saveError, loadError, resumeError, cancelError, renameError, load, saveAnnotations, resume, rename, cancel }
}
