/**
 * Every program the tests start is installed by scripts/system-deps.sh (npm test's pretest), so a
 * fresh machine passes as this one does: the programs are read from the tests' own calls (execFile,
 * spawn and their kin with a program name, and Chromium's executablePath), each is found on this
 * machine, and the Debian package that owns it must be one the script installs, or an essential
 * package every Debian system has.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

/** The packages system-deps.sh installs, read from its `packages=(...)` line. */
function scriptPackages(): string[] {
  const script = readFileSync(join(root, 'scripts', 'system-deps.sh'), 'utf8')
  const line = /^packages=\(([^)]*)\)/m.exec(script)
  if (!line) throw new Error('scripts/system-deps.sh has no packages=(...) line')
  return line[1].trim().split(/\s+/)
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? testFiles(path) : /\.(ts|mjs)$/.test(entry.name) ? [path] : []
  })
}

/**
 * Programs started by name in the tests: `execFile('pdffonts', …)`, `spawn('bash', …)`, a
 * promisified execFile under its local name (`const run = promisify(execFile)`, then
 * `run('pdffonts', …)`), and `executablePath: '/usr/bin/chromium'`.
 */
export function spawnedPrograms(source: string): string[] {
  const aliases = [...source.matchAll(/\bconst (\w+) = promisify\(execFile\)/g)].map((m) => m[1])
  const names = ['execFile', 'execFileSync', 'spawn', 'spawnSync', ...aliases].join('|')
  const calls = new RegExp(`(?<![.\\w])(?:${names})\\(\\s*'([\\w./+-]+)'\\s*,`, 'g')
  const paths = /executablePath:\s*'([^']+)'/g
  return [...source.matchAll(calls), ...source.matchAll(paths)].map((m) => m[1])
}

/**
 * Programs the tests start through others: npm test's pretest builds the BLAS addon with node-gyp,
 * which runs make, a C compiler and Python.
 */
const startedIndirectly = ['make', 'gcc', 'g++', '/usr/bin/python3']

const dpkg = (() => {
  try {
    execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe('system packages for the tests', () => {
  it('finds the programs the tests start by name', () => {
    const found = new Set(testFiles(join(root, 'test')).flatMap((f) => spawnedPrograms(readFileSync(f, 'utf8'))))
    // the reader itself, on a line of each kind
    expect(spawnedPrograms(`const run = promisify(execFile)\nawait run('pdffonts', [file])\nexecFileSync('git', ['ls-files'])\nstore.run('blas', 1)\nexecutablePath: '/usr/bin/chromium',`)).toEqual(['pdffonts', 'git', '/usr/bin/chromium'])
    for (const program of ['pdffonts', 'git', 'bash', 'mkfifo', '/usr/bin/chromium']) expect(found).toContain(program)
  })

  it.skipIf(!dpkg)(`installs each of them, or it comes with every Debian system${dpkg ? '' : ' (skipped here: no dpkg-query, not a Debian system)'}`, () => {
    const installs = new Set(scriptPackages())
    const programs = new Set([...testFiles(join(root, 'test')).flatMap((f) => spawnedPrograms(readFileSync(f, 'utf8'))), ...startedIndirectly])
    const missing: string[] = []
    const located = new Map<string, string[]>()
    for (const program of programs) {
      let path: string
      try {
        path = program.startsWith('/') ? program : execFileSync('bash', ['-c', 'command -v "$1"', 'which', program], { encoding: 'utf8' }).trim()
      } catch {
        missing.push(`${program}: not found on this machine (the tests start it)`)
        continue
      }
      // dpkg knows a file by the path its package installed, before /bin → /usr/bin or alternatives links
      const real = realpathSync(path)
      located.set(program, [...new Set([path, real, path.replace(/^\/usr\/bin\//, '/bin/'), real.replace(/^\/usr\/bin\//, '/bin/')])])
    }
    // one dpkg look-up for every path (it prints `package: path` for those it knows)
    const paths = [...new Set([...located.values()].flat())]
    const listing = spawnSync('dpkg-query', ['-S', ...paths], { encoding: 'utf8' }).stdout
    const ownerOf = new Map(listing.split('\n').filter(Boolean).map((line) => [line.slice(line.indexOf(': ') + 2), line.slice(0, line.indexOf(':'))]))
    const owners = new Map([...located].map(([program, candidates]) => [program, candidates.map((p) => ownerOf.get(p)).find((o) => o)]))
    const essential = new Set(spawnSync('dpkg-query', ['-W', '-f=${Package} ${Essential}\n', ...new Set([...owners.values()].filter((o): o is string => !!o))], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.endsWith(' yes')).map((l) => l.split(' ')[0]))
    for (const [program, owner] of owners) {
      if (!owner) missing.push(`${program} (${located.get(program)![0]}): no Debian package owns it`)
      else if (!essential.has(owner) && !installs.has(owner)) missing.push(`${program}: from ${owner}, which scripts/system-deps.sh does not install`)
    }
    expect(missing.join('\n'), 'programs the tests start, which scripts/system-deps.sh must install').toBe('')
  })
})
