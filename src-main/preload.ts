/**
 * Exposes exactly the lab contract as window.lab, generated from its channel tables; the page
 * never sees ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { createLabApi, unwrapReply, type Reply } from '../src-shared/contract'

const lab = createLabApi(
  async (channel, argument) => unwrapReply((await ipcRenderer.invoke(channel, argument)) as Reply),
  (channel, listener) => {
    const wrapped = (_event: unknown, payload: unknown) => listener(payload)
    ipcRenderer.on(channel, wrapped)
    return () => ipcRenderer.removeListener(channel, wrapped)
  },
)

contextBridge.exposeInMainWorld('lab', lab)
