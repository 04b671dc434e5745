import { onScopeDispose } from 'vue'

/**
 * Calls `work` once `quietMs` after the last `schedule()` (a burst of keystrokes: one call after
 * the typing pauses); `cancel()` drops a pending call. Nothing runs after its scope ends.
 */
export function useDebounce(work: () => void, quietMs: number): { schedule(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null
  const cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
  }
  onScopeDispose(cancel)
  return {
    schedule() {
      cancel()
      timer = setTimeout(() => {
        timer = null
        work()
      }, quietMs)
    },
    cancel,
  }
}
