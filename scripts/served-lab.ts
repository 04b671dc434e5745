/**
 * A lab served in browser mode, as the end-to-end tests and the bench start one: the real CLI's
 * `fa-lab serve` on an ephemeral port, and Debian's Chromium with the flags this closed network
 * needs (without the background-networking ones Chromium keeps calling out and being refused).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'

const cli = join(new URL('..', import.meta.url).pathname, 'src-main/cli/fa-lab.mjs')

export interface ServedLab {
  server: ChildProcess
  /** The URL `fa-lab serve` printed, with its session token. */
  url: string
  origin: string
}

/** Starts `fa-lab serve` on the lab file `<home>/lab.sqlite` and waits for the URL it prints. */
export async function serveLab(home: string, options: { workers: number; env?: Record<string, string> }): Promise<ServedLab> {
  const server = spawn(process.execPath, [cli, 'serve', '--db', join(home, 'lab.sqlite'), '--port', '0', '--workers', String(options.workers)], {
    env: { ...process.env, FA_LAB_HOME: home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    server.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)
      if (match) resolve(match[1])
    })
    server.once('exit', (code) => reject(new Error(`fa-lab serve exited with ${code}: ${out}`)))
  })
  return { server, url, origin: new URL(url).origin }
}

/** Stops the server as Ctrl-C would, and waits for it to exit. */
export async function stopLab(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGINT')
  await exited
}

/** Debian's Chromium (or the one at `executablePath`), headless. */
export function launchChromium(executablePath = '/usr/bin/chromium'): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}
