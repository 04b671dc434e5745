/**
 * The desktop app's `chooseFolder`: Electron's native folder dialog. Electron's `dialog` is passed
 * in (index.ts gives the real one), so this file imports Electron's types only.
 */
import type { BrowserWindow, Dialog, OpenDialogOptions } from 'electron'

/** What the folder dialog is opened with: one folder, nothing else selectable. */
export const folderDialogOptions: OpenDialogOptions = { title: 'Choose a folder of IDX files', buttonLabel: 'Choose folder', properties: ['openDirectory'] }

/**
 * A chooseFolder handler: opens `dialog` over `parent()` (when there is a window) and answers the
 * chosen folder's path, or null when the user cancels.
 */
export function folderPicker(dialog: Pick<Dialog, 'showOpenDialog'>, parent: () => BrowserWindow | null): () => Promise<string | null> {
  return async () => {
    const window = parent()
    const result = window ? await dialog.showOpenDialog(window, folderDialogOptions) : await dialog.showOpenDialog(folderDialogOptions)
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0]
  }
}
