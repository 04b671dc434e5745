import { onScopeDispose } from 'vue'
import type { LabApi, LabEvents } from '../../../src-shared/contract'

/** Subscribes to a lab event for the lifetime of the calling scope. */
export function useEvent<E extends keyof LabEvents>(lab: LabApi, event: E, listener: (payload: LabEvents[E]) => void): void {
  const off = lab.on(event, listener)
  onScopeDispose(off)
}
