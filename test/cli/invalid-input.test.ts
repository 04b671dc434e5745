import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../src-main/cli/main'
import { syntheticExample } from '../examples'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-invalid-'))
const base = syntheticExample({ steps: 2, evalEvery: 1 })

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** Runs a command in-process and returns its exit code and what it printed to stderr. */
async function cli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = ''
  let stdout = ''
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (stderr += parts.join(' ') + '\n'))
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (stdout += parts.join(' ') + '\n'))
  const code = await main(args)
  return { code, stderr, stdout }
}

afterEach(() => vi.restoreAllMocks())

describe('invalid config and experiment files exit 2 (defect 9)', () => {
  it.each(['train --config', 'run --db lab.sqlite'])('%s: not JSON, nested too deep, out of range', async (command) => {
    const [name, ...rest] = command.split(' ')
    const args = (path: string) => (name === 'train' ? [name, ...rest, path] : [name, path, '--db', join(dir, `${name}-never.sqlite`)])
    const notJson = await cli(args(file('not-json.json', '{"seed": 1,')))
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toMatch(/not-json\.json is not valid JSON/)
    const deep = await cli(args(file('deep.json', JSON.stringify({ ...base, name: 'x' }).replace('"x"', '['.repeat(50_000) + ']'.repeat(50_000)))))
    expect(deep.code).toBe(2)
    expect(deep.stderr).toMatch(/nested more than 32 levels deep/)
    const huge = await cli(args(file('huge.json', JSON.stringify({ ...base, model: { ...base.model, hidden: 1e7 } }))))
    expect(huge.code).toBe(2)
    expect(huge.stderr).toMatch(/needs about [\d.]+ GB of memory .* more than the [\d.]+ GB a training worker has/)
    const proto = await cli(args(file('proto.json', JSON.stringify(base).replace('{', '{"__proto__": {"polluted": 1},'))))
    expect(proto.code).toBe(2)
    expect(proto.stderr).toMatch(/'__proto__' is not allowed/)
  })

  it('tolerates a UTF-8 byte order mark', async () => {
    const result = await cli(['train', '--config', file('bom.json', '\ufeff' + JSON.stringify(base)), '--json'])
    expect(result.code).toBe(0)
  })

  it('answers a million-item bad array in a few lines, at most 20 faults', async () => {
    const bad = { ...base, data: { kind: 'mnist', classes: Array(1e6).fill(-1) }, model: { kind: 'two-layer', hidden: 10, outputs: 10 } }
    const result = await cli(['train', '--config', file('million.json', JSON.stringify(bad))])
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n').filter((l) => l.startsWith('  - ')).length).toBeLessThanOrEqual(20)
    expect(result.stderr.length).toBeLessThan(5000)
    const many = { ...base, model: { kind: 'mlp', hidden: Array(60).fill(-1), outputs: 1 } }
    const counted = await cli(['train', '--config', file('sixty.json', JSON.stringify(many))])
    expect(counted.stderr.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(20)
    expect(counted.stderr).toContain('… and 40 more faults')
  })

  it('run: refuses a 10¹⁰-run grid without expanding it, with the count, and --workers beyond the machine', async () => {
    const paths = ['seed', 'steps', 'evalEvery', 'evalSamples', 'data.n', 'data.inputDim', 'model.hidden', 'optimizer.learningRate', 'regularization.outputL2', 'regularization.weightDecay']
    const grid = Object.fromEntries(paths.map((p) => [p, Array.from({ length: 10 }, (_, i) => i + 1)]))
    const huge = file('huge-grid.json', JSON.stringify({ name: 'huge', base, grid }))
    // exit 2 with the count: expanding 10¹⁰ runs would have ended in an out-of-memory abort instead
    const refused = await cli(['run', huge, '--db', join(dir, 'huge-never.sqlite')])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('expands to 10,000,000,000 runs, more than the limit of 10,000')
    const raised = await cli(['run', huge, '--db', join(dir, 'huge-never.sqlite'), '--max-runs', '100'])
    expect(raised.stderr).toContain('more than the limit of 100:')
    const workers = await cli(['run', huge, '--db', join(dir, 'huge-never.sqlite'), '--workers', '64'])
    expect(workers.code).toBe(2)
    expect(workers.stderr).toMatch(/--workers 64: 64 is more than this machine can use: at most \d+ \(two per core/)
    expect(existsSync(join(dir, 'huge-never.sqlite'))).toBe(false)
  })
})

