/**
 * Finding Electron and electron-vite for the desktop commands (start, build). Both are found only
 * through what their packages export: electron's main module (the binary's path) and
 * electron-vite's package.json `bin` entry, since electron-vite exports no subpath of bin/.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { projectRoot } from '../lib/paths'

const require = createRequire(import.meta.url)

/** Electron's npm package (types, version, electron-vite's targets): present even without the binary. */
export function electronPackageInstalled(): boolean {
  try {
    require.resolve('electron/package.json')
    return true
  } catch {
    return false
  }
}

/**
 * The Electron binary's path (electron's own answer, which honours ELECTRON_OVERRIDE_DIST_PATH),
 * or null with the reason it cannot be used and the command that downloads it.
 */
export function electronBinary(): { path: string | null; reason: string; remedy: string } {
  // electron's install script downloads the binary; npm rebuild runs it again.
  const remedy = '`npm rebuild electron`'
  if (!electronPackageInstalled()) return { path: null, reason: 'the electron package is not installed', remedy: '`npm install`' }
  try {
    const path = require('electron') as unknown as string
    return existsSync(path) ? { path, reason: '', remedy } : { path: null, reason: `its binary ${path} is missing`, remedy }
  } catch {
    return { path: null, reason: 'the electron package is installed without its binary (its download failed or was skipped)', remedy }
  }
}

/** electron-vite's command-line script, read from the `bin` field of its package.json. */
export function electronViteCli(): string {
  const manifest = require.resolve('electron-vite/package.json')
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> }
  const script = typeof bin === 'string' ? bin : bin['electron-vite']
  if (!script) throw new Error(`${manifest} names no electron-vite command in its "bin" field`)
  return join(dirname(manifest), script)
}

/**
 * The environment electron-vite starts Electron with: ELECTRON_EXEC_PATH makes its preview and dev
 * start the binary electron itself reports (electron-vite alone reads only path.txt), and the
 * entry is the project folder, whose package.json `main` is the built main process.
 */
export function electronViteEnv(binary: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ELECTRON_EXEC_PATH: binary, ELECTRON_ENTRY: projectRoot(), ...extra }
}

/** Runs `electron-vite <args>` in the project folder and waits for it. */
export function runElectronVite(args: string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<Buffer> {
  return spawnSync(process.execPath, [electronViteCli(), ...args], { cwd: projectRoot(), stdio: 'inherit', env })
}

/** Starts `electron-vite <args>` in the project folder; resolves with its exit code. */
export function runElectronViteAsync(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [electronViteCli(), ...args], { cwd: projectRoot(), stdio: 'inherit', env })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}
