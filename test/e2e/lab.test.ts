/**
 * End to end: the real CLI serves a real lab file in browser mode; Debian's Chromium, driven by
 * playwright-core, builds an experiment from a preset, starts it, watches it train, and reloads.
 * Screenshots of every screen land in test-output/screenshots/.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'src-main/cli/fa-lab.mjs')
const shots = join(root, 'test-output', 'screenshots')
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
  server = spawn(process.execPath, [cli, 'serve', '--db', join(home, 'lab.sqlite'), '--port', '0', '--workers', '2'], {
    env: { ...process.env, FA_LAB_HOME: home, FA_LAB_MIRRORS: 'http://127.0.0.1:1/' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  url = await new Promise<string>((resolve, reject) => {
    let out = ''
    server.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)
      if (match) resolve(match[1])
    })
    server.once('exit', (code) => reject(new Error(`fa-lab serve exited with ${code}: ${out}`)))
  })
  origin = new URL(url).origin
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  page.on('pageerror', (error) => console.error('page error:', error))
})

afterAll(async () => {
  await browser?.close()
  server?.kill('SIGINT')
  await new Promise((r) => server?.once('exit', r))
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
    await page.getByRole('button', { name: /Smoke test/ }).click()
    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim())).toBe('expands to 2 runs')
    await page.locator('input[name="optimizer.learningRate"]').fill('-1')
    await page.locator('input[name="optimizer.learningRate"]').press('Tab')
    const error = page.locator('[data-field="optimizer.learningRate"]')
    await error.waitFor()
    expect(await error.textContent()).toMatch(/Too small|>0/)
    expect(await page.getByTestId('start').isDisabled()).toBe(true)
    await page.screenshot({ path: join(shots, 'experiments-invalid.png'), fullPage: true })
    expect((await api('runs:list', {})).body.result).toEqual([])
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
    const runs = (await api('runs:list', {})).body.result as { id: number }[]
    expect(runs).toHaveLength(2)
    await page.goto(`${origin}/#/runs/${runs[0].id}`)
    const progress = page.getByTestId('run-progress')
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(0)
    const first = Number(await progress.getAttribute('aria-valuenow'))
    const chart = page.getByTestId('chart').first()
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0)
    const pointsBefore = Number(await chart.getAttribute('data-points'))

    // responsiveness while two runs train: frame intervals in the page
    const frames = await page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const gaps: number[] = []
          let last = performance.now()
          const start = last
          const tick = (now: number) => {
            gaps.push(now - last)
            last = now
            if (now - start < 2000) requestAnimationFrame(tick)
            else resolve(gaps)
          }
          requestAnimationFrame(tick)
        }),
    )
    const sorted = [...frames].sort((a, b) => a - b)
    const p95 = sorted[Math.floor(sorted.length * 0.95)]
    console.log(`frames while training: ${frames.length} in 2 s, median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`)
    expect(p95).toBeLessThan(100)

    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(first)
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(pointsBefore)
    await page.screenshot({ path: join(shots, 'run-detail-live.png'), fullPage: true })

    // every run completes; the runs table says so, and still does after a reload
    await page.goto(`${origin}/#/runs`)
    await expect.poll(() => page.locator('tr[data-status="completed"]').count(), { timeout: 120_000 }).toBe(2)
    await page.reload()
    await expect.poll(() => page.locator('tr[data-status="completed"]').count()).toBe(2)
    await page.screenshot({ path: join(shots, 'runs.png'), fullPage: true })
    await page.goto(`${origin}/#/runs/${runs[0].id}`)
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed')
    // the saved run's loss chart holds every evaluation: steps 0, 25, …, 30000
    await expect.poll(async () => Number(await page.getByTestId('chart').first().getAttribute('data-points'))).toBe(1201)
    await page.screenshot({ path: join(shots, 'run-detail.png'), fullPage: true })
  })

  it('deletes runs with undo', async () => {
    await page.goto(`${origin}/#/runs`)
    await page.getByRole('checkbox', { name: 'select all' }).check()
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
    await page.screenshot({ path: join(shots, 'run-detail-mnist.png'), fullPage: true })
  })

  it('runs a quick preset, compares its runs grouped by λ, and exports the figure as SVG and its data as CSV', async () => {
    await page.goto(`${origin}/#/experiments`)
    await page.getByRole('button', { name: /MNIST with FA and regularised β \(quick\)/ }).click()
    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim())).toBe('expands to 3 runs')
    await page.getByTestId('start').click()
    const started = await page.getByRole('status').filter({ hasText: 'Started experiment' }).textContent()
    const experimentId = Number(/experiment (\d+)/.exec(started!)![1])
    await page.goto(`${origin}/#/runs?experiment=${experimentId}`)
    await expect.poll(() => page.locator('tr[data-status="completed"]').count(), { timeout: 180_000, interval: 1000 }).toBe(3)
    await page.getByRole('checkbox', { name: 'select all' }).check()
    await page.getByTestId('compare-runs-link').click()
    await expect.poll(() => page.getByTestId('compare-runs').textContent()).toMatch(/^\d+, \d+, \d+$/)
    await page.locator('select[name="measure"]').selectOption('signalAlignment')
    await page.locator('input[name="group-regularization.outputL2"]').check()
    const chart = page.getByTestId('chart')
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0)
    await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true })

    const svgDownload = page.waitForEvent('download')
    await page.getByTestId('export-svg').click()
    const svgPath = join(shots, '..', 'figure.svg')
    await (await svgDownload).saveAs(svgPath)
    const csvDownload = page.waitForEvent('download')
    await page.getByTestId('export-csv').click()
    const csvPath = join(shots, '..', 'figure.csv')
    await (await csvDownload).saveAs(csvPath)

    const svg = readFileSync(svgPath, 'utf8')
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml')
      return { root: doc.documentElement.nodeName, error: doc.getElementsByTagName('parsererror').length, text: doc.documentElement.textContent }
    }, svg)
    expect(parsed).toMatchObject({ root: 'svg', error: 0 })
    for (const label of ['λ=0', 'λ=0.1', 'λ=0.3', 'step (updates)', 'signal alignment cos(e b, e β) (cosine)']) expect(parsed.text).toContain(label)
    const csv = readFileSync(csvPath, 'utf8').trim().split('\n')
    expect(csv[0]).toBe('group,step (updates),"signal alignment cos(e b, e β) mean",lower,upper')
    // the CSV's λ = 0.1 curve is that run's stored series: one run per group, no smoothing
    const runs = (await api('runs:list', { experimentId })).body.result as { id: number; parameters: Record<string, number> }[]
    const lambda01 = runs.find((r) => r.parameters['λ'] === 0.1)!
    const stored = ((await api('metrics:series', { runIds: [lambda01.id], name: 'signalAlignment' })).body.result as { steps: number[]; values: number[] }[])[0]
    const rows = csv.filter((l) => l.startsWith('λ=0.1,')).map((l) => l.split(',').map(Number))
    expect(rows.map((r) => r[1])).toEqual(stored.steps)
    expect(rows.map((r) => r[2])).toEqual(stored.values)
  })

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
    await expect.poll(() => page.getByTestId('samples').textContent()).toMatch(/Ankle boot/)
    await page.screenshot({ path: join(shots, 'datasets-fashion.png'), fullPage: true })
  })

  it('a download with no reachable mirror ends with a message saying to use a folder', async () => {
    await page.getByRole('button', { name: 'Download', exact: true }).click()
    const error = page.getByRole('alert').filter({ hasText: 'Could not download' })
    await error.waitFor({ timeout: 30_000 })
    expect(await error.textContent()).toMatch(/use them as a folder source/)
  })
})
