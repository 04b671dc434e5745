import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname

/** Starts a long-running command, waits for `pattern` on stdout, then stops it with Ctrl-C. */
function untilPrinted(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`timed out; stdout: ${stdout}\nstderr: ${stderr}`))), 60_000)
    child.stdout.on('data', (c) => {
      stdout += c
      if (pattern.test(stdout)) child.kill('SIGINT')
    })
    child.stderr.on('data', (c) => (stderr += c))
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, code })
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
})
