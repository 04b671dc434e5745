import { ref, type Ref } from 'vue'
import type { LabApi, SavedComparison } from '../../../src-shared/contract'
import type { FigureSpec } from '../../../src-shared/figure-spec'

/** The lab's saved comparisons: the list, and saving the one on screen under a name. */
export function useSavedComparisons(lab: LabApi, options: { status?: Ref<string> } = {}) {
  const status = options.status ?? ref('')
  const saved = ref<SavedComparison[]>([])
  const saveName = ref('')

  async function refresh(): Promise<SavedComparison[]> {
    saved.value = await lab.listComparisons()
    return saved.value
  }

  /** Saves `spec` under the name typed (trimmed); does nothing without a name. */
  async function save(spec: FigureSpec): Promise<void> {
    const name = saveName.value.trim()
    if (!name) return
    await lab.saveComparison({ name, spec: { ...(JSON.parse(JSON.stringify(spec)) as FigureSpec), name } })
    await refresh()
    status.value = `saved as '${name}'`
  }

  return { saved, saveName, status, refresh, save }
}
