/**
 * Where the lab keeps its files: FA_LAB_HOME if set, else the platform's per-user data folder
 * (the same folder Electron's app.getPath('userData') gives for an app named fa-lab).
 */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export function labHome(): string {
  const override = process.env.FA_LAB_HOME
  if (override) return override
  const home = homedir()
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'fa-lab')
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'fa-lab')
    default:
      return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'fa-lab')
  }
}

/** Downloaded and imported datasets. */
export function dataHome(): string {
  return join(labHome(), 'data')
}

/**
 * The project's resources folder (presets, bundled data): FA_LAB_RESOURCES when set (the Electron
 * main process sets it for its workers), else the nearest `resources` folder above this module,
 * which is two levels up in the sources (src-main/lib) and two or three in the electron-vite build
 * (out/main, out/main/chunks).
 */
export function resourcesDir(): string {
  if (process.env.FA_LAB_RESOURCES) return process.env.FA_LAB_RESOURCES
  const here = dirname(fileURLToPath(import.meta.url))
  const twoUp = dirname(dirname(here))
  for (const folder of [twoUp, dirname(twoUp)]) {
    const candidate = join(folder, 'resources')
    if (existsSync(join(candidate, 'presets'))) return candidate
  }
  return join(twoUp, 'resources')
}

/** The project folder (parent of resources/), in the sources and in the electron-vite build alike. */
export function projectRoot(): string {
  return join(resourcesDir(), '..')
}

/**
 * Inside Electron (not packaged), the better-sqlite3 build for Electron's ABI made by
 * src-main/native/electron-sqlite.mjs; undefined elsewhere, where node_modules' own build serves.
 */
export function electronSqliteBinding(): string | undefined {
  const electron = process.versions.electron
  if (!electron) return undefined
  const path = join(projectRoot(), '.electron-native', electron, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
  return existsSync(path) ? path : undefined
}
