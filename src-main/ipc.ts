/**
 * The only importer of ipcMain: registers one handler per contract channel, each checking that
 * the request comes from the lab's own page before the shared schema validates its argument.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import type { LabHandlers } from '../src-shared/contract'
import type { LabService } from './services/lab'
import { serveLab } from './services/serve'

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
  const served = serveLab(lab, { send: (channel, payload) => target()?.send(channel, payload) }, overrides)
  const devServerUrl = process.env.ELECTRON_RENDERER_URL
  for (const channel of served.channels) {
    ipcMain.handle(channel, async (event, argument) => {
      if (!isTrustedSender(event, devServerUrl)) throw new Error(`refused ${channel} from ${event.senderFrame?.url}`)
      return (await served.answer(channel, argument)).reply
    })
  }
  return () => {
    for (const channel of served.channels) ipcMain.removeHandler(channel)
    served.close()
  }
}
