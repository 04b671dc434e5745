import { ref, watch, type Ref } from 'vue'
import type { LabApi } from '../../../src-shared/contract'
import type { ReproductionReport } from '../../../src-shared/reproduction'
import { useEvent } from './useEvent'
import { useThrottle } from './useThrottle'

/**
 * The reproduction of the experiment on screen (its runs against the preset's published numbers,
 * computed in main), or null for an experiment without published numbers. Asked again as the
 * experiment's runs finish, so the verdicts follow a running experiment.
 */
export function useReproduction(lab: LabApi, experimentId: Ref<number | null>) {
  const report = ref<ReproductionReport | null>(null)
  const error = ref<string | null>(null)

  async function refresh(): Promise<void> {
    const id = experimentId.value
    if (id === null) {
      report.value = null
      return
    }
    try {
      const next = await lab.getReproduction(id)
      if (experimentId.value !== id) return
      report.value = next
      error.value = null
    } catch (e) {
      if (experimentId.value === id) error.value = (e as Error).message
    }
  }

  watch(experimentId, () => {
    report.value = null
    void refresh()
  }, { immediate: true })
  const refreshSoon = useThrottle(() => void refresh(), 1000)
  useEvent(lab, 'runFinished', (finished) => {
    if (finished.experimentId !== null && finished.experimentId === experimentId.value) refreshSoon()
  })
  return { report, error, refresh }
}
