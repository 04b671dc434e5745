/**
 * Where the lab keeps its files: FA_LAB_HOME if set, else the platform's per-user data folder
 * (the same folder Electron's app.getPath('userData') gives for an app named fa-lab).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'

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
