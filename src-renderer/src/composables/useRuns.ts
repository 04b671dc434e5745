import { markRaw, ref, shallowRef, type Ref } from 'vue'
import type { LabApi, RunFilter, RunSummary } from '../../../src-shared/contract'
import { unpackRunList } from '../../../src-shared/run-list'
import { useEvent } from './useEvent'
import { useRename } from './useRename'
import { useThrottle } from './useThrottle'

/** The runs table: loaded once, refreshed (at most twice a second) when runs start or finish; renaming a run in place. */
export function useRuns(lab: LabApi, filter: Ref<RunFilter> = ref({})) {
  // 10,000 runs, each with its whole config: a deep ref would wrap every run and config in proxies
  // and track every read the sort, the filter and the columns make; the list is replaced whole on
  // each refresh and never changed in place, so a shallow ref of a raw array is all it needs
  const runs = shallowRef<readonly RunSummary[]>([])
  const error = ref<string | null>(null)
  const loading = ref(false)

  async function refresh(): Promise<void> {
    loading.value = true
    try {
      runs.value = markRaw(unpackRunList(await lab.listRuns(filter.value)))
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    } finally {
      loading.value = false
    }
  }
  const refreshSoon = useThrottle(() => void refresh(), 500)
  const known = new Map<number, string>()
  useEvent(lab, 'runFinished', refreshSoon)
  useEvent(lab, 'runProgress', (p) => {
    // a run changes row when it changes status or a worker takes it up (queued → starting → training)
    const state = `${p.status}/${p.activity}`
    if (known.get(p.runId) !== state) {
      known.set(p.runId, state)
      refreshSoon()
    }
  })
  /** Renames a run (its name only), then shows the table as stored; a refusal lands in `renameError`. */
  const { error: renameError, rename } = useRename((runId: number, name: string) => lab.renameRun({ runId, name }), refresh)
  void refresh()
  return { runs, error, loading, refresh, renameError, rename }
}
