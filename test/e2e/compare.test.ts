/**
 * End to end, at the 1,440 × 900 window the comparison issue was seen in: zooming the comparison
 * (the zoomed range drawn on screen as in the exported SVG), state that survives the back button,
 * the runs table's fit, and an MNIST run's weight change W − W₀. Screenshots land in
 * test-output/screenshots/.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { minPlotHeight } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import type { FigureSnapshot } from '../../src-renderer/src/charts/figure-snapshot'
import { expectScreenMatchesSvg, labApi, launchChromium, serveLab, stopLab } from './harness'
import type { RunList } from '../../src-shared/contract'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-e2e-compare-'))
let server: ChildProcess
let url = ''
let origin = ''
let api: ReturnType<typeof labApi>
let browser: Browser
let page: Page
const errors: string[] = []
/** λ ∈ {0, 0.1} × width ∈ {10, 20} × seed ∈ {1, 2}, named as the lab names a sweep's runs. */
let sweep: { experimentId: number; runIds: number[] }
let mnist: { runIds: number[] }

type Snapshot = FigureSnapshot & { spec: unknown }
const read = () =>
  page.getByTestId('figure').evaluate((el) => {
    const snapshot = (el as unknown as { faLabSnapshot(): FigureSnapshot | null }).faLabSnapshot()
    return snapshot && { ...snapshot, spec: JSON.parse(document.querySelector('[data-spec]')!.getAttribute('data-spec')!) }
  }) as Promise<Snapshot | null>

async function seriesOf(spec: FigureSpec): Promise<Record<string, RunSeries[]>> {
  const configs = new Map(await Promise.all(spec.runIds.map(async (id) => [id, (await api<{ config: unknown }>('runs:get', id)).config] as const)))
  const entries = await Promise.all(
    spec.measures.map(async (m) => [m, (await api<(Omit<RunSeries, 'config'> & { name: string })[]>('metrics:series', { runIds: spec.runIds, name: m })).map(({ name: _measure, ...s }) => ({ ...s, config: configs.get(s.runId) }) as RunSeries)] as const),
  )
  return Object.fromEntries(entries)
}

/** Waits for the screen to draw a spec other than `previous`, checks it against the SVG export, and returns it. */
async function drawnAndExported(previous: string, label: string): Promise<Snapshot> {
  await expect.poll(async () => JSON.stringify((await read())?.spec ?? null)).not.toBe(previous)
  // the comparison is computed in main: wait until the figure drawn is the current spec's
  await page.locator('[data-current="true"]').waitFor()
  await page.waitForTimeout(50)
  const snapshot = (await read())!
  const spec = FigureSpec.parse(snapshot.spec)
  expectScreenMatchesSvg(snapshot, spec, await seriesOf(spec), label)
  return snapshot
}

/** Screen pixels of a point in the figure's canvas (points). */
async function screenPoint(x: number, y: number): Promise<[number, number]> {
  const box = (await page.getByTestId('figure').boundingBox())!
  const width = Number((await page.getByTestId('figure').evaluate((el) => (el as HTMLElement).style.width)).replace('px', ''))
  const k = box.width / width
  return [box.x + x * k, box.y + y * k]
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ server, url, origin } = await serveLab(home, { workers: 2 }))
  api = labApi(url)
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('pageerror', (e) => errors.push(e.message))
  sweep = await api('experiments:start', {
    name: 'width and lambda sweep',
    base: { data: { kind: 'synthetic', n: 40, inputDim: 10, testN: 40 }, model: { kind: 'two-layer', hidden: 10 }, rule: 'fa', optimizer: { learningRate: 0.02, batchSize: 10 }, steps: 200, evalEvery: 10 },
    grid: { 'regularization.outputL2': [0, 0.1], 'model.hidden': [10, 20], seed: [1, 2] },
  })
  mnist = await api('experiments:start', {
    name: 'mnist weights',
    base: { data: { kind: 'mnist', trainSize: 500, testSize: 200 }, model: { kind: 'two-layer', hidden: 16, outputs: 10 }, rule: 'fa', loss: 'cross-entropy', optimizer: { learningRate: 0.05, batchSize: 50 }, steps: 60, evalEvery: 20 },
    grid: { seed: [1, 2] },
  })
  const all = [...sweep.runIds, ...mnist.runIds]
  const completed = async () => (await api<RunList>('runs:list', {})).runs.filter((r) => all.includes(r.id) && r.status === 'completed').length
  while ((await completed()) < all.length) await new Promise((r) => setTimeout(r, 500))
  await page.goto(url)
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await stopLab(server)
})

