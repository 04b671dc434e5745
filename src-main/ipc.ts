/**
 * The only importer of ipcMain: registers one handler per contract channel, each checking that
 * the request comes from the lab's own page before the shared schema validates its argument.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { dispatchTable, eventChannels, LabError, type LabEvents, type LabHandlers, type WireError } from '../src-shared/contract'
import type { LabService } from './services/lab'

/** True for pages the app itself loaded: its packaged file or the electron-vite dev server. */
export function isTrustedSender(event: IpcMainInvokeEvent, devServerUrl: string | undefined): boolean {
  const url = event.senderFrame?.url ?? ''
  if (url.startsWith('file://')) return true
  return devServerUrl !== undefined && url.startsWith(devServerUrl)
}

/**
 * Serves `lab` (with `overrides`, e.g. a native folder picker) over IPC and forwards its events
 * to `target()`. Returns a function that removes the handlers.
 */
export function registerIpc(lab: LabService, target: () => WebContents | null, overrides: Partial<LabHandlers> = {}): () => void {
  const table = dispatchTable({ ...lab.service, ...overrides })
  const devServerUrl = process.env.ELECTRON_RENDERER_URL
  for (const [channel, handler] of table) {
    ipcMain.handle(channel, async (event, argument) => {
      if (!isTrustedSender(event, devServerUrl)) throw new Error(`refused ${channel} from ${event.senderFrame?.url}`)
      try {
        return { result: await handler(argument) }
      } catch (error) {
        // Errors cross the boundary as data, so the renderer keeps the issue list.
        const wire: WireError = { message: error instanceof Error ? error.message : String(error) }
        if (error instanceof LabError && error.issues.length) wire.issues = error.issues
        return { error: wire }
      }
    })
  }
  const offs = (Object.keys(eventChannels) as (keyof LabEvents)[]).map((event) => lab.on(event, (payload) => target()?.send(eventChannels[event], payload)))
  return () => {
    for (const channel of table.keys()) ipcMain.removeHandler(channel)
    offs.forEach((off) => off())
  }
}
