/**
 * The only importer of ipcMain: serves the lab's contract on it (ipc-handlers.ts), each handler
 * checking the sender before the shared schema validates its argument.
 */
import { ipcMain, type WebContents } from 'electron'
import type { LabHandlers } from '../src-shared/contract'
import { registerLabHandlers } from './ipc-handlers'
import type { LabService } from './services/lab'

/**
 * Serves `lab` (with `overrides`, e.g. a native folder picker) over IPC and forwards its events
 * to `target()`. Returns a function that removes the handlers.
 */
export function registerIpc(lab: LabService, target: () => WebContents | null, overrides: Partial<LabHandlers> = {}): () => void {
  return registerLabHandlers(ipcMain, lab, target, overrides)
}
