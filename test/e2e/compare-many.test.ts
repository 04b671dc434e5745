/**
 * Compare past 10,000 runs, end to end at 1,440 × 900 (the audit of issue 25, defects 1 and 4): a
 * lab of 10,050 runs (scripts/bench/big-lab.ts, with ten measures each written through the store)
 * opened from the runs table's select-all, from the experiment's Compare link and from a link of
 * ranges past the lab, each on a whole figure, with a short URL; the side panel shows the split
 * field of a reloaded figure and every measure without scrolling. Screenshot:
 * test-output/screenshots/compare-10050-runs.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fillLab } from '../../scripts/bench/big-lab'
import { openStore } from '../../src-main/store/store'
import { closeLabPage, openLabPage, type LabPage } from './harness'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-e2e-compare-many-'))
const total = 10_050
/** The ten measures a dense run logs, by name: weightAlignment sorts last in the Panels box. */
const measures = ['disentangledAlignment', 'gradientAlignment', 'outputL2', 'signalAlignment', 'testAccuracy', 'testError', 'testLoss', 'trainAccuracy', 'trainLoss', 'weightAlignment']
let lab: LabPage

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const path = join(home, 'lab.sqlite')
  const { runs } = fillLab(path, total)
  const store = openStore(path)
  store.transaction(() => {
    for (const r of runs) store.appendMetrics(r.id, [1, 2].map((k) => ({ step: 1000 * k, metrics: Object.fromEntries(measures.map((m, i) => [m, r.outputL2 + i / 10 + k / 100])), wallTimeMs: k })))
  })
  store.close()
  lab = await openLabPage(home, { workers: 1 })
  await lab.page.goto(lab.url)
}, 300_000)

afterAll(() => closeLabPage(lab))

const caption = () => lab.page.getByTestId('figure-caption').textContent()
const waitForFigure = () => expect.poll(caption, { timeout: 240_000 }).toMatch(/^10,050 runs in \d+ groups/)

describe(`Compare with ${total.toLocaleString('en-US')} runs`, () => {
  it('the runs table selects all and compares them: a whole figure, no error, a URL of a few hundred characters', async () => {
    const { page, origin } = lab
    await page.goto(`${origin}/#/runs`)
    await page.waitForFunction((n) => document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-rows') === String(n), total, { timeout: 180_000 })
    await page.getByLabel(`select all ${total} runs shown`).check()
    await expect.poll(() => page.getByTestId('compare-runs-link').textContent()).toBe(`Compare ${total} selected`)
    await page.getByTestId('compare-runs-link').click()
    await waitForFigure()
    expect(await page.getByTestId('figure-error').count()).toBe(0)
    expect(await page.getByTestId('compare-runs').textContent()).toBe(`10,050 runs (1-${total})`)
    // the spec is in the URL once, its runs as one range (about 100 KB as ids)
    await expect.poll(() => decodeURIComponent(page.url())).toContain(`"runIds":"1-${total}"`)
    expect(page.url().length).toBeLessThan(2_000)
    expect(decodeURIComponent(page.url())).not.toContain('runs=')
    await page.screenshot({ path: join(shots, 'compare-10050-runs.png') })
    // the URL alone brings the figure back
    await page.reload({ timeout: 120_000 })
    await waitForFigure()
  })

  it("the experiment's Compare link and a link of ranges past the lab open on the whole figure too", async () => {
    const { page, origin } = lab
    // from a blank page each time, so the caption is the new figure's, not the last one's
    for (const link of ['experiment=1', 'runs=1..10500']) {
      await page.goto('about:blank')
      await page.goto(`${origin}/#/compare?${link}`, { timeout: 120_000 })
      await waitForFigure()
      expect(await page.getByTestId('compare-runs').textContent()).toBe(`10,050 runs (1-${total})`)
    }
    expect(await page.getByTestId('figure-error').count()).toBe(0)
  })

  it('the side panel: a reloaded figure shows its split field, and the Panels box every measure without scrolling', async () => {
    const { page } = lab
    await page.locator('select[name="splitBy"]').selectOption('model.hidden')
    await expect.poll(() => decodeURIComponent(page.url())).toContain('"splitBy":"model.hidden"')
    await waitForFigure()
    // the select's options come with main's reply, after the spec: a reload showed the split field as blank
    await page.reload({ timeout: 120_000 })
    await waitForFigure()
    expect(await page.locator('select[name="splitBy"]').inputValue()).toBe('model.hidden')
    const box = page.locator('fieldset', { has: page.locator('legend', { hasText: 'Panels' }) })
    await expect.poll(() => box.locator('input[type="checkbox"]').count()).toBe(measures.length)
    const last = page.locator('input[name="measure-weightAlignment"]').locator('..')
    const [boxRect, lastRect, scrolls] = await Promise.all([box.boundingBox(), last.boundingBox(), box.evaluate((el) => el.scrollHeight > el.clientHeight)])
    expect(scrolls).toBe(false)
    expect(lastRect!.y + lastRect!.height).toBeLessThanOrEqual(boxRect!.y + boxRect!.height)
    await page.locator('.controls').screenshot({ path: join(shots, 'compare-side-panel.png') })
  })
})
