/**
 * End to end: a conv model in the experiment form (choosing conv, its layer fields, a kernel that
 * does not fit and a model too big for a worker refused in words, the estimate of a valid one),
 * then a small conv run trained through the real lab on the blas path and its run page: the
 * backend and the path it took (blas · im2col), the per-layer conv measures in the alignment
 * charts and the first layer's kernels as images. Screenshots in test-output/screenshots/conv-*.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeLabPage, openLabPage, type LabPage } from './harness'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-conv-'))
let lab: LabPage
let page: Page

async function api(channel: string, argument?: unknown) {
  const token = new URL(lab.url).searchParams.get('token')
  const response = await fetch(`${lab.origin}/api/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ argument }) })
  return ((await response.json()) as { result?: unknown }).result
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  lab = await openLabPage(home, { workers: 1 })
  page = lab.page
}, 120_000)

afterAll(() => closeLabPage(lab))

const small = [
  { kind: 'conv', channels: 4, kernel: 5, stride: 1, padding: 2 },
  { kind: 'maxPool', size: 2 },
  { kind: 'conv', channels: 6, kernel: 5, stride: 1, padding: 0 },
  { kind: 'maxPool', size: 2 },
]

describe('a conv model in the lab (Chromium, browser mode)', () => {
  it('the form: conv with its layer fields, faults named at the field, the estimate of a valid model', async () => {
    await page.goto(lab.url)
    await page.goto(`${lab.origin}/#/experiments/new`)
    await page.locator('select[name="model.kind"]').selectOption('conv')
    const features = page.locator('input[name="model.features"]')
    await features.waitFor()
    // LeNet-5 to start from, with its dense widths
    expect(JSON.parse(await features.inputValue())).toHaveLength(5)
    expect(await page.locator('input[name="model.hidden"]').inputValue()).toMatch(/84/)
    await page.locator('select[name="data.kind"]').selectOption('mnist')
    // mini-batches: a full batch of LeNet's im2col columns over 10,000 digits would itself be gigabytes
    await page.locator('input[name="optimizer.batchSize"]').fill('32')
    await page.locator('input[name="optimizer.batchSize"]').press('Tab')

    await features.fill(JSON.stringify([{ kind: 'conv', channels: 4, kernel: 5 }, { kind: 'maxPool', size: 2 }, { kind: 'conv', channels: 4, kernel: 13 }]))
    await features.press('Tab')
    await expect.poll(() => page.locator('[role="alert"]').allTextContents(), { timeout: 20_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/kernel does not fit the 12.12 map it receives/)]))
    expect(await page.getByTestId('start').isDisabled()).toBe(true)

    // 1,024 maps of 28×28 under a 1,024-unit layer: gigabytes a worker does not have
    await features.fill(JSON.stringify([{ kind: 'conv', channels: 1024, kernel: 5, padding: 2 }, { kind: 'conv', channels: 1024, kernel: 5, padding: 2 }]))
    await features.press('Tab')
    await expect.poll(() => page.locator('[role="alert"]').allTextContents(), { timeout: 20_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/needs about [\d.]+ GB of memory .* more than the .* a training worker has/)]))
    await page.screenshot({ path: join(shots, 'conv-form-memory.png'), fullPage: true })

    await features.fill(JSON.stringify(small))
    await features.press('Tab')
    await expect.poll(() => page.getByTestId('estimate').textContent(), { timeout: 30_000 }).toMatch(/^about \d+(\.\d)? (s|min|h)$/)
    expect(await page.locator('[role="alert"]').count()).toBe(0)
    await page.screenshot({ path: join(shots, 'conv-form.png'), fullPage: true })
  }, 120_000)

  it('the run page: blas · im2col, per-layer conv alignments, the first layer’s kernels as images', async () => {
    const base = {
      seed: 2,
      data: { kind: 'mnist', trainSize: 500, testSize: 200 },
      model: { kind: 'conv', features: small, hidden: [16], outputs: 10, activation: 'tanh', init: 'glorot' },
      rule: 'fa',
      backend: 'blas',
      loss: 'cross-entropy',
      optimizer: { learningRate: 0.05, batchSize: 32, momentum: 0.9 },
      steps: 60,
      evalEvery: 20,
      evalSamples: 64,
    }
    const { runIds } = (await api('experiments:start', { name: 'conv', base, grid: {} })) as { runIds: number[] }
    await expect.poll(async () => ((await api('runs:get', runIds[0])) as { status: string }).status, { timeout: 90_000, interval: 250 }).toBe('completed')
    await page.goto(`${lab.origin}/#/runs/${runIds[0]}`)
    await expect.poll(() => page.getByTestId('run-backend').textContent()).toBe('blas · im2col')
    expect(await page.getByTestId('run-backend').getAttribute('title')).toMatch(/im2col \+ sgemm/)
    // weight alignment of the two conv kernels above the first (cos(W2, B1), cos(W3, B2)) and signal alignment of every hidden layer
    const final = ((await api('runs:get', runIds[0])) as { finalMetrics: Record<string, number> }).finalMetrics
    for (const name of ['weightAlignment.1', 'weightAlignment.2', 'signalAlignment.1', 'signalAlignment.2', 'signalAlignment.3', 'gradientAlignment.1', 'testError']) expect(final, name).toHaveProperty(name)
    await expect.poll(() => page.getByTestId('chart').count()).toBeGreaterThanOrEqual(4)
    // the alignment chart: weight, disentangled and signal alignment of three hidden layers, 4 evaluations each
    const points = await page.getByTestId('chart').evaluateAll((charts) => charts.map((c) => Number(c.getAttribute('data-points'))))
    expect(Math.max(...points)).toBeGreaterThanOrEqual(4 * 6)
    const heading = page.locator('.weights h2')
    await expect.poll(() => heading.textContent()).toBe('First-layer kernels W (4 of 5×5)')
    expect(await page.locator('.weights canvas').count()).toBe(4)
    await page.locator('input[name="weight-change"]').check()
    await expect.poll(() => heading.textContent()).toBe('First-layer kernel change W − W₀ (4 of 5×5)')
    await page.screenshot({ path: join(shots, 'conv-run.png'), fullPage: true })
  }, 150_000)
})
