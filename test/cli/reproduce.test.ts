import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import { main } from '../../src-main/cli/main'
import { openStore } from '../../src-main/store/store'

/**
 * `fa-lab reproduce` on a small real experiment trained through the real runner and store: its
 * numbers against means, SDs and z worked out here from the stored runs, its verdicts and exit codes.
 */
const exec = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const root = new URL('../../', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-reproduce-'))
// a resources folder of its own: the shipped presets, and reference files written by the test
const resources = join(dir, 'resources')
cpSync(join(root, 'resources/presets'), join(resources, 'presets'), { recursive: true })
mkdirSync(join(resources, 'references'))
type Output = { code: number; stdout: string; stderr: string }

/** `fa-lab …` in this process (main() maps errors to exit codes as the binary does), with its output. */
async function fa(...args: string[]): Promise<Output> {
  const out: string[] = []
  const err: string[] = []
  const saved = process.env.FA_LAB_RESOURCES
  process.env.FA_LAB_RESOURCES = resources
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ') + '\n'))
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true))
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ') + '\n'))
  try {
    const code = await main(args)
    return { code, stdout: out.join(''), stderr: err.join('') }
  } finally {
    log.mockRestore()
    write.mockRestore()
    error.mockRestore()
    if (saved === undefined) delete process.env.FA_LAB_RESOURCES
    else process.env.FA_LAB_RESOURCES = saved
  }
}

const db = join(dir, 'lab.sqlite')
const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 20, inputDim: 6, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 12, activation: 'linear', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.05 },
  theory: { enabled: false },
  steps: 40,
  evalEvery: 20,
}
// three seeds at λ = 0.2 and at λ = 0.5, one seed of relu: two cells with a verdict, one with too few runs
const experiment = {
  name: 'tiny (quick)',
  base,
  variants: [{ name: 'linear', grid: { 'regularization.outputL2': [0.2, 0.5], seed: [1, 2, 3] } }, { name: 'relu', set: { 'model.activation': 'relu', 'regularization.outputL2': 0 } }],
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1))

function writeReference(cells: unknown[]) {
  const reference = {
    preset: 'tiny',
    label: 'Tiny et al. 2000',
    sources: { made: { paper: 'Tiny et al. 2000', figure: 'Fig. 1', repository: 'github:tiny/tiny', file: 'tiny.csv' } },
    cells,
  }
  writeFileSync(join(resources, 'references', 'tiny.json'), JSON.stringify(reference))
}

