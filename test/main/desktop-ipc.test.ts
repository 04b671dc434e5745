/**
 * The desktop window's IPC without the window (Electron's binary cannot run here): the real lab
 * service registered on an IpcMain-shaped recorder by the same code ipc.ts runs, called as the
 * preload calls it (createLabApi over the invoke channel), with the native folder dialog handler
 * of index.ts given a stand-in for Electron's `dialog`. What stays untested: Electron's own
 * ipcMain/ipcRenderer and the dialog window itself.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserWindow, IpcMainInvokeEvent, OpenDialogOptions, OpenDialogReturnValue } from 'electron'
import { afterAll, describe, expect, it } from 'vitest'
import { createLabApi, requestChannels, unwrapReply, type Reply } from '../../src-shared/contract'
import { folderPicker } from '../../src-main/folder-dialog'
import { registerLabHandlers } from '../../src-main/ipc-handlers'
import { createLabService } from '../../src-main/services/lab'

type Handler = (event: IpcMainInvokeEvent, argument: unknown) => Promise<Reply>

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-ipc-'))
const lab = createLabService({ labPath: join(dir, 'lab.sqlite'), mode: 'electron', workers: 1, dataDir: dir })
afterAll(() => lab.close())

/** Electron's dialog as far as the handler uses it: records what it was opened with and answers `answer`. */
function dialogStandIn(answer: OpenDialogReturnValue) {
  const opened: { parent: BrowserWindow | null; options: OpenDialogOptions }[] = []
  const showOpenDialog = async (...args: [BrowserWindow, OpenDialogOptions] | [OpenDialogOptions]) => {
    opened.push(args.length === 2 ? { parent: args[0], options: args[1] } : { parent: null, options: args[0] })
    return answer
  }
  return { opened, dialog: { showOpenDialog: showOpenDialog as never } }
}

function register(chooseFolder: () => Promise<string | null>) {
  const handlers = new Map<string, Handler>()
  const ipc = { handle: (channel: string, handler: Handler) => void handlers.set(channel, handler), removeHandler: (channel: string) => void handlers.delete(channel) }
  const unregister = registerLabHandlers(ipc as never, lab, () => null, { chooseFolder }, undefined)
  const page = (url: string) => createLabApi(async (channel, argument) => unwrapReply(await handlers.get(channel)!({ senderFrame: { url } } as IpcMainInvokeEvent, argument)), () => () => undefined)
  return { handlers, unregister, page }
}

describe('the desktop window’s IPC and its native folder dialog', () => {
  it('registers every contract channel, the folder dialog among them, and removes them all again', () => {
    const { handlers, unregister } = register(async () => null)
    expect([...handlers.keys()].sort()).toEqual(Object.values(requestChannels).sort())
    expect(handlers.has('dialog:choose-folder')).toBe(true)
    unregister()
    expect(handlers.size).toBe(0)
  })

  it('chooseFolder from the lab’s page opens a folder-only dialog over the window and answers the chosen folder', async () => {
    const window = { id: 1 } as unknown as BrowserWindow
    const { opened, dialog } = dialogStandIn({ canceled: false, filePaths: ['/data/fashion'] })
    const { page, unregister } = register(folderPicker(dialog, () => window))
    expect(await page('file:///app/out/renderer/index.html').chooseFolder()).toBe('/data/fashion')
    expect(opened).toHaveLength(1)
    expect(opened[0].parent).toBe(window)
    expect(opened[0].options.properties).toEqual(['openDirectory'])
    unregister()
  })

  it('a cancelled dialog answers null; with no window the dialog opens on its own', async () => {
    const { opened, dialog } = dialogStandIn({ canceled: true, filePaths: [] })
    const { page, unregister } = register(folderPicker(dialog, () => null))
    expect(await page('file:///app/out/renderer/index.html').chooseFolder()).toBeNull()
    expect(opened[0].parent).toBeNull()
    unregister()
  })

  it('a page the app did not load is refused before any dialog opens', async () => {
    const { opened, dialog } = dialogStandIn({ canceled: false, filePaths: ['/x'] })
    const { page, unregister } = register(folderPicker(dialog, () => null))
    await expect(page('https://attacker.example/').chooseFolder()).rejects.toThrow(/refused dialog:choose-folder from https:\/\/attacker\.example/)
    expect(opened).toHaveLength(0)
    unregister()
  })

  it('without the override (browser mode) the lab says a folder dialog needs the desktop app', async () => {
    const handlers = new Map<string, Handler>()
    const unregister = registerLabHandlers({ handle: (c: string, h: Handler) => void handlers.set(c, h), removeHandler: (c: string) => void handlers.delete(c) } as never, lab, () => null, {}, undefined)
    const reply = await handlers.get('dialog:choose-folder')!({ senderFrame: { url: 'file:///x' } } as IpcMainInvokeEvent, undefined)
    expect(reply.error?.message).toMatch(/needs the desktop app: type the folder path instead/)
    unregister()
  })
})
