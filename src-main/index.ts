/**
 * Electron lifecycle and windows only: opens the last lab (or the default one), wires ipc.ts to
 * the lab service, and offers New/Open lab in the File menu. With FA_LAB_SERVER_URL (set by
 * `fa-lab start` where better-sqlite3 could not be built for Electron), the window shows the lab
 * that URL serves in browser mode instead, and this process opens no lab itself.
 */
import { app, BrowserWindow, dialog, Menu, session, shell } from 'electron'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { contentSecurityPolicy } from '../src-shared/csp'
import workerPath from './runner/worker?modulePath'
import { folderPicker } from './folder-dialog'
import { registerIpc } from './ipc'
import { createLabService, type LabService } from './services/lab'

process.env.FA_LAB_HOME ??= app.getPath('userData')
// Worker threads inherit this: presets and bundled data, unpacked from the asar archive when packaged.
process.env.FA_LAB_RESOURCES ??= app.isPackaged ? join(process.resourcesPath, 'app.asar.unpacked', 'resources') : join(app.getAppPath(), 'resources')
if (app.isPackaged) process.env.FA_LAB_BLAS_ADDON ??= join(process.resourcesPath, 'app.asar.unpacked', 'src-main', 'native', 'blas', 'build', 'Release', 'fa_lab_blas.node')
const here = fileURLToPath(new URL('.', import.meta.url))
const serverUrl = process.env.FA_LAB_SERVER_URL
const settingsFile = () => join(app.getPath('userData'), 'settings.json')
const defaultLab = () => join(app.getPath('userData'), 'default.falab.sqlite')

function lastLab(): string {
  try {
    return (JSON.parse(readFileSync(settingsFile(), 'utf8')) as { lastLab?: string }).lastLab ?? defaultLab()
  } catch {
    return defaultLab()
  }
}
function rememberLab(path: string): void {
  mkdirSync(app.getPath('userData'), { recursive: true })
  writeFileSync(settingsFile(), JSON.stringify({ lastLab: path }, null, 2))
}

let window: BrowserWindow | null = null
let lab: LabService | null = null
let unregister: (() => void) | null = null

async function openLab(path: string): Promise<void> {
  unregister?.()
  await lab?.close()
  try {
    lab = createLabService({ labPath: path, mode: 'electron', workerUrl: pathToFileURL(workerPath), calibrate: true })
  } catch (error) {
    dialog.showErrorBox('Could not open the lab', (error as Error).message)
    if (path !== defaultLab()) return openLab(defaultLab())
    throw error
  }
  rememberLab(path)
  unregister = registerIpc(lab, () => window?.webContents ?? null, { chooseFolder: folderPicker(dialog, () => window) })
  window?.setTitle(`FA Lab — ${basename(path)}`)
  window?.reload()
}

async function pickLab(create: boolean): Promise<void> {
  const result = create
    ? await dialog.showSaveDialog(window!, { title: 'New lab', defaultPath: 'lab.falab.sqlite', filters: [{ name: 'FA Lab', extensions: ['sqlite'] }] })
    : await dialog.showOpenDialog(window!, { title: 'Open lab', properties: ['openFile'], filters: [{ name: 'FA Lab', extensions: ['sqlite'] }] })
  const path = 'filePath' in result ? result.filePath : result.filePaths[0]
  if (!result.canceled && path) await openLab(path)
}

function buildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          { label: 'New Lab…', accelerator: 'CmdOrCtrl+N', enabled: !serverUrl, click: () => void pickLab(true) },
          { label: 'Open Lab…', accelerator: 'CmdOrCtrl+O', enabled: !serverUrl, click: () => void pickLab(false) },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  )
}

async function createWindow(): Promise<void> {
  window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'FA Lab',
    // Served by browser mode, the renderer talks to its server over HTTP and needs no preload.
    webPreferences: { preload: serverUrl ? undefined : join(here, '../preload/index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false },
  })
  window.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.on('page-title-updated', (event) => event.preventDefault())
  if (serverUrl) return window.loadURL(serverUrl)
  await openLab(lastLab())
  if (process.env.ELECTRON_RENDERER_URL) await window.loadURL(process.env.ELECTRON_RENDERER_URL)
  else await window.loadFile(join(here, '../renderer/index.html'))
}

app.whenReady().then(async () => {
  // The browser-mode server sends its own Content-Security-Policy.
  if (!serverUrl) session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [contentSecurityPolicy()],
      },
    })
  })
  buildMenu()
  await createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow()
  })
})

app.on('window-all-closed', async () => {
  unregister?.()
  await lab?.close()
  if (process.platform !== 'darwin') app.quit()
})
