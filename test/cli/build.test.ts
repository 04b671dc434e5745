import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { electronPackageInstalled } from '../../src-main/cli/electron'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cli = join(root, 'src-main', 'cli', 'fa-lab.mjs')
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts

describe('npm run build (fa-lab build), also the first step of npm run dist', () => {
  it.skipIf(!electronPackageInstalled())('builds main, preload and renderer with electron-vite, without the Electron binary', () => {
    expect(scripts.build).toBe('node src-main/cli/fa-lab.mjs build')
    expect(scripts.dist.startsWith(`${scripts.build} && `)).toBe(true)
    const started = Date.now() - 1000
    // An empty override: electron's package is there, its binary is not.
    const result = spawnSync(process.execPath, [cli, 'build'], { cwd: root, encoding: 'utf8', env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(root, 'test-output', 'no-electron-binary') } })
    expect(result.status, result.stderr).toBe(0)
    for (const bundle of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(statSync(join(root, bundle)).mtimeMs, bundle).toBeGreaterThan(started)
    }
  })
})
