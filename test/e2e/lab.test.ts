/**
 * End to end: the real CLI serves a real lab file in browser mode; Debian's Chromium, driven by
 * playwright-core, builds an experiment from a preset, starts it, watches it train, and reloads.
 * Screenshots of every screen land in test-output/screenshots/.
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectScreenMatchesSvg, launchChromium, serveLab, stopLab } from './harness'
import type { RunSeries } from '../../src-shared/analysis'
import { FigureSpec } from '../../src-shared/figure-spec'
import type { FigureSnapshot } from '../../src-renderer/src/charts/figure-snapshot'
import type { RunList } from '../../src-shared/contract'
import { unpackRunList } from '../../src-shared/run-list'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const figures = join(root, 'test-output', 'figures')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-e2e-'))
let server: ChildProcess
let url = ''
let origin = ''
let browser: Browser
let page: Page

async function api(channel: string, argument?: unknown, headers: Record<string, string> = {}) {
  const token = new URL(url).searchParams.get('token')
  const response = await fetch(`${origin}/api/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ argument }) })
  return { status: response.status, body: (await response.json()) as { result?: unknown; error?: { message: string } } }
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  // No mirror answers (a loopback port with nothing behind it), as on an offline machine.
  ;({ server, url, origin } = await serveLab(home, { workers: 2, env: { FA_LAB_MIRRORS: 'http://127.0.0.1:1/' } }))
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  page.on('pageerror', (error) => console.error('page error:', error))
  // loading a preset over the edits of an earlier test asks first; these tests mean yes
  page.on('dialog', (dialog) => void dialog.accept())
})

afterAll(async () => {
  await browser?.close()
  await stopLab(server)
})

describe('the lab in Chromium (browser mode)', () => {
  it('refuses requests without the token, from a foreign origin, or for another host', async () => {
    expect((await api('runs:list', {}, { authorization: '' })).status).toBe(401)
    expect((await api('runs:list', {}, { origin: 'http://attacker.example' })).status).toBe(403)
    const response = await fetch(`${origin}/api/runs:list`, { method: 'POST', headers: { host: 'attacker.example' } }).catch(() => null)
    // fetch may refuse to send a Host header of its own; the server test in test/server covers it
    if (response) expect([401, 403]).toContain(response.status)
  })

  it('an invalid field shows its error inline and starts nothing', async () => {
    await page.goto(url)
    await page.locator('[data-open-preset="smoke:quick"]').click()
    await expect.poll(() => page.locator('input[name="experiment-name"]').inputValue()).toBe('smoke')
    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim())).toBe('expands to 2 runs')
    await page.locator('input[name="optimizer.learningRate"]').fill('-1')
    await page.locator('input[name="optimizer.learningRate"]').press('Tab')
    const error = page.locator('[data-field="optimizer.learningRate"]')
    await error.waitFor()
    expect(await error.textContent()).toBe('Learning rate η must be greater than 0')
    expect(await page.getByTestId('start').isDisabled()).toBe(true)
    await page.screenshot({ path: join(shots, 'experiments-invalid.png'), fullPage: true })
    expect(((await api('runs:list', {})).body.result as RunList).runs).toEqual([])
  })

  it('creates an experiment from a preset, shows progress and live charts, and keeps the runs across a reload', async () => {
    await page.locator('input[name="optimizer.learningRate"]').fill('0.005')
    await page.locator('input[name="steps"]').fill('30000')
    await page.locator('input[name="steps"]').press('Tab')
    await expect.poll(() => page.getByTestId('start').isDisabled()).toBe(false)
    await page.getByTestId('start').click()
    await page.getByRole('status').filter({ hasText: 'Started experiment' }).waitFor()
    const bar = page.getByTestId('experiment-progress').first()
    await bar.waitFor()
    await page.screenshot({ path: join(shots, 'experiments.png'), fullPage: true })

    // the run detail: its progress bar moves and its charts gain points while it trains
    const { runs } = (await api('runs:list', {})).body.result as RunList
    expect(runs).toHaveLength(2)
    await page.goto(`${origin}/#/runs/${runs[0].id}`)
    const progress = page.getByTestId('run-progress')
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(0)
    const first = Number(await progress.getAttribute('aria-valuenow'))
    const chart = page.getByTestId('chart').first()
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0)
    const pointsBefore = Number(await chart.getAttribute('data-points'))

    // responsive while two runs train: a rename made with the mouse and keyboard is shown, and
    // stored, while the run is still training (frame times are a speed figure, printed here, and
    // depend on the machine's load: a shared machine's p95 was 183 ms where a quiet one's is 17)
    const frames = await page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const gaps: number[] = []
          let last = performance.now()
          const start = last
          const tick = (now: number) => {
            gaps.push(now - last)
            last = now
            if (now - start < 1000) requestAnimationFrame(tick)
            else resolve(gaps)
          }
          requestAnimationFrame(tick)
        }),
    )
    const sorted = [...frames].sort((a, b) => a - b)
    console.log(`frames while training: ${frames.length} in 1 s, median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)].toFixed(1)} ms`)
    const header = page.getByTestId('run-name')
    await header.getByRole('button', { name: `Rename run ${runs[0].id}` }).click()
    await header.getByRole('textbox').fill('renamed while training')
    await page.keyboard.press('Enter')
    await expect.poll(() => header.textContent()).toContain('renamed while training')
    expect(((await api('runs:get', runs[0].id)).body.result as { name: string }).name).toBe('renamed while training')

    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(first)
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(pointsBefore)
    await page.screenshot({ path: join(shots, 'run-detail-live.png'), fullPage: true })

    // every run completes; the runs table says so, and still does after a reload
    await page.goto(`${origin}/#/runs`)
    await expect.poll(() => page.locator('tr[data-status="completed"]').count(), { timeout: 120_000 }).toBe(2)
    await page.reload()
    await expect.poll(() => page.locator('tr[data-status="completed"]').count()).toBe(2)
    await page.screenshot({ path: join(shots, 'runs.png'), fullPage: true })
    // the table fits the window; the column picker adds any logged measure, kept in the URL
    expect(await page.getByTestId('runs-table').evaluate((el) => el.getBoundingClientRect().width)).toBeLessThanOrEqual(1400)
    await page.getByTestId('column-picker').locator('summary').click()
    await page.locator('input[name="column-measure:norm.W1"]').check()
    await expect.poll(() => page.locator('th[data-column="measure:norm.W1"]').count()).toBe(1)
    expect(decodeURIComponent(page.url())).toMatch(/cols=[^&]*measure:norm\.W1/)
    await page.goto(`${origin}/#/runs/${runs[0].id}`)
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed')
    // the saved run's loss chart holds every evaluation: steps 0, 25, …, 30000
    await expect.poll(async () => Number(await page.getByTestId('chart').first().getAttribute('data-points'))).toBe(1201)
    await page.screenshot({ path: join(shots, 'run-detail.png'), fullPage: true })
  })

  it('sorts the runs table from the keyboard', async () => {
    await page.goto(`${origin}/#/runs`)
    const header = page.getByRole('button', { name: 'Status', exact: true })
    await header.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => page.url()).toMatch(/sort=status/)
    const th = page.locator('th', { has: header })
    const first = await th.getAttribute('aria-sort')
    await page.keyboard.press('Space')
    await expect.poll(() => th.getAttribute('aria-sort')).not.toBe(first)
    expect(['ascending', 'descending']).toContain(await th.getAttribute('aria-sort'))
  })

  it('deletes runs with undo', async () => {
    await page.goto(`${origin}/#/runs`)
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(2)
    await page.getByRole('checkbox', { name: 'select all' }).check()
    // the selection's config diff, and the selection in the URL
    await page.getByTestId('config-diff').waitFor()
    expect(await page.getByTestId('config-diff').textContent()).toMatch(/run \d+\s*run \d+/)
    expect(page.url()).toMatch(/selected=\d+(%2C|,)\d+/)
    await page.getByTestId('delete-runs').click()
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(0)
    await page.getByTestId('undo-delete').click()
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(2)
  })

  it('draws an MNIST run’s learned first-layer weights as 28×28 images', async () => {
    const started = (await api('experiments:start', {
      name: 'mnist weights',
      base: { data: { kind: 'mnist', trainSize: 500, testSize: 200 }, model: { kind: 'two-layer', hidden: 16, outputs: 10 }, rule: 'fa', loss: 'cross-entropy', optimizer: { learningRate: 0.01, batchSize: 50 }, steps: 20, evalEvery: 10 },
    })).body.result as { runIds: number[] }
    await page.goto(`${origin}/#/runs/${started.runIds[0]}`)
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('completed')
    await expect.poll(() => page.locator('.weights canvas').count()).toBe(16)
    await page.getByTestId('colour-bar').waitFor()
    await page.screenshot({ path: join(shots, 'run-detail-mnist.png'), fullPage: true })
    // a click enlarges a unit's weights; another closes it
    await page.locator('.weights canvas').nth(2).click()
    await page.getByTestId('enlarged-image').waitFor()
    expect(await page.getByTestId('enlarged-image').textContent()).toMatch(/unit 3/)
    await page.screenshot({ path: join(shots, 'run-detail-mnist-enlarged.png') })
    await page.getByTestId('enlarged-image').click()
    await expect.poll(() => page.getByTestId('enlarged-image').count()).toBe(0)
  })

  it('runs the song2021-mnist quick preset and makes the paper’s Fig. 3: signal alignment and test accuracy against step, one line per λ, at single-column size', async () => {
    // the session token is taken from the printed URL; then the hash routes
    await page.goto(url)
    await page.goto(`${origin}/#/experiments`)
    await page.locator('[data-open-preset="song2021-mnist:quick"]').click()
    await expect.poll(() => page.locator('input[name="experiment-name"]').inputValue()).toMatch(/^song2021-mnist/)
    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim())).toBe('expands to 3 runs')
    // the preset's 4,000 steps take minutes; the figure export needs only a few evaluations
    await page.locator('input[name="steps"]').fill('400')
    await page.locator('input[name="steps"]').press('Tab')
    await page.getByTestId('start').click()
    const started = await page.getByRole('status').filter({ hasText: 'Started experiment' }).textContent()
    const experimentId = Number(/experiment (\d+)/.exec(started!)![1])
    // the new experiment's progress is in view: Start leads to the experiments, newest first beside the presets
    await expect.poll(() => page.locator(`[data-experiment="${experimentId}"]`).evaluate((el) => {
      const box = el.getBoundingClientRect()
      return box.top >= 0 && box.bottom <= window.innerHeight
    })).toBe(true)
    await page.goto(`${origin}/#/runs?experiment=${experimentId}`)
    await expect.poll(() => page.locator('tr[data-status="completed"]').count(), { timeout: 420_000, interval: 1000 }).toBe(3)
    await page.getByRole('checkbox', { name: 'select all' }).check()
    await page.getByTestId('compare-runs-link').click()
    await expect.poll(() => page.getByTestId('compare-runs').textContent()).toMatch(/^\d+, \d+, \d+$/)
    // the per-run view is the default: one line per run, named by λ, the one field that differs
    await page.locator('input[name="measure-signalAlignment"]').check()
    await page.locator('input[name="measure-testAccuracy"]').check()
    for (const other of ['weightAlignment']) if (await page.locator(`input[name="measure-${other}"]`).isChecked()) await page.locator(`input[name="measure-${other}"]`).uncheck()
    await page.getByRole('button', { name: /single column/ }).click()
    await page.locator('input[name="comparison-name"]').fill('Fig. 3')
    const figure = page.getByTestId('figure')
    await expect.poll(() => figure.evaluate((el) => (el as unknown as { faLabSnapshot(): { grids: unknown[] } | null }).faLabSnapshot()?.grids.length ?? 0)).toBe(2)
    const snapshot = await figure.evaluate((el) => (el as unknown as { faLabSnapshot(): { texts: { text: string }[]; series: { id: string }[] } }).faLabSnapshot())
    const texts = snapshot.texts.map((t) => t.text)
    for (const label of ['λ', '0', '0.1', '0.3', 'step']) expect(texts).toContain(label)
    // at print size (single column, two panels) a y title may wrap onto two lines (the texts come sorted)
    for (const word of ['test', 'accuracy']) expect(texts.some((t) => t.split(' ').includes(word)), word).toBe(true)
    // the signal-alignment title: its words, or its formula whole (a title never breaks inside brackets)
    expect(['signal', 'alignment'].every((word) => texts.some((t) => t.split(' ').includes(word))) || texts.some((t) => t.includes('cos(e b, e β)'))).toBe(true)
    expect(texts.some((t) => /cos\(e b, e$/.test(t))).toBe(false)
    expect(texts.some((t) => /SD/.test(t))).toBe(false)
    expect(snapshot.series.filter((s) => s.id.startsWith('line:'))).toHaveLength(6)
    expect(await page.getByTestId('mix-warning').count()).toBe(0)
    mkdirSync(figures, { recursive: true })
    await page.locator('.figure').first().screenshot({ path: join(figures, 'fig3-screen.png') })
    await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true })

    const saveDownload = async (testId: string, name: string) => {
      const download = page.waitForEvent('download')
      await page.getByTestId(testId).click()
      const file = await download
      expect(file.suggestedFilename()).toBe(name)
      await file.saveAs(join(figures, name))
      return join(figures, name)
    }
    const svgPath = await saveDownload('export-svg', 'Fig.-3-signalAlignment-testAccuracy.svg')
    await saveDownload('export-png', 'Fig.-3-signalAlignment-testAccuracy.png')
    const pdfPath = await saveDownload('export-pdf', 'Fig.-3-signalAlignment-testAccuracy.pdf')
    const csvPath = await saveDownload('export-csv', 'Fig.-3-signalAlignment-testAccuracy.csv')
    const fonts = execFileSync('pdffonts', [pdfPath], { encoding: 'utf8' }).trim().split('\n').slice(2)
    expect(fonts.length).toBeGreaterThan(0)
    for (const line of fonts) expect(line).toMatch(/\syes\s+yes\s+yes\s/)

    // the exported SVG has the screen's texts, each once per occurrence, and nothing else
    const svg = readFileSync(svgPath, 'utf8')
    // single column is 3.25 in wide; it may grow taller than 2.4 in to keep its plots readable, and
    // then says so on screen, where the line under the figure gives the size the export has
    const [, printedHeight] = /^3\.25 × ([\d.]+) in,/.exec((await page.getByTestId('figure-scale').textContent()) ?? '') ?? []
    expect(Number(printedHeight)).toBeGreaterThanOrEqual(2.4)
    if (Number(printedHeight) > 2.4) expect(await page.getByText(`${printedHeight} in tall instead of 2.4 in`).count()).toBe(1)
    expect(svg).toMatch(new RegExp(`^<svg width="3.25in" height="${printedHeight}in"`))
    const svgTexts = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml')
      return Array.from(doc.querySelectorAll('text')).map((t) => t.textContent ?? '').filter((t) => t.trim() !== '')
    }, svg)
    expect(svgTexts.sort()).toEqual([...texts].sort())
    // the CSV's λ = 0.1 curve is that run's stored series
    const csv = readFileSync(csvPath, 'utf8').trim().split('\n')
    expect(csv[0]).toBe('panel,line,curve,step,value,lower (mean ± SD),upper (mean ± SD),runs,panel title')
    const runs = unpackRunList((await api('runs:list', { experimentId })).body.result as RunList)
    const lambda01 = runs.find((r) => r.config.regularization.outputL2 === 0.1)!
    const stored = ((await api('metrics:series', { runIds: [lambda01.id], name: 'signalAlignment' })).body.result as { steps: number[]; values: number[] }[])[0]
    const rows = csv.filter((l) => l.startsWith('signalAlignment,λ = 0.1,')).map((l) => l.split(',').map(Number))
    expect(rows.map((r) => r[3])).toEqual(stored.steps)
    expect(rows.map((r) => r[4])).toEqual(stored.values)

    // saved, it reopens as it was
    await page.getByTestId('save-comparison').click()
    await page.getByRole('status').filter({ hasText: "saved as 'Fig. 3'" }).waitFor()
    await page.goto(`${origin}/#/compare?comparison=${encodeURIComponent('Fig. 3')}`)
    await expect.poll(() => figure.evaluate((el) => (el as unknown as { faLabSnapshot(): { texts: { text: string }[] } | null }).faLabSnapshot()?.texts.map((t) => t.text).sort() ?? [])).toEqual([...texts].sort())
  }, 600_000)

  it('screen and export agree on every setting, changed in place; mixed groups are flagged; no console or page error', async () => {
    // 8 tiny runs: λ ∈ {0, 0.1} × hidden width ∈ {10, 20} × seed ∈ {1, 2}
    const started = (await api('experiments:start', {
      name: 'figure matrix',
      base: { data: { kind: 'synthetic', n: 40, inputDim: 10, testN: 40 }, model: { kind: 'two-layer', hidden: 10 }, rule: 'fa', optimizer: { learningRate: 0.02, batchSize: 10 }, steps: 60, evalEvery: 10 },
      grid: { 'regularization.outputL2': [0, 0.1], 'model.hidden': [10, 20], seed: [1, 2] },
    })).body.result as { experimentId: number; runIds: number[] }
    await expect.poll(async () => ((await api('runs:list', { experimentId: started.experimentId })).body.result as RunList).runs.filter((r) => r.status === 'completed').length, { timeout: 300_000, interval: 500 }).toBe(8)
    await page.goto(url)
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${origin}/#/compare?runs=${started.runIds.join(',')}`)
    const figure = page.getByTestId('figure')
    type Snapshot = FigureSnapshot & { spec: unknown }
    const read = () =>
      figure.evaluate((el) => {
        const snapshot = (el as unknown as { faLabSnapshot(): FigureSnapshot | null }).faLabSnapshot()
        return snapshot && { ...snapshot, spec: JSON.parse(document.querySelector('[data-spec]')!.getAttribute('data-spec')!) }
      }) as Promise<Snapshot | null>
    await expect.poll(async () => (await read())?.series.length ?? 0).toBeGreaterThan(0)
    // per run by default: eight lines, no band, no warning
    expect((await read())!.series.filter((s) => s.id.startsWith('line:'))).toHaveLength(8)
    expect(await page.getByTestId('mix-warning').count()).toBe(0)
    // grouping by λ alone averages two widths: the figure says so, and offers the field
    await page.locator('input[name="group-regularization.outputL2"]').check()
    await expect.poll(() => page.getByTestId('mix-warning').count()).toBe(2)
    expect(await page.getByTestId('mix-warning').first().textContent()).toMatch(/differ in .*model\.hidden/)
    await page.screenshot({ path: join(shots, 'compare-mixed-warning.png'), fullPage: true })
    await page.getByTestId('add-grouping').first().click()
    await expect.poll(() => page.getByTestId('mix-warning').count()).toBe(0)

    const seriesByMeasure: Record<string, RunSeries[]> = {}
    const details = await Promise.all(started.runIds.map(async (id) => (await api('runs:get', id)).body.result as { id: number; config: Record<string, unknown> }))
    const load = async (measure: string) => {
      if (seriesByMeasure[measure]) return seriesByMeasure[measure]
      const data = (await api('metrics:series', { runIds: started.runIds, name: measure })).body.result as { runId: number; steps: number[]; values: number[]; wallTimesMs: number[] }[]
      return (seriesByMeasure[measure] = data.map((d) => ({ ...d, config: details.find((r) => r.id === d.runId)!.config })))
    }
    let checked = 0
    let last = ''
    const compare = async () => {
      let snapshot: Snapshot | null = null
      await expect.poll(async () => {
        snapshot = await read()
        return snapshot ? JSON.stringify(snapshot.spec) : ''
      }).not.toBe(last)
      // let a change of measure load its series
      await page.waitForTimeout(30)
      snapshot = (await read())!
      last = JSON.stringify(snapshot.spec)
      const spec = FigureSpec.parse(snapshot.spec)
      const series = Object.fromEntries(await Promise.all(spec.measures.map(async (m) => [m, await load(m)] as const)))
      expectScreenMatchesSvg(snapshot, spec, series, JSON.stringify({ kind: spec.kind, band: spec.band, smoothing: spec.smoothing, x: spec.xAxis, logX: spec.logX, logY: spec.logY }))
      checked++
    }
    await page.locator('select[name="measure"]').selectOption('trainLoss')
    await compare()
    for (const band of ['none', 'sd', 'se', 'ci95']) {
      await page.locator('select[name="band"]').selectOption(band)
      for (const smoothing of ['0', '0.6']) {
        await page.locator('input[name="smoothing"]').fill(smoothing)
        for (const xAxis of ['step', 'epoch', 'samples', 'wallTime']) {
          await page.locator('select[name="xAxis"]').selectOption(xAxis)
          for (const [logX, logY] of [[false, false], [false, true], [true, true]]) {
            await page.locator('input[name="logX"]').setChecked(logX)
            await page.locator('input[name="logY"]').setChecked(logY)
            await compare()
          }
        }
      }
    }
    await page.locator('select[name="kind"]').selectOption('sweep')
    await page.locator('select[name="sweepField"]').selectOption('model.hidden')
    await page.locator('input[name="group-model.hidden"]').uncheck()
    for (const band of ['none', 'sd', 'se', 'ci95']) {
      await page.locator('select[name="band"]').selectOption(band)
      for (const [logX, logY] of [[false, false], [false, true], [true, true]]) {
        await page.locator('input[name="logX"]').setChecked(logX)
        await page.locator('input[name="logY"]').setChecked(logY)
        await compare()
      }
    }
    await page.screenshot({ path: join(shots, 'compare-sweep.png'), fullPage: true })
    console.log(`screen and SVG compared for ${checked} settings`)
    // every setting is in the URL: a reload brings the same figure back
    const before = await read()
    await page.reload()
    await expect.poll(async () => JSON.stringify((await read())?.spec ?? null)).toBe(JSON.stringify(before!.spec))
    expect((await read())!.series).toEqual(before!.series)
    expect(checked).toBeGreaterThanOrEqual(108)
    expect(errors).toEqual([])
  }, 600_000)

  it('shows the bundled dataset as a grid of samples per class', async () => {
    await page.goto(`${origin}/#/datasets`)
    await page.getByTestId('samples').waitFor()
    await expect.poll(() => page.locator('[data-testid="samples"] canvas').count()).toBe(80)
    expect(await page.getByTestId('datasets-table').textContent()).toMatch(/mnist\s*bundled\s*10,000\s*10,000/)
    await page.screenshot({ path: join(shots, 'datasets.png'), fullPage: true })
  })

  it('imports a folder of Fashion-MNIST IDX files and shows its classes', async () => {
    await page.locator('select[name="import-kind"]').selectOption('fashion-mnist')
    await page.locator('input[name="import-dir"]').fill('/usr/share/datasets/fashion-mnist')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => page.getByTestId('datasets-table').textContent()).toMatch(/fashion-mnist\s*folder\s*60,000\s*10,000/)
    // reading 70,000 images while earlier tests' runs still train can take more than the default 5 s
    await expect.poll(() => page.getByTestId('samples').textContent(), { timeout: 60_000 }).toMatch(/fashion-mnist \(folder\)[\s\S]*Ankle boot/)
    await page.screenshot({ path: join(shots, 'datasets-fashion.png'), fullPage: true })
  })

  it('a download with no reachable mirror ends with a message saying to use a folder', async () => {
    await page.getByRole('button', { name: 'Download', exact: true }).click()
    const error = page.getByRole('alert').filter({ hasText: 'Could not download' })
    await error.waitFor({ timeout: 30_000 })
    expect(await error.textContent()).toMatch(/use them as a folder source/)
  })
})
