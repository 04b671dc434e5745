/**
 * `npx tsx scripts/bench/runs-table.ts [--runs 2200,10000] [--json] [--screenshots]`: the runs
 * table's speed in Chromium against a real lab (`fa-lab serve` on a lab file of that many
 * completed runs, written by scripts/bench/big-lab.ts), at the 1,440 × 900 window the issue was
 * seen in. For each lab size, the median of BENCH_REPS (default 5) of:
 *
 *   first paint  navigation to #/runs until the first row is drawn with every run loaded
 *                ("N of N runs"): the request, main's answer, parsing and the first render;
 *   sort         a click on a header until the next frame after the re-sorted rows are drawn
 *                (training loss, then the name: a numeric and a text sort);
 *   keystroke    one character typed into the filter (`rule=kp λ=0 p>=800`, character by
 *                character) until the next frame; the median and the slowest keystroke.
 *
 * The load average before and after is printed with the figures: on a busy machine they are
 * slower, and say so. `--screenshots` leaves the largest lab's table filtered, sorted and with the
 * column picker open in test-output/screenshots/. Not a test: nothing here asserts a time.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchChromium, serveLab } from '../served-lab'
import { fillLab } from './big-lab'
import { median } from './median'

const root = new URL('../..', import.meta.url).pathname
const argument = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined)
const sizes = (argument('--runs') ?? '2200,10000').split(',').map(Number)
const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 5))
const json = process.argv.includes('--json')
const screenshots = process.argv.includes('--screenshots')
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')
const log = (line: string) => {
  if (!json) console.log(line)
}

/** Milliseconds from `act` (run in the page) to the frame after the DOM change it causes. */
function timedInPage(page: Page, act: string): Promise<number> {
  return page.evaluate(async (body) => {
    const t0 = performance.now()
    new Function(body)()
    // Vue patches the DOM in a microtask; the frame after it is the one that shows the change
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
    return performance.now() - t0
  }, act)
}

async function firstPaint(page: Page, url: string, count: number): Promise<number> {
  const origin = new URL(url).origin
  await page.goto(`${origin}/#/experiments`)
  await page.waitForSelector('h1')
  const t0 = Date.now()
  await page.goto(`${origin}/#/runs`)
  await page.waitForFunction((n) => document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-rows') === String(n) && document.querySelector('tr[data-run]') !== null, count, { polling: 'raf', timeout: 120_000 })
  return Date.now() - t0
}

async function measure(count: number, browserPath: string) {
  const home = mkdtempSync(join(tmpdir(), 'fa-lab-bench-table-'))
  const made = Date.now()
  fillLab(join(home, 'lab.sqlite'), count)
  const fillSeconds = (Date.now() - made) / 1000
  const { server, url } = await serveLab(home, { workers: 1, env: { FA_LAB_NO_BROWSER: '1' } })
  const browser = await launchChromium(browserPath)
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(url)
    const before = load()
    const paints: number[] = []
    // the first load builds the renderer if it is stale and warms the server; it is not counted
    await firstPaint(page, url, count)
    for (let i = 0; i < reps; i++) paints.push(await firstPaint(page, url, count))
    const sorts: number[] = []
    for (let i = 0; i < reps; i++) {
      for (const column of ['measure:trainLoss', 'name']) {
        const selector = column === 'name' ? 'th[data-column="name"] button' : `th[data-column="${column}"] button`
        sorts.push(await timedInPage(page, `document.querySelector('${selector}').click()`))
      }
    }
    const keys: number[] = []
    const typed = 'rule=kp λ=0 p>=800'
    for (let i = 0; i < reps; i++) {
      await page.locator('input[name="run-filter"]').fill('')
      await page.waitForTimeout(50)
      for (let k = 1; k <= typed.length; k++) {
        const text = JSON.stringify(typed.slice(0, k))
        keys.push(await timedInPage(page, `const input = document.querySelector('input[name="run-filter"]'); input.value = ${text}; input.dispatchEvent(new Event('input'))`))
      }
    }
    const shown = await page.getByTestId('runs-count').textContent()
    const rowsInDom = await page.locator('tr[data-run]').count()
    if (screenshots && count === Math.max(...sizes)) {
      const shots = join(root, 'test-output', 'screenshots')
      mkdirSync(shots, { recursive: true })
      await page.locator('input[name="run-filter"]').fill('rule=fa,dfa λ=0.1 p>=400')
      await page.locator('th[data-column="measure:trainLoss"] button').click()
      await page.screenshot({ path: join(shots, `runs-table-${count}-filtered-sorted.png`) })
      await page.getByTestId('column-picker').locator('summary').click()
      await page.locator('input[name="column-search"]').fill('learning')
      await page.locator('input[name="column-field:optimizer.learningRate"]').check()
      await page.locator('input[name="column-search"]').fill('')
      await page.screenshot({ path: join(shots, `runs-table-${count}-column-picker.png`) })
      await page.getByTestId('column-picker').locator('summary').click()
      await page.locator('input[name="run-filter"]').fill('')
      await page.locator('input[name="show-parallel"]').check()
      await page.waitForTimeout(1500)
      await page.screenshot({ path: join(shots, `runs-table-${count}-parallel.png`) })
    }
    return { runs: count, fillSeconds, firstPaintMs: median(paints), sortMs: median(sorts), keystrokeMs: median(keys), slowestKeystrokeMs: Math.max(...keys), rowsInDom, lastFilter: shown, load: { before, after: load() } }
  } finally {
    await browser.close()
    server.kill('SIGINT')
    await new Promise((r) => server.once('exit', r))
    rmSync(home, { recursive: true, force: true })
  }
}

const results = []
for (const count of sizes) {
  log(`runs table at ${count.toLocaleString('en-US')} runs (load ${load()})…`)
  const r = await measure(count, process.env.CHROMIUM ?? '/usr/bin/chromium')
  results.push(r)
  log(`  lab written in ${r.fillSeconds.toFixed(1)} s; first paint ${r.firstPaintMs} ms, sort ${r.sortMs.toFixed(0)} ms, keystroke ${r.keystrokeMs.toFixed(0)} ms (slowest ${r.slowestKeystrokeMs.toFixed(0)} ms); ${r.rowsInDom} rows in the DOM; "rule=kp λ=0 p>=800": ${r.lastFilter}; load ${r.load.before} → ${r.load.after}`)
}
if (json) console.log(JSON.stringify(results, null, 2))
