/**
 * End to end: the Theory panel of a synthetic two-layer FA run in run detail, served in browser
 * mode by the real CLI and drawn by Chromium. The screenshot lands in test-output/screenshots/.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, serveLab, stopLab } from './harness'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-theory-'))
let server: ChildProcess
let url = ''
let origin = ''
let browser: Browser

async function api(channel: string, argument?: unknown) {
  const token = new URL(url).searchParams.get('token')
  const response = await fetch(`${origin}/api/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ argument }) })
  return ((await response.json()) as { result?: unknown }).result
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ server, url, origin } = await serveLab(home, { workers: 1 }))
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stopLab(server)
})

describe('the Theory panel', () => {
  it('shows the eigenvalues over steps and the spectra of G and H at a chosen step', async () => {
    const base = {
      seed: 1,
      data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer' },
      model: { kind: 'two-layer', hidden: 400, activation: 'relu', outputs: 1 },
      rule: 'fa',
      optimizer: { learningRate: 0.01 },
      regularization: { outputL2: 0.2 },
      steps: 600,
      evalEvery: 50,
    }
    const { runIds } = (await api('experiments:start', { name: 'theory', base, grid: {} })) as { runIds: number[] }
    await expect.poll(async () => ((await api('runs:get', runIds[0])) as { status: string }).status, { timeout: 60_000, interval: 250 }).toBe('completed')

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    await page.goto(url)
    await page.goto(`${origin}/#/runs/${runIds[0]}`)
    const panel = page.getByTestId('theory-panel')
    await panel.waitFor()
    await expect.poll(() => panel.getByTestId('spectrum-chart').count()).toBe(2)
    expect(await page.getByTestId('spectrum-step').textContent()).toBe('600')
    // Three charts over 13 logged steps: λ_min(G) and λ_max(G); λ_min(H), λ_max(H) and λ_min(G + H); the drift (from step 50) and the one-step check.
    await expect.poll(() => panel.getByTestId('chart').evaluateAll((charts) => charts.slice(0, 3).map((c) => c.getAttribute('data-points')))).toEqual(['26', '39', '25'])
    await page.locator('input[name="spectrum-step"]').fill('0')
    expect(await page.getByTestId('spectrum-step').textContent()).toBe('0')
    await page.locator('input[name="spectrum-step"]').fill('12')
    await panel.scrollIntoViewIfNeeded()
    await panel.screenshot({ path: join(shots, 'run-detail-theory.png') })
    await page.close()
  }, 120_000)
})
