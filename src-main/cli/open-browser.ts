/**
 * Opens browser mode in the user's browser, as Jupyter does: the platform's opener (xdg-open,
 * open, start) is given a small local page that redirects to the lab's URL, so the session token
 * never appears in a process list (a browser started by the opener keeps its arguments).
 */
import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The opener command for a platform, with the arguments that come before the thing to open. */
export function opener(platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] }
  // `start` is a cmd.exe built-in; its first quoted argument is the window title (passed verbatim).
  if (platform === 'win32') return { command: 'cmd', args: ['/d', '/s', '/c', 'start', '""'] }
  return { command: 'xdg-open', args: [] }
}

/** Why the browser should not be opened here, or null when it may be. */
export function browserUnwanted(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  if (env.FA_LAB_NO_BROWSER) return 'FA_LAB_NO_BROWSER is set'
  // Without a display, xdg-open falls back to a text browser in this very terminal.
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'there is no graphical display'
  return null
}

/**
 * Writes the redirect page (readable by the user alone) into `folder` and hands it to the opener.
 * Resolves with a line to print; never throws: a browser that cannot be opened is not an error,
 * the URL is printed anyway. The returned `remove` deletes the page.
 */
export async function openInBrowser(url: string, folder: string): Promise<{ message: string; remove: () => void }> {
  const page = join(folder, `open-lab-${new URL(url).port}.html`)
  const remove = () => rmSync(page, { force: true })
  const unwanted = browserUnwanted()
  if (unwanted) return { message: `Not opening a browser (${unwanted}).`, remove }
  mkdirSync(folder, { recursive: true })
  const escaped = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;')
  writeFileSync(page, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${escaped}"><title>FA Lab</title><p><a href="${escaped}">Open FA Lab</a></p>\n`, { mode: 0o600 })
  chmodSync(page, 0o600)
  const { command, args } = opener()
  const message = await new Promise<string>((resolve) => {
    const target = pathToFileURL(page).href
    const windows = process.platform === 'win32'
    const child = spawn(command, [...args, windows ? `"${target}"` : target], { stdio: 'ignore', detached: true, windowsVerbatimArguments: windows })
    child.on('error', (error) => resolve(`Could not open a browser (${command}: ${error.message}); open the URL above yourself.`))
    child.on('spawn', () => {
      child.unref()
      resolve(`Opening it in your browser (${command}); --no-browser stays quiet.`)
    })
  })
  return { message, remove }
}
