/**
 * Registers the lab's contract channels on an IpcMain-like object: one handler per channel, each
 * checking that the request comes from the lab's own page before the shared schema validates its
 * argument. ipc.ts passes Electron's ipcMain; this file imports Electron's types only.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import type { LabHandlers } from '../src-shared/contract'
import type { LabService } from './services/lab'
import { serveLab } from './services/serve'

/** True for pages the app itself loaded: its packaged file or the electron-vite dev server. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, devServerUrl: string | undefined): boolean {
  const url = event.senderFrame?.url ?? ''
  if (url.startsWith('file://')) return true
  return devServerUrl !== undefined && url.startsWith(devServerUrl)
}

/**
 * Serves `lab` (with `overrides`, e.g. the native folder dialog) on `ipc` and forwards its events
 * to `target()`. Returns a function that removes the handlers.
 */
export function registerLabHandlers(
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'>,
  lab: LabService,
  target: () => Pick<WebContents, 'send'> | null,
  overrides: Partial<LabHandlers> = {},
  devServerUrl = process.env.ELECTRON_RENDERER_URL,
): () => void {
  const served = serveLab(lab, { send: (channel, payload) => target()?.send(channel, payload) }, overrides)
  for (const channel of served.channels) {
    ipc.handle(channel, async (event, argument) => {
      if (!isTrustedSender(event, devServerUrl)) throw new Error(`refused ${channel} from ${event.senderFrame?.url}`)
      return (await served.answer(channel, argument)).reply
    })
  }
  return () => {
    for (const channel of served.channels) ipc.removeHandler(channel)
    served.close()
  }
}
