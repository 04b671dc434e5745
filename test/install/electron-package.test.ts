import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const script = join(root, 'scripts', 'install', 'electron-package.mjs')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; optionalDependencies: Record<string, string> }
const lockedVersion = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> }).packages['node_modules/electron'].version

/** A project folder as npm leaves it after Electron's binary download failed: the lock names electron, node_modules lacks it. */
function projectWithoutElectron(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fa-lab-electron-package-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe', private: true, optionalDependencies: { electron: lockedVersion } }))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/electron': { version: lockedVersion } } }))
  mkdirSync(join(dir, 'node_modules'))
  return dir
}

const run = (dir: string, env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [script, dir], { encoding: 'utf8', env: { ...process.env, ...env } })

describe('the postinstall keeps Electron\'s npm package where its binary cannot be downloaded', () => {
  it('runs on every install, before the BLAS addon, and electron stays an optional dependency', () => {
    expect(manifest.scripts.postinstall.startsWith('node scripts/install/electron-package.mjs && ')).toBe(true)
    expect(manifest.optionalDependencies.electron).toBeDefined()
  })

  it('puts the locked version back without its binary, with its own dependencies for a later npm rebuild electron', () => {
    const dir = projectWithoutElectron()
    const result = run(dir)
    expect(result.status, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/Electron's binary could not be downloaded .* npm package was put back without it.* run `npm rebuild electron`/)
    const electron = join(dir, 'node_modules', 'electron')
    expect(JSON.parse(readFileSync(join(electron, 'package.json'), 'utf8')).version).toBe(lockedVersion)
    expect(existsSync(join(electron, 'electron.d.ts'))).toBe(true)
    expect(existsSync(join(electron, 'dist'))).toBe(false)
    // What electron's install script needs to download the binary later.
    const require = createRequire(join(electron, 'install.js'))
    const needs = Object.keys(JSON.parse(readFileSync(join(electron, 'package.json'), 'utf8')).dependencies ?? {})
    expect(needs).toContain('@electron/get')
    // every package its install script can load (type packages have no entry point to resolve)
    for (const name of needs.filter((n) => !n.startsWith('@types/'))) expect(() => require.resolve(name), name).not.toThrow()
    expect(() => createRequire(join(dir, 'x.js'))('electron')).toThrow(/Electron failed to install correctly/)
    expect(existsSync(join(dir, 'node_modules', '.fa-lab-electron-staging'))).toBe(false)
  })

  it('does nothing where the package is there or optional dependencies were omitted on purpose', () => {
    const omitted = projectWithoutElectron()
    expect(run(omitted, { npm_config_omit: 'optional' }).stderr).toBe('')
    expect(existsSync(join(omitted, 'node_modules', 'electron'))).toBe(false)
    const present = projectWithoutElectron()
    mkdirSync(join(present, 'node_modules', 'electron'))
    writeFileSync(join(present, 'node_modules', 'electron', 'package.json'), '{"name":"electron","version":"0.0.0"}')
    expect(run(present).stderr).toBe('')
    expect(JSON.parse(readFileSync(join(present, 'node_modules', 'electron', 'package.json'), 'utf8')).version).toBe('0.0.0')
  })
})
