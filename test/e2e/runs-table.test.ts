/**
 * End to end, the runs table at a few thousand runs (a lab file of 3,200 completed runs written
 * through the store, served by `fa-lab serve`, in Chromium at 1,440 × 900): only the rows in view
 * are in the DOM, the structured filter finds exactly the runs it names, shift-click selects a
 * range, select-all takes the filtered runs, the column picker adds any config field, and a drag
 * along a parallel-coordinates axis filters the table. Speed is the bench's business
 * (scripts/bench/runs-table.ts), not this file's.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fillLab, type BigLabRun } from '../../scripts/bench/big-lab'
import { columnTitle, fieldColumns, runColumns, type ColumnKey } from '../../src-renderer/src/lab/run-table'
import { tableMeasures } from '../../src-shared/measures'
import { closeLabPage, openLabPage, type LabPage } from './harness'

const root = new URL('../..', import.meta.url).pathname
const shots = join(root, 'test-output', 'screenshots')
const home = mkdtempSync(join(tmpdir(), 'fa-lab-e2e-table-'))
const total = 3200
let lab: LabPage
let runs: BigLabRun[]
let experimentId: number

const count = async () => Number(((await lab.page.getByTestId('runs-count').textContent()) ?? '').split(' of ')[0].replace(/,/g, ''))
const filterTo = async (text: string) => {
  await lab.page.locator('input[name="run-filter"]').fill(text)
  await expect.poll(() => lab.page.locator('input[name="run-filter"]').inputValue()).toBe(text)
}
const shownIds = () => lab.page.locator('tr[data-run]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-run'))))

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ runs, experimentId } = fillLab(join(home, 'lab.sqlite'), total))
  lab = await openLabPage(home, { workers: 1 })
  await lab.page.goto(lab.url)
  await lab.page.goto(`${lab.origin}/#/runs`)
  await lab.page.waitForFunction((n) => document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-rows') === String(n), total, { timeout: 90_000 })
}, 180_000)

afterAll(() => closeLabPage(lab))

describe(`the runs table at ${total.toLocaleString('en-US')} runs`, () => {
  it('draws only the rows in view, and the last run when scrolled to the end', async () => {
    const inDom = await lab.page.locator('tr[data-run]').count()
    expect(inDom).toBeGreaterThan(10)
    expect(inDom).toBeLessThan(100)
    await lab.page.getByTestId('runs-scroller').evaluate((el) => (el.scrollTop = el.scrollHeight))
    // newest first: the end of the table is the first run
    const last = Math.min(...runs.map((r) => r.id))
    await expect.poll(async () => (await shownIds()).includes(last)).toBe(true)
    expect(await lab.page.locator('tr[data-run]').count()).toBeLessThan(100)
  })

  it('filters exactly: rule=kp, λ=0 (not 0.01 or 0.1), seed=2, p>=800, tag:paper, free text fa (not dfa)', async () => {
    const expectCount = async (text: string, keep: (r: BigLabRun) => boolean) => {
      await filterTo(text)
      await expect.poll(count, { message: text }).toBe(runs.filter(keep).length)
    }
    await expectCount('rule=kp', (r) => r.rule === 'kp')
    await expectCount('λ=0', (r) => r.outputL2 === 0)
    await expectCount('seed=2', (r) => r.seed === 2)
    await expectCount('p>=800', (r) => r.hidden >= 800)
    await expectCount('tag:paper', (r) => r.tags.includes('paper'))
    await expectCount('fa', (r) => r.rule === 'fa')
    await expectCount('rule=fa,dfa λ=0.1 p>=800 -seed=1', (r) => ['fa', 'dfa'].includes(r.rule) && r.outputL2 === 0.1 && r.hidden >= 800 && r.seed !== 1)
    for (const id of await shownIds()) {
      const run = runs.find((r) => r.id === id)!
      expect(['fa', 'dfa']).toContain(run.rule)
      expect(run.outputL2).toBe(0.1)
    }
    await filterTo('colour=red')
    await expect.poll(() => lab.page.getByTestId('filter-errors').textContent()).toMatch(/“colour” in “colour=red” is not a field/)
  })

  it('shift-click selects the range between two clicks; select all takes every filtered run', async () => {
    await filterTo('rule=sign')
    await expect.poll(count).toBe(runs.filter((r) => r.rule === 'sign').length)
    const ids = await shownIds()
    await lab.page.getByRole('checkbox', { name: `select run ${ids[2]}`, exact: true }).click()
    await lab.page.getByRole('checkbox', { name: `select run ${ids[9]}`, exact: true }).click({ modifiers: ['Shift'] })
    await expect.poll(() => lab.page.getByTestId('delete-runs').textContent()).toBe('Delete 8 selected')
    for (const id of ids.slice(2, 10)) expect(await lab.page.getByRole('checkbox', { name: `select run ${id}`, exact: true }).isChecked()).toBe(true)
    expect(await lab.page.getByRole('checkbox', { name: `select run ${ids[1]}`, exact: true }).isChecked()).toBe(false)
    await lab.page.getByTestId('clear-selection').click()
    await lab.page.getByRole('checkbox', { name: /^select all/ }).check()
    await expect.poll(() => lab.page.getByTestId('delete-runs').textContent()).toBe(`Delete ${runs.filter((r) => r.rule === 'sign').length} selected`)
    await lab.page.getByTestId('clear-selection').click()
  })

  it('sorts with an arrow on the sorted column; the picker adds any config field as a column', async () => {
    await filterTo('p=1600 λ=1')
    const header = lab.page.locator('th[data-column="measure:trainLoss"]')
    await header.locator('button').click()
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('descending')
    expect(await header.evaluate((el) => getComputedStyle(el, '::after').content)).toBe('" ▼"')
    await lab.page.getByTestId('column-picker').locator('summary').click()
    await lab.page.locator('input[name="column-search"]').fill('momentum')
    await lab.page.locator('input[name="column-field:optimizer.momentum"]').check()
    await expect.poll(() => lab.page.locator('th[data-column="field:optimizer.momentum"]').textContent()).toBe('μ')
    await lab.page.locator('input[name="column-search"]').fill('')
    await lab.page.locator('input[name="column-experiment"]').check()
    await expect.poll(() => lab.page.locator(`tr[data-run] td a[href$="experiment=${experimentId}"]`).count()).toBeGreaterThan(0)
    await lab.page.screenshot({ path: join(shots, 'runs-table-picker.png') })
    await lab.page.getByTestId('column-picker').locator('summary').click()
  })

  it('a drag along a parallel-coordinates axis filters the table to the runs through it', async () => {
    await filterTo('rule=fa λ=0')
    const filtered = runs.filter((r) => r.rule === 'fa' && r.outputL2 === 0)
    await expect.poll(count).toBe(filtered.length)
    await lab.page.locator('input[name="show-parallel"]').check()
    const chart = lab.page.getByTestId('parallel')
    await chart.waitFor()
    await lab.page.waitForTimeout(300)
    // the axes are Seed, p and the measure (rule and λ are one value here), spread evenly between the margins
    const box = (await chart.boundingBox())!
    const left = box.x + 48
    const right = box.x + box.width - 96
    const pAxis = left + (right - left) / 2
    await lab.page.mouse.move(pAxis, box.y + 40)
    await lab.page.mouse.down()
    await lab.page.mouse.move(pAxis, box.y + 90, { steps: 5 })
    await lab.page.mouse.move(pAxis, box.y + 130, { steps: 5 })
    await lab.page.mouse.up()
    // the top of the p axis: the widest runs only, fewer than before and more than none
    await expect.poll(count).toBeLessThan(filtered.length)
    const kept = await count()
    expect(kept).toBeGreaterThan(0)
    expect([1600, 800, 400].map((p) => filtered.filter((r) => r.hidden >= p).length)).toContain(kept)
    const widths = new Set((await shownIds()).map((id) => runs.find((r) => r.id === id)!.hidden))
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(400)
    await lab.page.screenshot({ path: join(shots, 'runs-table-brushed.png') })
    // a new filter redraws the axes over other runs: the brush goes, and the view says so (it went silently)
    expect(await lab.page.getByTestId('brush-cleared').count()).toBe(0)
    await filterTo('rule=fa λ=0.1')
    await expect.poll(count).toBe(runs.filter((r) => r.rule === 'fa' && r.outputL2 === 0.1).length)
    await expect.poll(() => lab.page.getByTestId('brush-cleared').textContent()).toContain('the brush was cleared')
  })

  it(`at ${total.toLocaleString('en-US')} runs the parallel axes' labels read above the lines`, async () => {
    await filterTo('')
    await expect.poll(count).toBe(total)
    await lab.page.getByTestId('parallel').waitFor()
    await lab.page.waitForTimeout(1500)
    await lab.page.getByTestId('parallel').screenshot({ path: join(shots, 'runs-table-parallel-all.png') })
    await lab.page.locator('input[name="show-parallel"]').uncheck()
  })

  it("a run's page links to its experiment's runs", async () => {
    await lab.page.goto(`${lab.origin}/#/runs/${runs[5].id}`)
    await lab.page.getByTestId('run-experiment').click()
    await expect.poll(() => lab.page.url()).toMatch(new RegExp(`#/runs\\?experiment=${experimentId}`))
    await expect.poll(count, { timeout: 60_000 }).toBe(total)
  })

  it('a header aligns as its column’s cells: numbers (Duration, the measures) right, text left', async () => {
    await lab.page.goto(`${lab.origin}/#/runs`)
    await expect.poll(count, { timeout: 60_000 }).toBe(total)
    const alignments = await lab.page.evaluate(() => {
      const headers = Array.from(document.querySelectorAll('thead tr th'))
      const cells = Array.from(document.querySelector('tr[data-run]')!.querySelectorAll('td'))
      return headers.map((th, i) => ({ column: th.getAttribute('data-column'), header: getComputedStyle(th).textAlign, cell: getComputedStyle(cells[i]).textAlign }))
    })
    // Duration's name sat at its column's left over right-aligned numbers
    expect(alignments.find((a) => a.column === 'duration')).toEqual({ column: 'duration', header: 'right', cell: 'right' })
    expect(alignments.find((a) => a.column === 'measure:trainLoss')).toEqual({ column: 'measure:trainLoss', header: 'right', cell: 'right' })
    expect(alignments.filter((a) => a.column && a.header !== a.cell)).toEqual([])
  })

  it('every header shows its whole name at 1,440 × 900: the default columns and every column the picker offers', async () => {
    /** Each header's column, the text it shows, and whether its cell clips any of it. */
    const headers = () =>
      lab.page.locator('thead th[data-column]').evaluateAll((cells) =>
        cells.map((th) => ({ column: th.getAttribute('data-column')!, text: th.querySelector('button')!.textContent!, clipped: th.scrollWidth > th.clientWidth + 1 || th.scrollHeight > th.clientHeight + 1 })),
      )
    const unclipped = (list: { column: string; text: string; clipped: boolean }[]) => list.filter((h) => h.clipped || h.text !== columnTitle(h.column as ColumnKey))
    await lab.page.goto(`${lab.origin}/#/runs`)
    await expect.poll(count, { timeout: 60_000 }).toBe(total)
    const shown = await headers()
    // "Learning rule" was cut to "Learning rul…" by its fixed width
    expect(shown.map((h) => h.text)).toContain('Learning rule')
    expect(unclipped(shown)).toEqual([])
    await lab.page.screenshot({ path: join(shots, 'runs-table-headers.png') })
    const every: ColumnKey[] = [...runColumns, ...fieldColumns(), ...tableMeasures().map((m) => `measure:${m}` as ColumnKey)]
    await lab.page.goto(`${lab.origin}/#/experiments`)
    await lab.page.goto(`${lab.origin}/#/runs?cols=${encodeURIComponent(every.join(','))}`)
    await expect.poll(async () => (await headers()).length, { timeout: 60_000 }).toBe(every.length + 3)
    expect(unclipped(await headers())).toEqual([])
  })
})
