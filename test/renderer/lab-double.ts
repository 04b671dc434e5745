/**
 * The renderer's test double: a LabApi generated from the same contract tables as the real
 * transports, dispatching (with the shared argument validation) to in-memory handlers, plus
 * an event emitter the test drives.
 */
import { createLabApi, dispatchTable, eventChannels, type LabEvents, type LabHandlers } from '../../src-shared/contract'

export function createLabDouble(handlers: Partial<LabHandlers>) {
  const missing = new Proxy({} as LabHandlers, {
    get: (_, name) => () => {
      throw new Error(`the test double has no handler for ${String(name)}`)
    },
  })
  const table = dispatchTable({ ...missing, ...handlers } as LabHandlers)
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const calls: { channel: string; argument: unknown }[] = []
  const lab = createLabApi(
    async (channel, argument) => {
      calls.push({ channel, argument })
      return table.get(channel)!(argument)
    },
    (channel, listener) => {
      let set = listeners.get(channel)
      if (!set) listeners.set(channel, (set = new Set()))
      set.add(listener)
      return () => set!.delete(listener)
    },
  )
  return {
    lab,
    calls,
    emit<E extends keyof LabEvents>(event: E, payload: LabEvents[E]) {
      listeners.get(eventChannels[event])?.forEach((l) => l(payload))
    },
    listenerCount: (event: keyof LabEvents) => listeners.get(eventChannels[event])?.size ?? 0,
  }
}
