import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { electronViteCli } from '../../src-main/cli/electron'

const cli = fileURLToPath(new URL('../../src-main/cli/fa-lab.mjs', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }

/** Runs the CLI; when `pattern` shows on `stream`, stops it with Ctrl-C (long-running commands). */
function runCli(args: string[], env: NodeJS.ProcessEnv, pattern?: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 110_000): Promise<{ stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`timed out; stdout: ${stdout}\nstderr: ${stderr}`))), timeoutMs)
    let sent = false
    const watch = () => {
      if (!sent && pattern?.test(stream === 'stdout' ? stdout : stderr)) {
        sent = true
        child.kill('SIGINT')
      }
    }
    child.stdout.on('data', (c) => {
      stdout += c
      watch()
    })
    child.stderr.on('data', (c) => {
      stderr += c
      watch()
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, code, signal })
    })
  })
}

/** A file's text once it has a whole line (a detached stand-in writes its record a moment later). */
async function eventually(path: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const text = readFileSync(path, 'utf8')
      if (!text.endsWith('\n')) throw new Error(`${path} is not written yet`)
      return text
    } catch (error) {
      if (attempt > 50) throw error
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** The test's environment: no FA_LAB_NO_BROWSER, the given overrides, a fresh lab home. */
function environment(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FA_LAB_HOME: join(mkdtempSync(join(tmpdir(), 'fa-lab-start-')), 'home'), ...overrides }
  delete env.FA_LAB_NO_BROWSER
  return env
}

