import { ref } from 'vue'
import type { ExperimentSummary, LabApi } from '../../../src-shared/contract'
import { useEvent } from './useEvent'
import { useRename } from './useRename'
import { useThrottle } from './useThrottle'

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * The lab's experiments, newest first, with their run counts by status and activity (main counts
 * them; no run is sent), refreshed at most twice a second as runs start, change worker state or
 * finish; renaming and cancelling one, each with its refusal in view.
 */
export function useExperiments(lab: LabApi) {
  const experiments = ref<ExperimentSummary[]>([])
  const error = ref<string | null>(null)
  const cancelError = ref<string | null>(null)

  async function refresh(): Promise<void> {
    try {
      experiments.value = (await lab.listExperiments()).reverse()
      error.value = null
    } catch (e) {
      error.value = `The experiments could not be listed: ${message(e)}`
    }
  }
  const refreshSoon = useThrottle(() => void refresh(), 500)
  useEvent(lab, 'runFinished', refreshSoon)
  // the counts follow the workers: a run taken up (starting) or training changes them
  const known = new Map<number, string>()
  useEvent(lab, 'runProgress', (p) => {
    const state = `${p.status}/${p.activity}`
    if (known.get(p.runId) !== state) {
      known.set(p.runId, state)
      refreshSoon()
    }
  })

  /** Renames an experiment (its name only; its runs keep theirs); a refusal lands in `renameError`. */
  const { error: renameError, rename } = useRename((experimentId: number, name: string) => lab.renameExperiment({ experimentId, name }), refresh)

  /** Cancels an experiment's unfinished runs; a refusal lands in `cancelError`. */
  async function cancel(experimentId: number): Promise<void> {
    cancelError.value = null
    try {
      await lab.cancelExperiment(experimentId)
    } catch (e) {
      cancelError.value = `Experiment ${experimentId} could not be cancelled: ${message(e)}`
    }
    await refresh()
  }

  return { experiments, error, cancelError, renameError, refresh, rename, cancel }
}