describe('comparison and run detail at 1,440 × 900', () => {
  it('zooms a panel by a dragged rectangle and by the wheel; the zoomed figure on screen is the exported SVG; Reset zoom restores it', async () => {
    await page.goto(`${origin}/#/compare?runs=${sweep.runIds.join(',')}`)
    await expect.poll(async () => (await read())?.series.length ?? 0).toBeGreaterThan(0)
    await page.locator('input[name="measure-testLoss"]').check()
    await expect.poll(async () => (await read())?.grids.length ?? 0).toBe(2)
    await page.locator('input[name="group-regularization.outputL2"]').check()
    await page.locator('input[name="group-model.hidden"]').check()
    let last = await drawnAndExported('', 'two panels, grouped')
    expect(await page.getByTestId('reset-zoom').isDisabled()).toBe(true)
    const fitted = last.axes

    // a rectangle over the second panel: x is shared (both panels), y is that panel's alone
    const grid = last.grids[1]
    const [x0, y0] = await screenPoint(grid.x + grid.width * 0.2, grid.y + grid.height * 0.3)
    const [x1, y1] = await screenPoint(grid.x + grid.width * 0.6, grid.y + grid.height * 0.8)
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 3 })
    await page.getByTestId('zoom-box').waitFor()
    await page.mouse.move(x1, y1, { steps: 3 })
    await page.screenshot({ path: join(shots, 'compare-zoom-dragging.png') })
    await page.mouse.up()
    last = await drawnAndExported(JSON.stringify(last.spec), 'zoomed by a rectangle')
    const zoomed = FigureSpec.parse(last.spec)
    const key = Object.keys(zoomed.zoom)[0]
    expect(key).toBe('testLoss')
    const x = (i: number) => last.axes.find((a) => a.dim === 'x' && a.index === i)!
    const y = (i: number) => last.axes.find((a) => a.dim === 'y' && a.index === i)!
    const fittedX = fitted.find((a) => a.dim === 'x' && a.index === 1)!
    // the x range is the dragged fifth to three fifths of the fitted one, in both panels (to the rounding of the spec: a thousandth of the range)
    const span = fittedX.max - fittedX.min
    expect(Math.abs(zoomed.xRange.min! - (fittedX.min + 0.2 * span))).toBeLessThan(span * 0.01)
    expect(Math.abs(zoomed.xRange.max! - (fittedX.min + 0.6 * span))).toBeLessThan(span * 0.01)
    for (const i of [0, 1]) expect([x(i).min, x(i).max]).toEqual([zoomed.xRange.min, zoomed.xRange.max])
    expect([y(1).min, y(1).max]).toEqual([zoomed.zoom.testLoss.y.min, zoomed.zoom.testLoss.y.max])
    // the first panel keeps a y of its own, fitted to its data inside the zoomed x range
    expect([y(0).min, y(0).max]).not.toEqual([y(1).min, y(1).max])
    expect(await page.getByTestId('reset-zoom').isDisabled()).toBe(false)
    // ticks at round values inside the zoomed range, not counted from its bounds
    for (const axis of last.axes) {
      const interval = axis.ticks[1] - axis.ticks[0]
      for (const t of axis.ticks) expect(Math.abs(t / interval - Math.round(t / interval)), `${axis.dim}${axis.index} ${axis.ticks}`).toBeLessThan(1e-6)
    }
    // the range is a setting like any other: in the manual range fields and in the URL
    expect(Number(await page.locator('input[name="xMin"]').inputValue())).toBe(zoomed.xRange.min)
    expect(decodeURIComponent(page.url())).toContain('"zoom":{"testLoss"')
    await page.locator('.figure').first().screenshot({ path: join(shots, 'compare-zoomed.png') })

    // the wheel over the first panel zooms x further in, about the pointer
    const [wx, wy] = await screenPoint(last.grids[0].x + last.grids[0].width / 2, last.grids[0].y + last.grids[0].height / 2)
    await page.mouse.move(wx, wy)
    await page.mouse.wheel(0, -100)
    last = await drawnAndExported(JSON.stringify(last.spec), 'zoomed by the wheel')
    const wheeled = FigureSpec.parse(last.spec)
    expect(wheeled.xRange.max! - wheeled.xRange.min!).toBeLessThan((zoomed.xRange.max! - zoomed.xRange.min!) * 0.85)

    // reload: the zoomed figure comes back from the URL
    const before = JSON.stringify(last.spec)
    await page.reload()
    await expect.poll(async () => JSON.stringify((await read())?.spec ?? null)).toBe(before)

    await page.getByTestId('reset-zoom').click()
    last = await drawnAndExported(before, 'zoom reset')
    expect(last.axes).toEqual(fitted)
    expect(errors).toEqual([])
  })

  it('labels editor: each input sits beside its own caption and changes its own text, on screen as in the SVG', async () => {
    await page.goto(`${origin}/#/compare?runs=${sweep.runIds.join(',')}`)
    await expect.poll(async () => (await read())?.series.length ?? 0).toBeGreaterThan(0)
    await page.locator('input[name="measure-testLoss"]').check()
    await page.locator('select[name="splitBy"]').selectOption('model.hidden')
    await page.locator('input[name="group-regularization.outputL2"]').check()
    let last = await drawnAndExported('', 'labels: two measures split by width, grouped by λ')
    expect(last.grids).toHaveLength(4)
    await page.locator('summary', { hasText: 'Labels' }).click()
    const inputs = page.locator('[data-testid="labels-editor"] input[data-label]')
    const targets = await inputs.evaluateAll((list) => list.map((i) => i.getAttribute('data-label')!))
    // title, x, a y per measure, a title per panel, the legend's title, an entry per line
    const measures = FigureSpec.parse(last.spec).measures
    const panelKeys = measures.flatMap((m) => [`${m}|10`, `${m}|20`])
    expect(measures).toHaveLength(2)
    expect(targets).toEqual(['title', 'x', ...measures.map((m) => `y:${m}`), ...panelKeys.map((k) => `panel:${k}`), 'legend', 'entry:["0"]', 'entry:["0.1"]'])
    // each caption and its input share one row: the input's vertical middle lies within its own caption's box
    for (const row of await page.locator('[data-testid="labels-editor"] .label-row').all()) {
      const caption = (await row.locator('.caption').boundingBox())!
      const input = (await row.locator('input').boundingBox())!
      expect(input.y + input.height / 2).toBeGreaterThanOrEqual(caption.y - 1)
      expect(input.y + input.height / 2).toBeLessThanOrEqual(caption.y + caption.height + 1)
      expect(input.x).toBeGreaterThan(caption.x + caption.width - 1)
    }
    await page.locator('[data-testid="labels-editor"]').screenshot({ path: join(shots, 'compare-labels-editor.png') })
    const panelIndex = (key: string) => panelKeys.indexOf(key)
    for (const [n, target] of targets.entries()) {
      const token = `L${n}x`
      const before = last
      const input = page.locator(`[data-testid="labels-editor"] input[data-label='${target}']`)
      await input.fill(token)
      await input.press('Tab')
      last = await drawnAndExported(JSON.stringify(before.spec), `label ${target}`)
      const spec = FigureSpec.parse(last.spec)
      // the spec holds the text under this input's own field
      const [kind, key] = [target.split(':')[0], target.slice(target.indexOf(':') + 1)]
      const stored = { title: spec.title, x: spec.labels.x, legend: spec.labels.legendTitle, y: spec.labels.y[key], panel: spec.labels.panels[key], entry: spec.labels.entries[key] }[kind]
      expect(stored, target).toBe(token)
      // the text is drawn where its field is, and nowhere else (other texts may rewrap around it)
      const added = last.texts.filter((t) => t.text.includes(token))
      expect(added.map((t) => t.text), target).toEqual(kind === 'x' ? [token, token, token, token] : kind === 'y' ? [token, token] : [token])
      expect(before.texts.filter((t) => t.text.includes(token))).toEqual([])
      const box = added[0]
      const grids = last.grids
      if (kind === 'title' || kind === 'legend') expect(box.y + box.height, target).toBeLessThanOrEqual(Math.min(...grids.map((g) => g.y)))
      if (kind === 'x') for (const t of added) expect(grids.some((g) => t.y >= g.y + g.height && t.x >= g.x - 20 && t.x + t.width <= g.x + g.width + 20), target).toBe(true)
      if (kind === 'y') {
        const panels = spec.measures.indexOf(key) === 0 ? [0, 1] : [2, 3]
        for (const t of added) expect(panels.some((i) => t.x + t.width <= grids[i].x && t.y >= grids[i].y - 1 && t.y + t.height <= grids[i].y + grids[i].height + 1), `${target} beside its panels`).toBe(true)
      }
      if (kind === 'panel') {
        const g = grids[panelIndex(key)]
        expect(box.y + box.height, target).toBeLessThanOrEqual(g.y)
        expect(Math.abs(box.x + box.width / 2 - (g.x + g.width / 2)), target).toBeLessThan(1)
      }
      if (kind === 'entry') {
        const drawnLines = last.series.filter((l) => l.id.startsWith('line:'))
        expect(drawnLines.filter((l) => l.name === token).map((l) => l.id.split(':').slice(2).join(':')), target).toEqual(Array(4).fill(key))
      }
    }
    await page.locator('.figure').first().screenshot({ path: join(shots, 'compare-labels-edited.png') })
    expect(errors).toEqual([])
  })

  it('small multiples at 3.25 in: every panel keeps three labelled y ticks and a readable plot, the eight-run legend does not squash it', async () => {
    await page.goto(`${origin}/#/compare?runs=${sweep.runIds.join(',')}`)
    await expect.poll(async () => (await read())?.series.length ?? 0).toBeGreaterThan(0)
    await page.locator('button[name="single-column"]').click()
    let last = await drawnAndExported('', 'eight runs at 3.25 in')
    // eight per-run entries: the plot keeps a readable height, the figure says where it grew
    expect(last.grids[0].height).toBeGreaterThanOrEqual(minPlotHeight(8))
    for (const axis of last.axes.filter((a) => a.dim === 'y')) expect(axis.ticks.length).toBeGreaterThanOrEqual(3)
    await page.locator('.figure').first().screenshot({ path: join(shots, 'compare-8-runs-single-column.png') })
    const measures = (await page.locator('input[name^="measure-"]').evaluateAll((l) => l.map((i) => i.getAttribute('name')!.slice('measure-'.length)))).filter((m) => !m.startsWith('norm'))
    const shown = FigureSpec.parse(last.spec).measures
    for (const m of measures.filter((m) => !shown.includes(m)).slice(0, 4 - shown.length)) await page.locator(`input[name="measure-${m}"]`).check()
    await page.locator('input[name="group-regularization.outputL2"]').check()
    await page.locator('input[name="group-model.hidden"]').check()
    await expect.poll(async () => (await read())?.grids.length ?? 0).toBe(4)
    last = await drawnAndExported(JSON.stringify(last.spec), 'four panels at 3.25 in')
    for (const axis of last.axes.filter((a) => a.dim === 'y')) expect(axis.ticks.length, `panel ${axis.index}`).toBeGreaterThanOrEqual(3)
    for (const g of last.grids) expect(g.height).toBeGreaterThanOrEqual(minPlotHeight(8))
    // four panels in a 3.25 in column are stacked (two columns would leave plots too narrow for three
    // x labels), and the screen says so beside the height it grew to
    expect(new Set(last.grids.map((g) => g.x)).size).toBe(1)
    const notes = await page.getByTestId('figure-note').allTextContents()
    expect(notes).toContain('4 panels in 1 column instead of 2, so that each plot keeps a readable width and three labelled x ticks')
    expect(notes.join(' ')).toMatch(/in tall instead of 2\.4 in, so that the plots keep a readable height beside a legend of \d+ entries and 4 panels/)
    await page.locator('.figure').first().screenshot({ path: join(shots, 'compare-4-panels-single-column.png') })
    expect(errors).toEqual([])
  })

  it('the back button brings back the runs table’s filter, sort and selection and the comparison’s settings', async () => {
    await page.goto(`${origin}/#/runs?experiment=${sweep.experimentId}`)
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(8)
    await page.locator('input[name="run-filter"]').fill('λ=0.1')
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(4)
    await page.getByRole('button', { name: 'Seed', exact: true }).click()
    await page.getByRole('button', { name: 'Status', exact: true }).click()
    const rows = page.locator('tr[data-run]')
    const picked = [await rows.nth(0).getAttribute('data-run'), await rows.nth(2).getAttribute('data-run')]
    for (const id of picked) await page.getByRole('checkbox', { name: `select run ${id}`, exact: true }).check()
    await expect.poll(() => page.url()).toMatch(/selected=/)
    const runsState = { url: page.url(), order: await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-run'))) }

    await page.getByTestId('compare-runs-link').click()
    await expect.poll(async () => (await read())?.series.length ?? 0).toBeGreaterThan(0)
    await page.locator('select[name="band"]').selectOption('se')
    await page.locator('input[name="smoothing"]').fill('0.5')
    await page.locator('select[name="xAxis"]').selectOption('samples')
    await page.locator('input[name="logY"]').check()
    await page.locator('summary', { hasText: 'Labels' }).click()
    await page.locator('input[name="title"]').fill('after the back button')
    await expect.poll(async () => FigureSpec.parse((await read())?.spec).title).toBe('after the back button')
    const compareSpec = JSON.stringify((await read())!.spec)

    // away to a run's page, then back, twice
    await page.goto(`${origin}/#/runs/${picked[0]}`)
    await page.getByTestId('run-status').waitFor()
    await page.goBack()
    await expect.poll(async () => JSON.stringify((await read())?.spec ?? null)).toBe(compareSpec)
    expect(await page.locator('select[name="band"]').inputValue()).toBe('se')
    expect(await page.locator('input[name="logY"]').isChecked()).toBe(true)
    await page.goBack()
    await expect.poll(() => page.url()).toBe(runsState.url)
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(4)
    expect(await page.locator('input[name="run-filter"]').inputValue()).toBe('λ=0.1')
    expect(await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-run')))).toEqual(runsState.order)
    for (const id of picked) expect(await page.getByRole('checkbox', { name: `select run ${id}`, exact: true }).isChecked()).toBe(true)
    expect(await page.locator('th[aria-sort="ascending"], th[aria-sort="descending"]').textContent()).toBe('Status')
    expect(errors).toEqual([])
  })

  it('the runs table of a sweep fits a 1,440 px window with its default columns, names in full on hover', async () => {
    await page.goto(`${origin}/#/runs?experiment=${sweep.experimentId}`)
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(8)
    const fit = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth, table: document.querySelector('[data-testid="runs-table"]')!.getBoundingClientRect().right }))
    expect(fit.window).toBe(1440)
    expect(fit.page).toBeLessThanOrEqual(1440)
    expect(fit.table).toBeLessThanOrEqual(1440)
    const { runs } = await api<RunList>('runs:list', { experimentId: sweep.experimentId })
    for (const run of runs) expect(await page.locator(`tr[data-run="${run.id}"] td.name .text`).getAttribute('title')).toBe(run.name)
    await page.screenshot({ path: join(shots, 'runs-1440.png') })
  })

  it('shows an MNIST run’s weight change W − W₀ on its own colour scale, and says why a run without W₀ cannot', async () => {
    const [id, older] = mnist.runIds
    await page.goto(`${origin}/#/runs/${id}`)
    await expect.poll(() => page.locator('.weights canvas').count()).toBe(16)
    const bar = page.getByTestId('colour-bar')
    const images = await api<{ units: number[][]; change: number[][] }>('runs:weights', { runId: id, count: 16 })
    const largest = (list: number[][]) => Math.max(...list.flat().map(Math.abs))
    expect(Number(await bar.getAttribute('data-bound'))).toBe(largest(images.units))
    await page.locator('input[name="weight-change"]').check()
    await expect.poll(async () => Number(await bar.getAttribute('data-bound'))).toBe(largest(images.change))
    expect(largest(images.change)).toBeLessThan(largest(images.units))
    expect(await page.locator('.weights h2').textContent()).toMatch(/W − W₀/)
    // the image holding the largest change draws it at the end of the scale: its pixels are the change's colours
    const unit = images.change.findIndex((u) => largest([u]) === largest(images.change))
    const at = images.change[unit].findIndex((v) => Math.abs(v) === largest(images.change))
    const pixel = await page.locator('.weights canvas').nth(unit).evaluate((c, i) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(i % 28, Math.floor(i / 28), 1, 1).data), at)
    expect(pixel).toEqual(images.change[unit][at] > 0 ? [103, 0, 31, 255] : [5, 48, 97, 255])
    await page.locator('.weights').screenshot({ path: join(shots, 'run-detail-weight-change.png') })
    await page.locator('.weights canvas').nth(1).click()
    await page.getByTestId('enlarged-image').waitFor()
    // enlarged, it says what it shows and keeps its colour bar
    expect(await page.getByTestId('enlarged-image').textContent()).toMatch(/unit 2 · W − W₀/)
    expect(Number(await page.getByTestId('enlarged-colour-bar').getAttribute('data-bound'))).toBe(largest(images.change))
    await page.screenshot({ path: join(shots, 'run-detail-weight-change-enlarged.png') })
    await page.getByTestId('enlarged-image').click()

    // a run stored before the lab kept W₀: the toggle is off, with the reason
    const db = new Database(join(home, 'lab.sqlite'))
    db.prepare(`DELETE FROM artifacts WHERE run_id = ? AND name = 'W1.init'`).run(older)
    db.close()
    await page.goto(`${origin}/#/runs/${older}`)
    await expect.poll(() => page.locator('.weights canvas').count()).toBe(16)
    await expect.poll(() => page.locator('input[name="weight-change"]').isDisabled()).toBe(true)
    expect(await page.getByTestId('no-initial-weights').textContent()).toMatch(/did not keep its initial weights/)
    expect(errors).toEqual([])
  })
})