describe('fa-lab reproduce', () => {
  it('groups the runs into the reference cells and reports ref and ours mean ± SD (n), z and the verdict; exit 1 when a cell differs, 0 when all agree, 2 for bad input', async () => {
    const file = join(dir, 'tiny.json')
    writeFileSync(file, JSON.stringify(experiment))
    // trained by the fa-lab binary: real worker threads, the real store
    const ran = await exec(process.execPath, [cli, 'run', file, '--db', db, '--workers', '1'], { env: { ...process.env, FA_LAB_HOME: dir } })
    expect(ran.stderr).toContain('done: 7 completed')

    // the final cos(β, b) of each stored run, by λ, worked out by hand
    const store = openStore(db, { readonly: true, mustExist: true })
    const runs = store.listRuns()
    store.close()
    const finals = (activation: string, lambda: number) =>
      runs.filter((r) => r.config.model.activation === activation && r.config.regularization.outputL2 === lambda).map((r) => r.finalMetrics!.weightAlignment)
    const at02 = finals('linear', 0.2)
    const at05 = finals('linear', 0.5)
    expect(at02).toHaveLength(3)
    const se02 = sd(at02) / Math.sqrt(3)
    const se05 = sd(at05) / Math.sqrt(3)
    // λ = 0.2: a published mean 1 combined SE above ours agrees; λ = 0.5: 5 below differs
    const ref02 = { sd: 0.05, n: 50 }
    const combined02 = Math.sqrt(se02 ** 2 + (ref02.sd / Math.sqrt(ref02.n)) ** 2)
    const ref05 = { sd: 0.02, n: 40 }
    const combined05 = Math.sqrt(se05 ** 2 + (ref05.sd / Math.sqrt(ref05.n)) ** 2)
    const cells = [
      { key: { 'model.activation': 'linear', 'regularization.outputL2': 0.2 }, measure: 'weightAlignment', mean: mean(at02) + combined02, ...ref02, source: 'made' },
      { key: { 'model.activation': 'linear', 'regularization.outputL2': 0.5 }, measure: 'weightAlignment', mean: mean(at05) - 5 * combined05, ...ref05, source: 'made' },
      { key: { 'model.activation': 'relu', 'regularization.outputL2': 0 }, measure: 'weightAlignment', mean: 0.2, sd: 0.05, n: 50, source: 'made' },
      // a cell none of the runs falls in is left out
      { key: { 'model.activation': 'tanh', 'regularization.outputL2': 0 }, measure: 'weightAlignment', mean: 0.2, sd: 0.05, n: 50, source: 'made' },
    ]
    writeReference(cells)

    const out = join(dir, 'report.md')
    const json = await fa('reproduce', 'tiny', '--db', db, '--experiment', '1', '--json', '--out', out)
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout)
    expect(report).toMatchObject({ preset: 'tiny', agree: 1, total: 3, experiment: 1 })
    // differing cells first, then too few runs, then agreeing ones
    expect(report.cells.map((c: { verdict: string }) => c.verdict)).toEqual(['differs', 'too few runs', 'agrees'])
    const [differs, tooFew, agrees] = report.cells
    expect(agrees.key).toEqual(cells[0].key)
    expect(agrees.measure).toBe('weightAlignment')
    expect(agrees.reference).toEqual({ mean: cells[0].mean, sd: 0.05, n: 50, source: 'Tiny et al. 2000, Fig. 1; github:tiny/tiny tiny.csv' })
    expect(agrees.ours.n).toBe(3)
    expect(agrees.ours.mean).toBeCloseTo(mean(at02), 12)
    expect(agrees.ours.sd).toBeCloseTo(sd(at02), 12)
    expect(agrees.ours.se).toBeCloseTo(se02, 12)
    expect(agrees.z).toBeCloseTo(-1, 9)
    expect(differs.key).toEqual(cells[1].key)
    expect(differs.ours.mean).toBeCloseTo(mean(at05), 12)
    expect(differs.z).toBeCloseTo(5, 9)
    expect(tooFew).toMatchObject({ verdict: 'too few runs', z: null, ours: { n: 1, sd: null, se: null } })
    expect(tooFew.ours.mean).toBeCloseTo(finals('relu', 0)[0], 12)
    expect(report.cells.every((c: { stepLimit: number }) => c.stepLimit === 3 || c.stepLimit === 1)).toBe(true)
    const markdown = readFileSync(out, 'utf8')
    expect(markdown).toContain('1 of 3 cells agree')
    expect(markdown).toMatch(/\| λ = 0\.2 \| [\d.]+ ± 0\.050 \(50\) \| [\d.]+ ± [\d.]+ \(3\) \| -1\.00 \| agrees \|/)

    // the text report, and exit 0 once every cell agrees
    writeReference([cells[0]])
    const text = await fa('reproduce', 'tiny', '--db', db, '--experiment', '1')
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('1 of 1 cells agree')
    // without --experiment: the newest finished experiment of the preset
    expect((await fa('reproduce', 'tiny', '--db', db)).code).toBe(0)

    // bad input: exit 2 and a message naming what is wrong
    const bad = async (args: string[], message: RegExp) => {
      const r = await fa('reproduce', ...args)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
    }
    await bad(['nothing', '--db', db], /no published numbers for 'nothing'/)
    await bad(['tiny', '--db', db, '--experiment', 'x'], /--experiment 'x': expected an experiment id/)
    await bad(['tiny', '--db', db, '--experiment', '9'], /no experiment 9/)
    await bad(['tiny'], /--db are required/)
    await bad(['tiny', '--db', join(dir, 'missing.sqlite'), '--experiment', '1'], /missing\.sqlite/)
    writeReference([{ ...cells[0], key: { 'model.activation': 'sigmoid' } }])
    await bad(['tiny', '--db', db, '--experiment', '1'], /none of the completed runs of experiment 1 \(tiny \(quick\)\) falls in a cell/)
    writeReference([{ ...cells[0], measure: 'nonsense' }])
    await bad(['tiny', '--db', db, '--experiment', '1'], /Invalid .*tiny\.json:\n\s+- cells\.0\.measure: 'nonsense' is not a measure/)
    writeFileSync(join(resources, 'references', 'tiny.json'), '{"preset": ')
    await bad(['tiny', '--db', db, '--experiment', '1'], /Invalid .*tiny\.json:\n\s+- \(root\): not JSON/)
    // nothing stored was touched
    const after = openStore(db, { readonly: true, mustExist: true })
    expect(after.listRuns().map((r) => r.finalMetrics)).toEqual(runs.map((r) => r.finalMetrics))
    after.close()
  }, 120_000)
})
