import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { schemaVersion } from '../../src-main/store/schema'
import { openStore } from '../../src-main/store/store'
import { databaseOf } from '../../src-main/store/connection'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-concurrency-'))
const root = new URL('../..', import.meta.url).pathname
mkdirSync(join(root, 'test-output'), { recursive: true })
const storeModule = new URL('../../src-main/store/store.ts', import.meta.url).pathname

/** A process that waits for `startAt` (ms since the epoch), then opens each new lab file in turn. */
const opener = join(mkdtempSync(join(root, 'test-output', 'concurrency-')), 'open-labs.mjs') // inside the project, so it resolves tsx
writeFileSync(
  opener,
  `import { register } from 'tsx/esm/api'
register()
const { openStore } = await import(${JSON.stringify(storeModule)})
const [startAt, ...paths] = process.argv.slice(2)
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1))
const failures = []
for (const path of paths) {
  try { openStore(path).close() } catch (error) { failures.push(error.message) }
}
console.log(JSON.stringify(failures))
`,
)

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [opener, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('many processes opening one new lab file (defect 6)', () => {
  it('4 processes create each of 20 new files at the same moment: every open succeeds, each file is migrated once', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => join(dir, `race-${i}.sqlite`))
    const startAt = Date.now() + 4000 // after every process has loaded the store
    const results = await Promise.all(Array.from({ length: 4 }, () => run([String(startAt), ...paths])))
    for (const result of results) {
      expect(result.stderr).toBe('')
      expect(JSON.parse(result.stdout)).toEqual([])
    }
    for (const path of paths) {
      const store = openStore(path)
      expect(databaseOf(store).pragma('user_version', { simple: true })).toBe(schemaVersion)
      expect(store.integrityCheck()).toBe('ok')
      store.close()
    }
  }, 60_000)
})
