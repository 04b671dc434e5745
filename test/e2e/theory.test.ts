/**
 * End to end: the Theory panel of a synthetic two-layer FA run in run detail, served in browser
 * mode by the real CLI and drawn by Chromium. The screenshot lands in test-output/screenshots/.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'src-main/cli/fa-lab.mjs')
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-theory-'))
let server: ChildProcess
let url = ''
let browser: Browser

async function api(channel: string, argument?: unknown) {
  const token = new URL(url).searchParams.get('token')
  const response = await fetch(`${new URL(url).origin}/api/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ argument }) })
  return ((await response.json()) as { result?: unknown }).result
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  server = spawn(process.execPath, [cli, 'serve', '--db', join(home, 'lab.sqlite'), '--port', '0', '--workers', '1'], { env: { ...process.env, FA_LAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] })
  url = await new Promise<string>((resolve, reject) => {
    let out = ''
    server.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)
      if (match) resolve(match[1])
    })
    server.once('exit', (code) => reject(new Error(`fa-lab serve exited with ${code}: ${out}`)))
  })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  server?.kill('SIGINT')
  await new Promise((r) => server?.once('exit', r))
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
    await page.goto(`${new URL(url).origin}/#/runs/${runIds[0]}`)
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
