import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from './command'
import { projectRoot } from '../lib/paths'
import { electronPackageInstalled, runElectronVite } from './electron'

/** Where the built renderer lives (what browser mode serves and Electron loads). */
export const rendererDir = () => join(projectRoot(), 'out', 'renderer')

/** Builds the renderer with Vite from electron.vite.config.ts's renderer section. */
export async function buildRenderer(log: (line: string) => void = console.error): Promise<void> {
  const { build } = await import('vite')
  const config = (await import('../../electron.vite.config')).default as { renderer: Record<string, unknown> }
  log('fa-lab: building the lab interface (once; a few seconds)…')
  await build({ ...config.renderer, configFile: false, logLevel: 'warn' })
}

/** Newest modification time (ms) of the files under `dir`, 0 when it does not exist. */
function newestChange(dir: string): number {
  if (!existsSync(dir)) return 0
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** Builds the renderer when it is missing or older than its sources (a source checkout). */
export async function ensureRendererBuilt(): Promise<string> {
  const dir = rendererDir()
  const index = join(dir, 'index.html')
  const sources = join(projectRoot(), 'src-renderer')
  const stale = !existsSync(index) || Math.max(newestChange(sources), newestChange(join(sources, '..', 'src-shared'))) > statSync(index).mtimeMs
  if (stale) await buildRenderer()
  return dir
}

export const buildCommand: Command = {
  summary: 'build the app (Electron main, preload and renderer; the renderer alone without Electron\'s package)',
  async run() {
    // electron-vite needs Electron's npm package (its version sets the build targets), not its binary.
    if (electronPackageInstalled()) return runElectronVite(['build']).status ?? 1
    await buildRenderer()
    console.error(`fa-lab: built ${rendererDir()} (Electron's npm package is not installed, so only the renderer for browser mode)`)
    return 0
  },
}
