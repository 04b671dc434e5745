import { inject, type InjectionKey } from 'vue'
import type { LabApi } from '../../../src-shared/contract'

export const labKey: InjectionKey<LabApi> = Symbol('lab')

/** The lab API provided at the app root (the real client, or a test double in tests). */
export function useLab(): LabApi {
  const lab = inject(labKey)
  if (!lab) throw new Error('useLab() needs the app to provide the lab (labKey)')
  return lab
}
