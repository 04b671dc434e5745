/**
 * End to end, names (Chromium, browser mode): a run renamed in the runs table is called by its
 * new name in the comparison's legend; Escape cancels a rename and an empty name is refused in
 * plain words; the run page and the experiments list rename in place too; the form previews the
 * runs of a sweep by the names its template gives them. Screenshot: form-run-names.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunList, RunSummary } from '../../src-shared/contract'
import { closeLabPage, labApi, openLabPage, type LabPage } from './harness'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-names-'))
let lab: LabPage | undefined
let url = ''
let origin = ''
let page: Page
let api: ReturnType<typeof labApi>

const base = { seed: 1, rule: 'fa', steps: 20, evalEvery: 10, data: { kind: 'synthetic', n: 8, inputDim: 3 }, model: { kind: 'two-layer', hidden: 4 }, optimizer: { learningRate: 0.05 } }

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  // no page error is expected anywhere in this file (closeLabPage checks)
  lab = await openLabPage(home, { workers: 1, env: { FA_LAB_MIRRORS: 'http://127.0.0.1:1/' } })
  ;({ url, origin, page } = lab)
  api = labApi(url)
})

afterAll(() => closeLabPage(lab))

describe('names (Chromium, browser mode)', () => {
  it('a run renamed in the runs table is named so in the comparison legend', async () => {
    await api('experiments:start', { name: 'tiny', base, grid: { 'regularization.outputL2': [0, 0.2] } })
    await expect.poll(async () => (await api<RunList>('runs:list', {})).runs.map((r) => r.status).join(), { timeout: 60_000 }).toBe('completed,completed')
    const [first] = (await api<RunList>('runs:list', {})).runs
    expect(first.name).toBe('tiny λ=0')

    await page.goto(url)
    await page.goto(`${origin}/#/runs`)
    const row = page.locator(`tr[data-run="${first.id}"]`)
    await expect.poll(() => row.locator('td.name').textContent()).toContain('tiny λ=0')
    // Escape cancels
    await row.getByRole('button', { name: `Rename run ${first.id}` }).click()
    const input = row.getByRole('textbox', { name: `New name for run ${first.id}` })
    await input.fill('not this')
    await input.press('Escape')
    expect(await row.locator('td.name').textContent()).toContain('tiny λ=0')
    // an empty name is refused, saying why; Enter keeps a good one
    await row.getByRole('button', { name: `Rename run ${first.id}` }).click()
    await input.fill('   ')
    await input.press('Enter')
    expect(await row.getByTestId('rename-issue').textContent()).toBe('A name cannot be empty.')
    await input.fill('strong feedback')
    await input.press('Enter')
    await expect.poll(() => row.locator('td.name').textContent()).toContain('strong feedback')
    expect(await api<RunSummary>('runs:get', first.id)).toMatchObject({ name: 'strong feedback', renamed: true })

    await page.goto(`${origin}/#/compare?runs=${first.id},${first.id + 1}`)
    const figure = page.getByTestId('figure')
    const texts = () => figure.evaluate((el) => (el as unknown as { faLabSnapshot(): { texts: { text: string }[] } | null }).faLabSnapshot()?.texts.map((t) => t.text) ?? [])
    await expect.poll(texts).toContain('strong feedback')
    // the run left with its generated name keeps the label of what differs
    expect(await texts()).toContain('λ = 0.2')
    await page.screenshot({ path: join(shots, 'compare-renamed-run.png') })
  })

  it('renames a run on its page and an experiment in the list, from the keyboard', async () => {
    const [, second] = (await api<RunList>('runs:list', {})).runs
    await page.goto(`${origin}/#/runs/${second.id}`)
    const header = page.getByTestId('run-name')
    await header.getByRole('button', { name: `Rename run ${second.id}` }).focus()
    await page.keyboard.press('Enter')
    await page.keyboard.press('ControlOrMeta+a')
    await page.keyboard.type('weak feedback')
    await page.keyboard.press('Enter')
    await expect.poll(() => header.textContent()).toContain('weak feedback')

    await page.goto(`${origin}/#/experiments`)
    const item = page.locator('[data-experiment="1"]')
    await item.getByRole('button', { name: 'Rename experiment 1' }).click()
    const input = item.getByRole('textbox', { name: 'New name for experiment 1' })
    await input.fill('x'.repeat(201))
    await input.press('Enter')
    expect(await item.getByTestId('rename-issue').textContent()).toBe('A name has at most 200 characters; this one has 201.')
    await input.fill('λ sweep, first try')
    await input.press('Enter')
    await expect.poll(() => item.locator('.name').textContent()).toContain('λ sweep, first try')
    expect((await api<{ id: number; name: string }[]>('experiments:list')).map((e) => e.name)).toEqual(['λ sweep, first try'])
  })

  it('previews the runs of a sweep by the names the template gives them', async () => {
    await page.goto(url)
    await page.goto(`${origin}/#/experiments/new`)
    await page.locator('input[name="experiment-name"]').fill('FA')
    const preview = page.getByTestId('run-preview')
    const names = () => preview.locator('li').allTextContents().then((t) => t.map((s) => s.trim()))
    // the default template: the experiment's name and the swept field's symbol
    await expect.poll(names).toEqual(['FA λ=0', 'FA λ=0.2'])
    const template = page.locator('input[name="name-template"]')
    expect(await template.getAttribute('placeholder')).toBe('FA λ={regularization.outputL2}')
    await template.fill('FA λ={regularization.outputL2} p={model.hiden}')
    await expect.poll(() => page.getByTestId('name-template-issue').textContent()).toBe('the name template names {model.hiden}, which is not a config field: did you mean {model.hidden}?')
    await expect.poll(() => page.getByTestId('start').isDisabled()).toBe(true)
    await template.fill('FA λ={regularization.outputL2} p={model.hidden}')
    await expect.poll(names).toEqual(['FA λ=0 p=200', 'FA λ=0.2 p=200'])
    // main expands it to the same names
    await expect.poll(() => page.getByTestId('start').isDisabled()).toBe(false)
    await template.evaluate((el) => el.scrollIntoView({ block: 'center' }))
    await page.screenshot({ path: join(shots, 'form-run-names.png') })
  })
})
