import { ref } from 'vue'

/**
 * Renaming with its refusal in view: `rename(...)` calls `save`, keeps a refusal's message in
 * `error` (cleared at the next try), and then calls `changed` either way, so the screen shows the
 * name as stored. Runs and experiments, in their tables and on the run page, rename through it.
 */
export function useRename<A extends unknown[]>(save: (...args: A) => Promise<unknown>, changed: () => Promise<void> | void) {
  const error = ref('')
  async function rename(...args: A): Promise<void> {
    error.value = ''
    try {
      await save(...args)
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
    await changed()
  }
  return { error, rename }
}
