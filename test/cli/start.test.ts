import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname

/** Starts a long-running command, waits for `pattern` on stdout, then stops it with Ctrl-C. */
function untilPrinted(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<{ stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`timed out; stdout: ${stdout}\nstderr: ${stderr}`))), 60_000)
    let sent = false
    const watch = () => {
      if (!sent && pattern.test(stream === 'stdout' ? stdout : stderr)) {
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

describe('npm run lab (fa-lab start) on a machine without the Electron binary', () => {
  it('says so in one paragraph and serves the default lab in browser mode, creating its folder', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'fa-lab-start-')), 'not-yet-there')
    let electron = true
    try {
      await import('electron' as string)
    } catch {
      electron = false
    }
    if (electron) return // a machine with Electron opens the window instead
    const result = await untilPrinted(['start'], { FA_LAB_HOME: home }, /Open http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    expect(result.stderr).toMatch(/The desktop app needs Electron, and it is not available here: .* FA Lab starts in browser mode instead/)
    expect(result.stdout).toContain(`FA Lab (browser mode) for ${join(home, 'default.falab.sqlite')}`)
    expect(result.code).toBe(0)
    expect(existsSync(join(home, 'default.falab.sqlite'))).toBe(true)
  })

  it('Ctrl-C pressed as soon as the first line is printed stops it cleanly instead of killing it (defect 11)', async () => {
    const electron = await import('electron' as string).then(() => true, () => false)
    if (electron) return
    const home = mkdtempSync(join(tmpdir(), 'fa-lab-start-early-'))
    const result = await untilPrinted(['start'], { FA_LAB_HOME: home }, /The desktop app needs Electron/, 'stderr')
    expect(result.signal).toBeNull()
    expect(result.code).toBe(0)
  })
})
