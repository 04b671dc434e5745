/** A typed event hub: listeners per event name, added with `on` (which returns the remover). */
export function createEventHub<Events extends object>() {
  type Listener<E extends keyof Events> = (payload: Events[E]) => void
  const listeners = new Map<keyof Events, Set<Listener<keyof Events>>>()
  return {
    emit<E extends keyof Events>(event: E, payload: Events[E]): void {
      listeners.get(event)?.forEach((l) => (l as Listener<E>)(payload))
    },
    on<E extends keyof Events>(event: E, listener: Listener<E>): () => void {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as Listener<keyof Events>)
      return () => set.delete(listener as Listener<keyof Events>)
    },
  }
}
