/**
 * End to end, a new user's first minutes: the real CLI serves an empty lab in browser mode and
 * Debian's Chromium opens it. The path from the first screen to a comparison in at most three
 * clicks; the width sweep built by picking fields with a log range for p; Enter never starts;
 * a preset over edits asks; a reload keeps the draft; a page without the token explains itself.
 * Screenshots land in test-output/screenshots/.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, serveLab, stopLab } from './harness'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-first-'))
let server: ChildProcess
let url = ''
let origin = ''
let browser: Browser
let page: Page
let clicks = 0

async function runCount(): Promise<number> {
  const token = new URL(url).searchParams.get('token')
  const response = await fetch(`${origin}/api/runs:list`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ argument: {} }) })
  return ((await response.json()) as { result: unknown[] }).result.length
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ server, url, origin } = await serveLab(home, { workers: 1, env: { FA_LAB_MIRRORS: 'http://127.0.0.1:1/' } }))
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  page.on('pageerror', (error) => console.error('page error:', error))
})

afterAll(async () => {
  await browser?.close()
  await stopLab(server)
})

describe("a new user's first minutes (Chromium, browser mode)", () => {
  it('a page without a valid token shows one screen explaining how to open the lab, nothing else', async () => {
    const stranger = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await stranger.goto(`${origin}/#/runs`)
    await stranger.getByTestId('sign-in').waitFor()
    expect(await stranger.getByTestId('sign-in').textContent()).toMatch(/without the lab's access token.*fa-lab serve.*Open http:\/\/127\.0\.0\.1/s)
    expect(await stranger.locator('header nav').count()).toBe(0)
    expect(await stranger.getByText('No runs yet').count()).toBe(0)
    await stranger.screenshot({ path: join(shots, 'sign-in.png'), fullPage: true })
    await stranger.goto(`${origin}/?token=not-the-token`)
    await stranger.getByTestId('sign-in').waitFor()
    expect(await stranger.getByTestId('sign-in').textContent()).toMatch(/not the one this lab accepts/)
    await stranger.close()
  })

  it('from an empty lab: pick a preset card, run it, open its comparison, in at most three clicks', async () => {
    await page.goto(url)
    const card = page.locator('[data-preset-card="smoke"]')
    await card.waitFor()
    await expect.poll(() => card.locator('[data-size="smoke:quick"]').textContent()).toBe('2 runs, a few seconds here')
    expect(await card.textContent()).toMatch(/Source: this lab/)
    await expect.poll(() => page.locator('[data-preset-card="song2021-width"]').textContent()).toMatch(/Song, Xu & Lafferty.*quick\s*\d+ runs.*full/s)
    expect(await page.getByText('None yet: run a preset, or make a new experiment.').count()).toBe(1)
    await page.screenshot({ path: join(shots, 'first-screen.png') })

    await card.locator('[data-run-preset="smoke:quick"]').click()
    clicks++
    await page.getByRole('status').filter({ hasText: 'Started experiment 1 with 2 runs.' }).waitFor()
    const compare = page.locator('[data-experiment="1"] [data-testid="compare-experiment"]')
    await compare.click()
    clicks++
    await expect.poll(() => page.getByTestId('compare-runs').textContent()).toMatch(/^\d+, \d+$/)
    expect(clicks).toBeLessThanOrEqual(3)
  })

  it('builds the width sweep by picking fields, with a log range for p, and lists the runs it expands to', async () => {
    await page.goto(`${origin}/#/experiments`)
    await page.locator('[data-open-preset="smoke:quick"]').click()
    await expect.poll(() => page.locator('input[name="experiment-name"]').inputValue(), { timeout: 10_000 }).toBe('smoke')
    // start the sweep over: remove the preset's axis (rule)
    await page.getByRole('button', { name: 'remove axis 1' }).click()
    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim())).toBe('expands to 1 run')

    await page.getByTestId('add-axis').click()
    const field = page.locator('input[name="grid-path-0"]')
    expect(await page.locator('#sweep-fields option[value="model.hidden"]').textContent()).toBe('Hidden width p (units)')
    await field.fill('model.hidden')
    await field.press('Tab')
    await expect.poll(() => page.locator('[data-axis="0"] .caption').textContent()).toBe('Hidden width p')
    await page.locator('select[name="grid-mode-0"]').selectOption('log')
    await page.locator('input[name="grid-from-0"]').fill('100')
    await page.locator('input[name="grid-to-0"]').fill('1600')
    await page.locator('input[name="grid-count-0"]').fill('3')
    await page.locator('input[name="grid-count-0"]').press('Tab')
    await expect.poll(() => page.locator('[data-axis="0"] .chip').allTextContents()).toEqual(['100', '400', '1600'])

    await page.getByTestId('add-axis').click()
    await page.locator('input[name="grid-path-1"]').fill('regularization.outputL2')
    await page.locator('input[name="grid-values-1"]').fill('0 0.2')
    await page.locator('input[name="grid-values-1"]').press('Tab')
    await expect.poll(() => page.locator('[data-axis="1"] .chip').allTextContents().then((t) => t.map((s) => s.replace('×', '').trim()))).toEqual(['0', '0.2'])

    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim())).toBe('expands to 6 runs')
    expect(await page.getByTestId('run-preview').locator('li').allTextContents()).toEqual(['p=100 λ=0', 'p=100 λ=0.2', 'p=400 λ=0', 'p=400 λ=0.2', 'p=1600 λ=0', 'p=1600 λ=0.2'])
    await expect.poll(() => page.getByTestId('start').isDisabled()).toBe(false)
    expect(await page.getByTestId('start').textContent()).toMatch(/Start 6 runs/)
    expect(await page.getByTestId('estimate').textContent()).toMatch(/^about \d+ (s|min)$/)
    // the Start bar stays in view however long the form is
    const bar = await page.getByTestId('start-bar').boundingBox()
    expect(bar!.y + bar!.height).toBeLessThanOrEqual(900)
    await page.screenshot({ path: join(shots, 'form-sweep.png') })
  })

  it('Enter in a field never starts anything', async () => {
    const before = await runCount()
    await page.locator('input[name="steps"]').focus()
    await page.keyboard.press('Enter')
    await page.locator('input[name="grid-values-1"]').focus()
    await page.keyboard.press('Enter')
    await page.locator('input[name="experiment-name"]').focus()
    await page.keyboard.press('Enter')
    await new Promise((r) => setTimeout(r, 800))
    expect(await runCount()).toBe(before)
    expect(page.url()).toMatch(/#\/experiments\/new$/)
  })

  it('a reload keeps the draft', async () => {
    await page.locator('input[name="experiment-name"]').fill('my width sweep')
    await page.locator('input[name="experiment-name"]').press('Tab')
    await page.reload()
    await expect.poll(() => page.locator('input[name="experiment-name"]').inputValue()).toBe('my width sweep')
    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim())).toBe('expands to 6 runs')
    expect(await page.locator('[data-axis="0"] .chip').allTextContents()).toEqual(['100', '400', '1600'])
  })

  it('loading a preset over edits asks first, and keeps the edits when told no', async () => {
    const asked: string[] = []
    let answer = false
    page.on('dialog', (dialog) => {
      asked.push(dialog.message())
      void (answer ? dialog.accept() : dialog.dismiss())
    })
    await page.locator('select[name="load-preset"]').selectOption('smoke:quick')
    await expect.poll(() => asked.length).toBe(1)
    expect(asked[0]).toMatch(/Replace your edits with the preset “Smoke test/)
    expect(await page.locator('input[name="experiment-name"]').inputValue()).toBe('my width sweep')
    answer = true
    await page.locator('select[name="load-preset"]').selectOption('smoke:quick')
    await expect.poll(() => page.locator('input[name="experiment-name"]').inputValue()).toMatch(/^smoke/)
    expect(asked).toHaveLength(2)
    page.removeAllListeners('dialog')
  })

  it('an invalid value says so in plain words with the field label', async () => {
    await expect.poll(() => page.getByTestId('run-count').textContent().then((t) => t?.trim()), { timeout: 10_000 }).toBe('expands to 2 runs')
    await expect.poll(() => page.getByTestId('start').isDisabled(), { timeout: 10_000 }).toBe(false)
    await page.locator('input[name="optimizer.learningRate"]').fill('0')
    await page.locator('input[name="optimizer.learningRate"]').press('Tab')
    await expect.poll(() => page.locator('[data-field="optimizer.learningRate"]').textContent(), { timeout: 10_000 }).toBe('Learning rate η must be greater than 0')
    expect(await page.getByTestId('start').isDisabled()).toBe(true)
    await page.locator('input[name="optimizer.learningRate"]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'form-error.png') })
  })

  it('an imported folder says so and offers to train on it; the form picks any dataset by name; a bad folder names the fault', async () => {
    await page.goto(`${origin}/#/datasets`)
    await page.locator('select[name="import-kind"]').selectOption('fashion-mnist')
    await page.locator('input[name="import-dir"]').fill(join(home, 'no-such-folder'))
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('no-such-folder')
    await page.locator('input[name="import-dir"]').fill('/usr/share/datasets/fashion-mnist')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => page.getByTestId('imported').textContent(), { timeout: 60_000 }).toMatch(/^\s*Imported fashion-mnist from \/usr\/share\/datasets\/fashion-mnist: 60,000 training and 10,000 test images\./)
    await page.getByRole('link', { name: 'Use it in a new experiment' }).click()
    await expect.poll(() => page.locator('select[name="dataset"] option:checked').textContent()).toBe('fashion-mnist, folder /usr/share/datasets/fashion-mnist (60,000 + 10,000 images)')
    await expect.poll(() => page.locator('select[name="data.kind"]').inputValue()).toBe('fashion-mnist')
    const names = await page.locator('select[name="dataset"] option').allTextContents()
    expect(names).toContain('mnist, bundled sample (10,000 + 10,000 images)')
    await page.locator('select[name="dataset"]').selectOption({ label: 'mnist, bundled sample (10,000 + 10,000 images)' })
    await expect.poll(() => page.locator('select[name="data.kind"]').inputValue()).toBe('mnist')
    await expect.poll(() => page.locator('select[name="data.source.kind"]').inputValue()).toBe('bundled')
  })
})
