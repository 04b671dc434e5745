import { join } from 'node:path'
import { startServer } from '../server/server'
import { createLabService } from '../services/lab'
import { dataHome, labHome } from '../lib/paths'
import { parseMaxRuns, parseOptions, UsageError } from './args'
import { ensureRendererBuilt } from './build'
import type { Command } from './command'
import { armStopSignals } from './signals'
import { workerCountFault } from '../lib/limits'

export const defaultLabPath = () => join(labHome(), 'default.falab.sqlite')

const help = `usage: fa-lab serve [--db lab.sqlite] [--port N] [--workers N] [--max-runs N]

Browser mode: serves the lab on 127.0.0.1 and prints a URL with a session token. Open it in a
browser on this machine. Ctrl-C stops the server (runs still training are cancelled).`

export const serveCommand: Command = {
  summary: 'serve the lab in a browser on 127.0.0.1 (browser mode)',
  async run(args) {
    const signals = armStopSignals()
    try {
      return await serve(args, signals.stopped)
    } finally {
      signals.release()
    }
  },
}

async function serve(args: string[], stopped: Promise<NodeJS.Signals>): Promise<number> {
  const { values } = parseOptions(args, { db: { type: 'string' }, port: { type: 'string' }, workers: { type: 'string' }, 'max-runs': { type: 'string' }, help: { type: 'boolean', short: 'h' } })
  if (values.help) {
    console.log(help)
    return 0
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not '${values.port}'`)
  const workers = values.workers === undefined ? undefined : Number(values.workers)
  const workersFault = workers === undefined ? null : workerCountFault(workers)
  if (workersFault) throw new UsageError(`--workers ${values.workers}: ${workersFault}`)
  const maxRuns = parseMaxRuns(values['max-runs'])
  const labPath = values.db ?? defaultLabPath()
  const staticDir = await ensureRendererBuilt()
  const lab = createLabService({ labPath, mode: 'browser', workers, maxRuns, dataDir: dataHome() })
  const server = await startServer({ lab, staticDir, port })
  console.log(`FA Lab (browser mode) for ${labPath}\nOpen ${server.url}`)
  await stopped
  console.error('stopping: cancelling runs in progress…')
  lab.runner.cancelAll()
  await Promise.race([lab.runner.whenIdle(), new Promise((r) => setTimeout(r, 3000))])
  await server.close()
  await lab.close()
  return 0
}
