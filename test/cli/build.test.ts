import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cli = join(root, 'src-main', 'cli', 'fa-lab.mjs')
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts

describe('npm run build (fa-lab build), also the first step of npm run dist', () => {
  it('builds main, preload and renderer with electron-vite, without the Electron binary', () => {
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

describe('npm run typecheck', () => {
  it('always checks the Electron entry points: a type error in src-main/index.ts fails it', async () => {
    expect(scripts.typecheck.split(' && ')).toContain('tsc --noEmit -p tsconfig.electron.json')
    const ts = (await import('typescript')).default
    const configPath = join(root, 'tsconfig.electron.json')
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, root, undefined, configPath)
    const index = join(root, 'src-main', 'index.ts')
    expect(parsed.fileNames).toContain(index)
    // Checking only a small stand-in for index.ts keeps this fast; it still reads electron.d.ts through the same settings.
    let program: import('typescript').Program | undefined
    const check = (text: string) => {
      const host = ts.createCompilerHost(parsed.options)
      const readFile = host.readFile
      host.readFile = (path) => (path === index ? text : readFile(path))
      // The second check reuses the first one's parsed declaration files.
      program = ts.createProgram({ rootNames: [index], options: parsed.options, host, oldProgram: program })
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    }
    const good = "import { app } from 'electron'\nexport const name: string = app.getName()\n"
    expect(check(good)).toEqual([])
    expect(check(good.replace('name: string', 'name: number'))).toEqual([expect.stringMatching(/Type 'string' is not assignable to type 'number'/)])
  })
})
