/**
 * Exposes exactly the lab contract as window.lab, generated from its channel tables; the page
 * never sees ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { createLabApi, type WireError } from '../src-shared/contract'

class LabRequestError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message)
  }
}

const lab = createLabApi(
  async (channel, argument) => {
    const reply = (await ipcRenderer.invoke(channel, argument)) as { result?: unknown; error?: WireError }
    if (reply.error) throw new LabRequestError(reply.error)
    return reply.result
  },
  (channel, listener) => {
    const wrapped = (_event: unknown, payload: unknown) => listener(payload)
    ipcRenderer.on(channel, wrapped)
    return () => ipcRenderer.removeListener(channel, wrapped)
  },
)

contextBridge.exposeInMainWorld('lab', lab)
