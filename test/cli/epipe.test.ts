/**
 * `fa-lab runs | head`: a real child process whose stdout's reader closes after the first lines.
 * The command stops quietly (exit 0, nothing on stderr) instead of an EPIPE stack trace. Any other
 * failed write to stdout (`>/dev/full`: ENOSPC) is an error, said in one line, exit 1.
 */
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fillLab } from '../../scripts/bench/big-lab'

const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const db = join(mkdtempSync(join(tmpdir(), 'fa-lab-epipe-')), 'lab.sqlite')

/** Runs the CLI, reads stdout until `lines` lines came, then closes the reader; resolves to the exit and stderr. */
function readThenClose(args: string[], lines: number): Promise<{ code: number | null; signal: string | null; stderr: string; read: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let read = ''
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdout.on('data', (chunk) => {
      read += chunk
      if (read.split('\n').length > lines) child.stdout.destroy()
    })
    child.once('exit', (code, signal) => resolve({ code, signal, stderr, read }))
  })
}

describe('a reader that closes early', () => {
  // enough runs that their lines overflow a pipe's buffer (64 KiB) many times over
  fillLab(db, 1500)

  it('`fa-lab runs | head -n 3` exits 0 with nothing on stderr', async () => {
    const { code, signal, stderr, read } = await readThenClose(['runs', '--db', db], 3)
    expect(read.split('\n')[0]).toMatch(/^\s+1\s+completed\s+bp/)
    expect(stderr).toBe('')
    expect({ code, signal }).toEqual({ code: 0, signal: null })
  })

  it('the same for one large write (`--json`)', async () => {
    const { code, stderr } = await readThenClose(['runs', '--db', db, '--json'], 0)
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })
})

describe.runIf(existsSync('/dev/full'))('a standard output that cannot be written (>/dev/full)', () => {
  /** Runs the CLI with stdout on /dev/full (every write fails with ENOSPC); its exit and stderr. */
  function toFull(args: string[]): { status: number | null; signal: string | null; stderr: string } {
    const full = openSync('/dev/full', 'w')
    try {
      const { status, signal, stderr } = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' })
      return { status, signal, stderr }
    } finally {
      closeSync(full)
    }
  }
  const said = { status: 1, signal: null, stderr: 'fa-lab: cannot write to standard output: no space left on device (ENOSPC)\n' }

  it('fa-lab runs says so in one line, naming the error, and exits 1', () => {
    expect(toFull(['runs', '--db', db])).toEqual(said)
  })

  it('the same for one large write (--json) and for another command', () => {
    expect(toFull(['runs', '--db', db, '--json'])).toEqual(said)
    expect(toFull(['metrics', '--db', db, '--run', '1', '--json'])).toEqual(said)
  })
})
