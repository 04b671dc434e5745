import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { labHome, projectRoot } from '../lib/paths'
import { parseOptions } from './args'
import { electronBinary, electronViteEnv, runElectronVite, runElectronViteAsync } from './electron'
import type { Command } from './command'
import { defaultLabPath, runBrowserMode, serveOptions, startBrowserMode } from './serve'
import { armStopSignals } from './signals'

/** Its arguments: `fa-lab --help`, the README's command table and its own --help read this one line. */
const synopsis = `[--dev] [--no-browser] [--db lab.sqlite] [--port N] [--workers N]`
const help = `usage: fa-lab start ${synopsis}

Opens the desktop app: builds main, preload and renderer with electron-vite, prepares
better-sqlite3 for Electron, and starts Electron on the build (--dev: electron-vite's dev server
with hot reload instead). Where the Electron binary is missing, starts browser mode instead and
opens it in your browser (--no-browser: only print the URL); --db, --port and --workers are
browser mode's.`

const require = createRequire(import.meta.url)

/** The lab the desktop app reopens (src-main/index.ts keeps it in settings.json), else the default. */
function lastLabPath(): string {
  try {
    return (JSON.parse(readFileSync(join(labHome(), 'settings.json'), 'utf8')) as { lastLab?: string }).lastLab ?? defaultLabPath()
  } catch {
    return defaultLabPath()
  }
}

/**
 * Builds better-sqlite3 for Electron's ABI (src-main/native/electron-sqlite.mjs), once. Its
 * progress line goes to the terminal, its compiler output to a log; returns the log's path when
 * the build failed.
 */
function prepareElectronSqlite(electronVersion: string): { ok: true } | { ok: false; log: string } {
  const result = spawnSync(process.execPath, [join(projectRoot(), 'src-main', 'native', 'electron-sqlite.mjs')], { stdio: ['ignore', 'inherit', 'pipe'] })
  if (result.status === 0) return { ok: true }
  const log = join(projectRoot(), '.electron-native', `${electronVersion}-build.log`)
  mkdirSync(join(log, '..'), { recursive: true })
  writeFileSync(log, result.stderr ?? '')
  return { ok: false, log }
}

export const startCommand: Command = {
  summary: 'open the desktop app (browser mode, opened in your browser, where Electron is missing)',
  synopsis,
  help: () => help,
  async run(args) {
    // Before anything is printed: Ctrl-C during start-up stops the lab cleanly (see signals.ts).
    // Under Electron, the terminal's Ctrl-C reaches it too, and we stop when it has quit.
    const signals = armStopSignals()
    try {
      return await start(args, signals.stopped)
    } finally {
      signals.release()
    }
  },
}

async function start(args: string[], stopped: Promise<unknown>): Promise<number> {
  const { values } = parseOptions(args, { ...serveOptions, dev: { type: 'boolean' }, 'no-browser': { type: 'boolean' } })
  const electron = electronBinary()
  if (!electron.path) {
    console.error(
      `The desktop app needs Electron, and it is not available here: ${electron.reason}. ` +
        'FA Lab starts in browser mode instead: the same lab, served on 127.0.0.1 only, at the URL printed below, which it opens in your browser (--no-browser: it only prints it). ' +
        `To get the desktop window, run ${electron.remedy} on a network that reaches Electron's downloads (github.com), then \`npm run lab\` again.\n`,
    )
    return runBrowserMode(values, values['no-browser'] ? 'quiet' : 'open', stopped)
  }
  const electronVersion = (require('electron/package.json') as { version: string }).version
  const env = electronViteEnv(electron.path)
  if (values.dev) {
    const sqlite = prepareElectronSqlite(electronVersion)
    if (!sqlite.ok) {
      console.error(`fa-lab start --dev: the dev server needs better-sqlite3 built for Electron ${electronVersion}, which could not be built here (the build downloads Electron's headers; details in ${sqlite.log}). Plain \`npm run lab\` still opens the window.`)
      return 1
    }
    return runElectronViteAsync(['dev'], env)
  }
  const build = runElectronVite(['build'], env)
  if (build.status !== 0) return build.status ?? 1
  const sqlite = prepareElectronSqlite(electronVersion)
  if (sqlite.ok) return runElectronViteAsync(['preview', '--skipBuild'], env)
  const lab = await startBrowserMode({ labPath: lastLabPath() })
  console.error(
    `\nfa-lab: the desktop window normally opens the lab with better-sqlite3 built for Electron ${electronVersion}, and that build could not be made here: ` +
      `it downloads Electron's headers from the network (the compiler's output is in ${sqlite.log}). ` +
      `The window opens anyway, on the same lab (${lab.labPath}) served by this terminal's Node process on 127.0.0.1; ` +
      'everything works as usual except File › New Lab and Open Lab, and closing the window stops the server. ' +
      'To build it later, run `npm run lab` again (or `node src-main/native/electron-sqlite.mjs`) on a network that reaches electronjs.org; it is built once.\n',
  )
  try {
    return await runElectronViteAsync(['preview', '--skipBuild'], { ...env, FA_LAB_SERVER_URL: lab.url })
  } finally {
    await lab.stop()
  }
}
