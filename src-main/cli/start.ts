import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Command } from './command'
import { serveCommand } from './serve'
import { armStopSignals } from './signals'

/** The Electron binary's path, or null with the reason it cannot be used. */
function electronBinary(): { path: string | null; reason: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown as string
    return existsSync(path) ? { path, reason: '' } : { path: null, reason: `its binary ${path} is missing` }
  } catch {
    return { path: null, reason: 'the electron package is not installed (its install downloads the Electron binary, which failed or was skipped)' }
  }
}

export const startCommand: Command = {
  summary: 'open the desktop app (browser mode where Electron is missing)',
  async run(args) {
    // Before anything is printed: Ctrl-C during start-up stops the lab cleanly (see signals.ts).
    const signals = armStopSignals()
    try {
      return await start(args)
    } finally {
      signals.release()
    }
  },
}

async function start(args: string[]): Promise<number> {
  const electron = electronBinary()
  if (electron.path) {
    const require = createRequire(import.meta.url)
    const cli = require.resolve('electron-vite/bin/electron-vite.js')
    const build = spawnSync(process.execPath, [cli, 'build'], { stdio: 'inherit' })
    if (build.status !== 0) return build.status ?? 1
    const sqlite = spawnSync(process.execPath, [require.resolve('../native/electron-sqlite.mjs')], { stdio: 'inherit' })
    if (sqlite.status !== 0) return sqlite.status ?? 1
    return spawnSync(process.execPath, [cli, 'preview', '--skipBuild'], { stdio: 'inherit' }).status ?? 1
  }
  console.error(
    `The desktop app needs Electron, and it is not available here: ${electron.reason}. ` +
      'FA Lab starts in browser mode instead: the same lab, served on 127.0.0.1 only, at the URL printed below (open it in a browser on this machine). ' +
      'To get the desktop window, run npm install on a machine that can download the Electron binary.\n',
  )
  return serveCommand.run(args)
}
