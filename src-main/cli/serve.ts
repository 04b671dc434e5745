import { join } from 'node:path'
import { startServer } from '../server/server'
import { createLabService } from '../services/lab'
import { dataHome, labHome } from '../lib/paths'
import { parseMaxRuns, parseOptions, UsageError } from './args'
import { ensureRendererBuilt } from './build'
import type { Command } from './command'
import { openInBrowser } from './open-browser'
import { armStopSignals } from './signals'
import { workerCountFault } from '../lib/limits'

export const defaultLabPath = () => join(labHome(), 'default.falab.sqlite')

/** Its arguments: `fa-lab --help`, the README's command table and its own --help read this one line. */
const synopsis = `[--db lab.sqlite] [--port N] [--workers N] [--max-runs N] [--open]`
const help = `usage: fa-lab serve ${synopsis}

Browser mode: serves the lab on 127.0.0.1 and prints a URL with a session token. Open it in a
browser on this machine (--open opens it in your browser). Ctrl-C stops the server (runs still
training are cancelled).`

/** The options browser mode takes, shared with `fa-lab start`, which falls back to it. */
export const serveOptions = {
  db: { type: 'string' },
  port: { type: 'string' },
  workers: { type: 'string' },
  'max-runs': { type: 'string' },
  open: { type: 'boolean' },
} as const

/** A running browser-mode lab: its URL (with the session token) and how to stop it cleanly. */
export interface BrowserMode {
  url: string
  labPath: string
  stop(): Promise<void>
}

/** Serves the lab at `labPath` on 127.0.0.1 (port 0: any free one). */
export async function startBrowserMode(options: { labPath: string; port?: number; workers?: number; maxRuns?: number }): Promise<BrowserMode> {
  const staticDir = await ensureRendererBuilt()
  const lab = createLabService({ labPath: options.labPath, mode: 'browser', workers: options.workers, maxRuns: options.maxRuns, dataDir: dataHome(), calibrate: true })
  const server = await startServer({ lab, staticDir, port: options.port ?? 0 })
  return {
    url: server.url,
    labPath: options.labPath,
    async stop() {
      lab.runner.cancelAll()
      await Promise.race([lab.runner.whenIdle(), new Promise((r) => setTimeout(r, 3000))])
      await server.close()
      await lab.close()
    },
  }
}

type ServeValues = { db?: string; port?: string; workers?: string; 'max-runs'?: string; open?: boolean }

/**
 * Browser mode until `stopped` (Ctrl-C): serves the lab, prints its URL and, when `browser` is
 * 'open', opens it in the user's browser ('quiet': says it does not).
 */
export async function runBrowserMode(values: ServeValues, browser: 'open' | 'quiet' | 'silent', stopped: Promise<unknown>): Promise<number> {
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not '${values.port}'`)
  const workers = values.workers === undefined ? undefined : Number(values.workers)
  const workersFault = workers === undefined ? null : workerCountFault(workers)
  if (workersFault) throw new UsageError(`--workers ${values.workers}: ${workersFault}`)
  const maxRuns = parseMaxRuns(values['max-runs'])
  const lab = await startBrowserMode({ labPath: values.db ?? defaultLabPath(), port, workers, maxRuns })
  console.log(`FA Lab (browser mode) for ${lab.labPath}\nOpen ${lab.url}`)
  const page = browser === 'open' ? await openInBrowser(lab.url, labHome()) : null
  if (page) console.log(page.message)
  if (browser === 'quiet') console.log('Not opening a browser (--no-browser).')
  await stopped
  console.error('stopping: cancelling runs in progress…')
  page?.remove()
  await lab.stop()
  return 0
}

export const serveCommand: Command = {
  summary: 'serve the lab in a browser on 127.0.0.1 (browser mode)',
  synopsis,
  help: () => help,
  async run(args) {
    // Before anything is printed: Ctrl-C during start-up stops the lab cleanly (see signals.ts).
    const signals = armStopSignals()
    try {
      const { values } = parseOptions(args, serveOptions)
      return await runBrowserMode(values, values.open ? 'open' : 'silent', signals.stopped)
    } finally {
      signals.release()
    }
  },
}
