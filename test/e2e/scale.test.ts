/**
 * The comparison at sweep scale (issue 25 items 2, 3 and 9), end to end at 1,440 × 900: a lab
 * made by the real runner (tiny runs, seeds × λ × rule), opened from its experiment's Compare link
 * on its natural figure with one figure request whatever the number of runs, one line per run a
 * click away with the legend summarised by group, and a four-panel small multiple at 3.25 in.
 * Screenshots land in test-output/screenshots/ named by the run count.
 *
 * The suite builds 96 runs (12 seeds). The 2,200-run screenshots come from the same file run by
 * hand on a lab built beforehand (see the README, Compare at scale):
 *   FA_LAB_SCALE_LAB=/path/lab-2200.sqlite npx vitest run test/e2e/scale.test.ts
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FigureSnapshot } from '../../src-renderer/src/charts/figure-snapshot'
import { closeLabPage, labApi, openLabPage, type LabPage } from './harness'
import type { RunList } from '../../src-shared/contract'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'src-main/cli/fa-lab.mjs')
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-e2e-scale-'))
const seeds = Number(process.env.FA_LAB_SCALE_SEEDS ?? 12)
const prebuilt = process.env.FA_LAB_SCALE_LAB

/** Tiny runs (20 steps, measures every 2) over seeds × 4 λ × 2 rules: 8 groups of `seeds` runs. */
const experiment = {
  name: 'scale: seeds × λ × rule',
  description: 'Tiny runs at the paper’s sweep scale, for the comparison at scale.',
  base: {
    data: { kind: 'synthetic', n: 20, inputDim: 10, teacher: 'linear' },
    model: { kind: 'two-layer', hidden: 16, activation: 'relu', outputs: 1 },
    rule: 'fa',
    loss: 'mse',
    optimizer: { learningRate: 0.01, batchSize: 0 },
    steps: 20,
    evalEvery: 2,
    theory: { enabled: false },
  },
  grid: { seed: Array.from({ length: seeds }, (_, i) => i + 1), 'regularization.outputL2': [0, 0.1, 0.3, 0.5], rule: ['fa', 'bp'] },
}

let lab: LabPage
let runIds: number[] = []
const count = (n: number) => n.toLocaleString('en-US')

/** The figure drawn on screen, read from the chart. */
const read = () => lab.page.getByTestId('figure').evaluate((el) => (el as unknown as { faLabSnapshot?(): FigureSnapshot | null }).faLabSnapshot?.() ?? null)

/** The lab's API requests the page makes from now on, by channel, with the bytes of each reply. */
function recordRequests(): { channel: string; bytes: number }[] {
  const seen: { channel: string; bytes: number }[] = []
  lab.page.on('response', (response) => {
    const match = /\/api\/(.+)$/.exec(new URL(response.url()).pathname)
    if (!match) return
    // recorded as it arrives; its bytes when the body is read
    const entry = { channel: decodeURIComponent(match[1]), bytes: -1 }
    seen.push(entry)
    void response.body().then((body) => (entry.bytes = body.length), () => (entry.bytes = 0))
  })
  return seen
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(home, 'lab.sqlite')
  if (prebuilt) copyFileSync(prebuilt, db)
  else {
    // the real runner, as a researcher would start it
    writeFileSync(join(home, 'experiment.json'), JSON.stringify(experiment))
    await promisify(execFile)(process.execPath, [cli, 'run', join(home, 'experiment.json'), '--db', db, '--workers', '2'], { env: { ...process.env, FA_LAB_HOME: home }, maxBuffer: 64 << 20 })
  }
  lab = await openLabPage(home, { workers: 1 })
  runIds = (await labApi(lab.url)<RunList>('runs:list', { experimentId: 1 })).runs.map((r) => r.id)
}, 900_000)

afterAll(() => closeLabPage(lab))

