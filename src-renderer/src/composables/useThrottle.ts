import { onScopeDispose } from 'vue'

/** Calls `work` at most once per `intervalMs`, trailing: bursts of events cause one update. */
export function useThrottle(work: () => void, intervalMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null
  let last = 0
  onScopeDispose(() => {
    if (timer) clearTimeout(timer)
  })
  return () => {
    if (timer) return
    const wait = Math.max(0, last + intervalMs - Date.now())
    timer = setTimeout(() => {
      timer = null
      last = Date.now()
      work()
    }, wait)
  }
}