/** A folder holding an executable `name` that appends its arguments to `record` (a stand-in for a browser opener). */
function standInOpener(record: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'fa-lab-opener-'))
  for (const name of ['xdg-open', 'open']) {
    writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "$@" >> '${record}'\n`)
    chmodSync(join(bin, name), 0o755)
  }
  return bin
}

/**
 * A stand-in for the Electron binary, put where ELECTRON_OVERRIDE_DIST_PATH points: it records the
 * arguments, working folder and FA_LAB_/ELECTRON_ environment it was started with, and, given a
 * browser-mode URL, what that URL serves (the page and the lab's info through the API), then exits.
 */
function standInElectron(record: string): string {
  const dist = mkdtempSync(join(tmpdir(), 'fa-lab-electron-'))
  writeFileSync(
    join(dist, 'electron'),
    `#!${process.execPath}
const { writeFileSync } = require('node:fs')
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => /^(FA_LAB_|ELECTRON_)/.test(key)))
const record = { argv: process.argv.slice(2), cwd: process.cwd(), env }
;(async () => {
  const url = process.env.FA_LAB_SERVER_URL
  if (url) {
    const page = await fetch(url)
    const token = new URL(url).searchParams.get('token')
    const info = await fetch(new URL('/api/lab:info', url), { method: 'POST', headers: { authorization: 'Bearer ' + token } })
    record.served = { status: page.status, page: await page.text(), infoStatus: info.status, info: await info.json() }
  }
  writeFileSync(${JSON.stringify(record)}, JSON.stringify(record, null, 2))
})()
`,
  )
  chmodSync(join(dist, 'electron'), 0o755)
  return dist
}

describe('electron-vite is found through what its package exports', () => {
  it('takes the command from the bin field of its package.json, a subpath the package does not export', () => {
    const require = createRequire(import.meta.url)
    expect(() => require.resolve('electron-vite/bin/electron-vite.js')).toThrow(/not defined by "exports"|ERR_PACKAGE_PATH_NOT_EXPORTED/)
    const script = electronViteCli()
    expect(existsSync(script)).toBe(true)
    expect(script).toBe(join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js'))
  })
})

describe('npm run lab (fa-lab start) on a machine with the Electron binary', () => {
  it('builds main, preload and renderer, prepares better-sqlite3 for Electron, and starts the binary on the built main entry', async () => {
    expect(manifest.scripts.lab).toBe('node src-main/cli/fa-lab.mjs start')
    const started = Date.now() - 1000
    const record = join(mkdtempSync(join(tmpdir(), 'fa-lab-record-')), 'electron.json')
    const dist = standInElectron(record)
    // Offline, the better-sqlite3 build for Electron fails in seconds; with a network it compiles SQLite once (minutes).
    // npm's nodedir setting (npm run passes it on; Debian's npm config sets it) must not make node-gyp build for Node's ABI.
    const nodedir = dirname(dirname(process.execPath))
    const result = await runCli(['start'], environment({ ELECTRON_OVERRIDE_DIST_PATH: dist, npm_config_nodedir: nodedir }), undefined, 'stdout', 590_000)
    expect(result.code, result.stderr).toBe(0)
    for (const bundle of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(statSync(join(root, bundle)).mtimeMs, bundle).toBeGreaterThan(started)
    }
    const seen = JSON.parse(readFileSync(record, 'utf8'))
    // electron-vite's preview starts the binary on the project folder, whose package.json main is the built entry.
    expect(seen.argv).toEqual([root])
    expect(JSON.parse(readFileSync(join(seen.argv[0], 'package.json'), 'utf8')).main).toBe('out/main/index.js')
    expect(seen.env.ELECTRON_EXEC_PATH).toBe(join(dist, 'electron'))
    const version = (createRequire(import.meta.url)('electron/package.json') as { version: string }).version
    const binding = join(root, '.electron-native', version, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
    if (seen.env.FA_LAB_SERVER_URL) {
      // Where better-sqlite3 could not be built for Electron (no network for its headers), one paragraph says so and the window opens on a served lab.
      expect(existsSync(binding)).toBe(false)
      expect(result.stderr).toMatch(/that build could not be made here: it downloads Electron's headers from the network .* The window opens anyway, on the same lab .* To build it later, run `npm run lab` again/)
      expect(seen.env.FA_LAB_SERVER_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
      expect(seen.served.status).toBe(200)
      expect(seen.served.page).toContain('<div id="app">')
      expect(seen.served.infoStatus).toBe(200)
      expect(seen.served.info.result.labPath).toBe(join(seen.env.FA_LAB_HOME, 'default.falab.sqlite'))
    } else {
      // Built for Electron's ABI (its module version is in the package's abi_version), not Node's.
      const abi = readFileSync(join(root, 'node_modules', 'electron', 'abi_version'), 'utf8').trim()
      expect(readFileSync(binding).includes(`node_register_module_v${abi}`)).toBe(true)
    }
  }, 600_000)
})

describe('npm run dev (fa-lab start --dev)', () => {
  it('runs electron-vite dev only with better-sqlite3 built for Electron, and says what to run otherwise', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'fa-lab-record-')), 'electron.json')
    const dist = standInElectron(record)
    const result = await runCli(['start', '--dev'], environment({ ELECTRON_OVERRIDE_DIST_PATH: dist }), undefined, 'stdout', 590_000)
    if (result.code === 1) {
      expect(result.stderr).toMatch(/the dev server needs better-sqlite3 built for Electron .* could not be built here .* Plain `npm run lab` still opens the window/)
      expect(existsSync(record)).toBe(false)
    } else {
      // With Electron's headers at hand, electron-vite's dev server starts the binary with the renderer's dev URL.
      const seen = JSON.parse(readFileSync(record, 'utf8'))
      expect(seen.env.ELECTRON_RENDERER_URL).toMatch(/^http:\/\/localhost:\d+/)
    }
  }, 600_000)
})

describe('npm run lab (fa-lab start) where the Electron binary is missing', () => {
  it('says so in one paragraph, serves the default lab in browser mode and opens it in the browser through the platform opener', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'fa-lab-record-')), 'opener.txt')
    const env = environment({
      // An empty folder: electron's own lookup then names a binary that is not there.
      ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(join(tmpdir(), 'fa-lab-no-electron-')),
      PATH: `${standInOpener(record)}${delimiter}${process.env.PATH}`,
      DISPLAY: process.env.DISPLAY ?? ':0',
    })
    const result = await runCli(['start'], env, /Opening it in your browser|Could not open a browser|Not opening/)
    expect(result.stderr).toMatch(/The desktop app needs Electron, and it is not available here: its binary .* is missing\. FA Lab starts in browser mode instead.* To get the desktop window, run `npm rebuild electron`/)
    const labPath = join(env.FA_LAB_HOME!, 'default.falab.sqlite')
    expect(result.stdout).toContain(`FA Lab (browser mode) for ${labPath}`)
    expect(result.stdout).toContain('Opening it in your browser (xdg-open)')
    expect(result.code).toBe(0)
    expect(existsSync(labPath)).toBe(true)
    // The opener gets a page readable by the user alone that redirects to the URL, so the token stays out of process lists.
    const url = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(result.stdout)![1]
    const opened = (await eventually(record)).trim()
    expect(opened).toMatch(/^file:\/\/.*open-lab-\d+\.html$/)
    expect(opened).not.toContain('token')
    // The page goes when the server stops; what it holds is checked below.
    expect(existsSync(fileURLToPath(opened))).toBe(false)
    expect(url).toContain('token=')
  })

  it('with --no-browser only prints the URL', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'fa-lab-record-')), 'opener.txt')
    const env = environment({
      ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(join(tmpdir(), 'fa-lab-no-electron-')),
      PATH: `${standInOpener(record)}${delimiter}${process.env.PATH}`,
      DISPLAY: ':0',
    })
    const result = await runCli(['start', '--no-browser'], env, /Not opening a browser|Opening it/)
    expect(result.stdout).toMatch(/Open http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    expect(result.stdout).toContain('Not opening a browser (--no-browser).')
    expect(existsSync(record)).toBe(false)
  })

  it('Ctrl-C pressed as soon as the first line is printed stops it cleanly instead of killing it (defect 11)', async () => {
    const env = { ...environment({ ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(join(tmpdir(), 'fa-lab-no-electron-')) }), FA_LAB_NO_BROWSER: '1' }
    const result = await runCli(['start'], env, /The desktop app needs Electron/, 'stderr')
    expect(result.signal).toBeNull()
    expect(result.code).toBe(0)
  })
})

describe('the browser opener', () => {
  it('writes a private redirect page to the URL and hands it to the opener on the PATH', async () => {
    const { openInBrowser } = await import('../../src-main/cli/open-browser')
    const record = join(mkdtempSync(join(tmpdir(), 'fa-lab-record-')), 'opener.txt')
    const folder = join(mkdtempSync(join(tmpdir(), 'fa-lab-home-')), 'lab')
    mkdirSync(folder)
    const saved = { PATH: process.env.PATH, DISPLAY: process.env.DISPLAY, FA_LAB_NO_BROWSER: process.env.FA_LAB_NO_BROWSER }
    process.env.PATH = `${standInOpener(record)}${delimiter}${process.env.PATH}`
    process.env.DISPLAY = ':0'
    delete process.env.FA_LAB_NO_BROWSER
    try {
      const url = 'http://127.0.0.1:4567/?token=a&b"c'
      const page = await openInBrowser(url, folder)
      expect(page.message).toMatch(/^Opening it in your browser/)
      const file = join(folder, 'open-lab-4567.html')
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(readFileSync(file, 'utf8')).toContain('content="0;url=http://127.0.0.1:4567/?token=a&amp;b&quot;c"')
      expect((await eventually(record)).trim()).toBe(`file://${file}`)
      page.remove()
      expect(existsSync(file)).toBe(false)
      process.env.FA_LAB_NO_BROWSER = '1'
      expect((await openInBrowser(url, folder)).message).toBe('Not opening a browser (FA_LAB_NO_BROWSER is set).')
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
  })

  it('uses xdg-open on Linux, open on macOS, start on Windows, and stays away from a terminal with no display', async () => {
    const { browserUnwanted, opener } = await import('../../src-main/cli/open-browser')
    expect(opener('linux').command).toBe('xdg-open')
    expect(opener('darwin').command).toBe('open')
    expect(opener('win32')).toEqual({ command: 'cmd', args: ['/d', '/s', '/c', 'start', '""'] })
    expect(browserUnwanted({}, 'linux')).toBe('there is no graphical display')
    expect(browserUnwanted({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeNull()
    expect(browserUnwanted({}, 'darwin')).toBeNull()
  })
})