describe(`the comparison of one experiment's runs, all at once`, () => {
  it('opens from the Compare link on its natural figure: one request for the figure, the runs grouped by λ and rule with bands over seeds', async () => {
    const { page } = lab
    await page.goto(lab.url)
    await page.goto(`${lab.origin}/#/experiments`)
    const requests = recordRequests()
    const started = Date.now()
    await page.locator('[data-experiment="1"] [data-testid="compare-experiment"]').click()
    const clicked = requests.length
    await expect.poll(() => page.getByTestId('figure-caption').textContent(), { timeout: 120_000 }).toBe(`${count(runIds.length)} runs in 8 groups`)
    // the figure the caption describes is drawn when the caption shows (issue 25 item 9: the caption
    // came with a blank chart while its fonts waited behind the experiments page's estimates)
    const drawn = await read()
    const firstFigureMs = Date.now() - started
    expect(drawn?.series.filter((s) => s.id.startsWith('line:'))).toHaveLength(8)
    expect(drawn?.series.filter((s) => s.id.startsWith('band:'))).toHaveLength(8)
    // the page left behind asks nothing more (at most the estimate already on its way)
    expect(requests.slice(clicked).filter((r) => r.channel === 'experiments:validate').length).toBeLessThanOrEqual(1)
    await expect.poll(() => requests.filter((r) => r.channel === 'figures:compare' && r.bytes >= 0).length).toBe(1)
    const channels = requests.map((r) => r.channel)
    expect(channels.filter((c) => c === 'figures:natural')).toHaveLength(1)
    expect(channels.filter((c) => c === 'figures:compare')).toHaveLength(1)
    expect(channels.filter((c) => c === 'runs:get' || c === 'metrics:series')).toEqual([])
    const reply = requests.find((r) => r.channel === 'figures:compare')!
    console.log(`scale e2e: ${runIds.length} runs, ${requests.length} requests (${channels.join(', ')}), figures:compare reply ${reply.bytes} bytes, first figure after ${firstFigureMs} ms`)
    await page.screenshot({ path: join(shots, `compare-scale-${runIds.length}-runs-default.png`) })
  })

  it('draws 50 runs one line each at 3.25 in, the legend summarised by group instead of covering the plot', async () => {
    const { page } = lab
    const fifty = runIds.slice(0, 50)
    await page.goto(`${lab.origin}/#/compare?runs=${fifty.join(',')}`)
    await expect.poll(() => page.getByTestId('figure-caption').textContent(), { timeout: 60_000 }).toMatch(/^50 runs in \d+ groups$/)
    await page.locator('input[name="per-run"]').check()
    await page.locator('button[name="single-column"]').click()
    await expect.poll(() => page.getByTestId('figure-caption').textContent(), { timeout: 60_000 }).toMatch(/^50 runs, one line each; the legend shows the 50 lines in \d+ entries, each entry's colour standing for all of its lines$/)
    await expect.poll(async () => (await read())?.series.filter((s) => s.id.startsWith('line:')).length ?? 0).toBe(50)
    const texts = (await read())!.texts.map((t) => t.text)
    // eight legend entries with their run counts, not fifty
    expect(texts.filter((t) => /\(\d+ runs?\)$/.test(t)).length).toBeGreaterThan(1)
    expect(texts.filter((t) => /\(\d+ runs?\)$/.test(t)).length).toBeLessThanOrEqual(20)
    // shown at most twice its printed size (it was stretched to the 900 px pane, 3.85×, its legend
    // filling the first screen): the whole figure, legend and plot, is on the first screen
    await expect.poll(() => page.getByTestId('figure-scale').textContent()).toMatch(/^3\.25 × [\d.]+ in, shown at 2× print size$/)
    const box = (await page.getByTestId('figure').boundingBox())!
    expect(box.width).toBeCloseTo(2 * 3.25 * 96, 0)
    expect(box.y + box.height).toBeLessThanOrEqual(900)
    await page.screenshot({ path: join(shots, `compare-scale-${runIds.length}-runs-50-per-run-3.25in.png`) })
  })

  it('draws a four-panel small multiple of the whole experiment at 3.25 in', async () => {
    const { page } = lab
    await page.goto(`${lab.origin}/#/compare?experiment=1`)
    await expect.poll(() => page.getByTestId('figure-caption').textContent(), { timeout: 120_000 }).toBe(`${count(runIds.length)} runs in 8 groups`)
    await expect.poll(async () => (await read())?.series.length ?? 0).toBeGreaterThan(0)
    const snapshot = (await read())!
    // one line per λ and rule, each with its SD band, in a legend of the λ and rule values
    expect(snapshot.series.filter((s) => s.id.startsWith('line:'))).toHaveLength(8)
    expect(snapshot.series.filter((s) => s.id.startsWith('band:'))).toHaveLength(8)
    // an entry names both values, in the legend's compact form since b73b4db (`λ = 0.3 FA`; `λ = 0.3, learning rule FA` before),
    // the rule first since one order serves every view (grouping.ts orderFields: `FA λ = 0.3`)
    expect(snapshot.texts.map((t) => t.text)).toContainEqual(expect.stringMatching(/^(λ = 0\.3,? (learning rule )?FA|FA λ = 0\.3)$/))
    for (const measure of ['weightAlignment', 'trainLoss', 'norm.W2']) await page.locator(`input[name="measure-${measure}"]`).check()
    await page.locator('button[name="single-column"]').click()
    await expect.poll(async () => (await read())?.grids.length ?? 0, { timeout: 60_000 }).toBe(4)
    await expect.poll(() => page.getByTestId('figure-caption').textContent()).toBe(`${count(runIds.length)} runs in 8 groups`)
    await page.screenshot({ path: join(shots, `compare-scale-${runIds.length}-runs-4-panels-3.25in.png`) })
  })
})
