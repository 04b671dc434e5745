/**
 * The runs table's pure parts, on real configs (the run schema's defaults filled in): the
 * structured filter, sorting, shift-click selection, the scrolling window and parallel brushing.
 */
import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import { runFields } from '../../src-shared/fields'
import type { RunSummary } from '../../src-shared/contract'
import { brushedRunIds, parallelAxes, parallelLineOpacity, parallelOption } from '../../src-renderer/src/charts/parallel-chart'
import { filterKeys, filterRuns, parseRunFilter, runAttributes } from '../../src-renderer/src/lab/run-filter'
import { cellText, clickSelection, columnDescription, columnTitle, defaultColumns, fieldColumns, pickerColumns, sortRuns, visibleRange } from '../../src-renderer/src/lab/run-table'

function run(id: number, rule: string, outputL2: number, hidden: number, seed: number, extra: Partial<RunSummary> = {}): RunSummary {
  const config = parseRunConfig({ name: `${rule}-λ${outputL2}-p${hidden}-seed${seed}`, seed, rule, data: { kind: 'synthetic', n: 50, inputDim: 10 }, model: { kind: 'two-layer', hidden }, optimizer: { learningRate: 0.01 }, regularization: { outputL2 }, steps: 100 })
  return {
    id, experimentId: 1, name: config.name!, status: 'completed', rule, seed, backend: 'blas', trainingPath: null, stepsDone: 100, totalSteps: 100, activity: null, durationMs: 1500 * id, startedAt: null, error: null,
    finalMetrics: { testAccuracy: 0.5 + id / 100, trainLoss: 1 / id }, stopReason: null, config, tags: [], note: '', renamed: false, ...extra,
  }
}
const runs = [
  run(1, 'fa', 0, 100, 1, { tags: ['paper'] }),
  run(2, 'dfa', 0.1, 800, 2),
  run(3, 'kp', 0, 1600, 2, { status: 'failed', note: 'diverged early' }),
  run(4, 'fa', 0.1, 800, 12),
  run(5, 'bp', 0.01, 400, 2, { tags: ['paper', 'baseline'] }),
]
const ids = (text: string) => filterRuns(runs, parseRunFilter(text, ['testAccuracy', 'trainLoss'])).map((r) => r.id)

describe('the runs filter', () => {
  it('field = value is exact: λ=0 is not 0.1 or 0.01, rule=fa is not dfa, seed=2 is not 12', () => {
    expect(ids('λ=0')).toEqual([1, 3])
    expect(ids('rule=fa')).toEqual([1, 4])
    expect(ids('rule=kp')).toEqual([3])
    expect(ids('seed=2')).toEqual([2, 3, 5])
    expect(ids('λ=0.10')).toEqual([2, 4])
  })
  it('reads fields by symbol, path, last key or label, and compares numbers', () => {
    expect(ids('p>=800')).toEqual([2, 3, 4])
    expect(ids('model.hidden<800')).toEqual([1, 5])
    expect(ids('hidden=1600')).toEqual([3])
    expect(ids('outputL2>0')).toEqual([2, 4, 5])
    expect(ids('"learning rate"=0.01')).toEqual([1, 2, 3, 4, 5])
    expect(ids('η!=0.01')).toEqual([])
  })
  it('tags, statuses, measures, lists, negation and free text', () => {
    expect(ids('tag:paper')).toEqual([1, 5])
    expect(ids('tag:pap')).toEqual([])
    expect(ids('status!=completed')).toEqual([3])
    expect(ids('-status=failed rule=fa,kp')).toEqual([1, 4])
    expect(ids('testAccuracy>0.53')).toEqual([4, 5])
    // free text matches the start of a word of the name, and a rule or status whole: fa finds fa runs, not dfa or failed
    expect(ids('fa')).toEqual([1, 4])
    expect(ids('failed')).toEqual([3])
    expect(ids('early')).toEqual([3])
    expect(ids('diverged')).toEqual([3])
    expect(ids('fa seed12')).toEqual([4])
    expect(ids('-paper')).toEqual([2, 3, 4])
  })
  it('`steps` is the steps done and `experiment` the experiment; run columns win over config fields', () => {
    expect(ids('steps=100 experiment=1')).toEqual([1, 2, 3, 4, 5])
    expect(ids('experiment=2')).toEqual([])
  })
  it('says in plain words what it cannot read, and applies the rest', () => {
    const parsed = parseRunFilter('rule=kp colour=red kind=mnist p>=many lr=')
    expect(parsed.terms.map((t) => t.text)).toEqual(['rule=kp'])
    expect(parsed.errors).toEqual([
      expect.stringMatching(/^“colour” in “colour=red” is not a field/),
      '“kind” could be data.kind or model.kind: write the path',
      '“p>=many”: >= compares with one number',
      expect.stringMatching(/^“lr” in “lr=” is not a field/),
    ])
    expect(parseRunFilter('data.kind=synthetic').errors).toEqual([])
  })
  it('says so when a field with options is given a value none of them is (rule=xyz matched nothing, silently)', () => {
    const rules = runFields.find((f) => f.path === 'rule')!.options!
    expect(rules).toContain('kp')
    const xyz = parseRunFilter('rule=xyz')
    expect(xyz.errors).toEqual([`no rule “xyz”: rules are ${rules.join(', ')}`])
    expect(xyz.terms).toEqual([])
    // a comma list keeps the values that exist, and names the others
    const some = parseRunFilter('rule=fa,xyz,DFA')
    expect(some.errors).toEqual([`no rule “xyz”: rules are ${rules.join(', ')}`])
    expect(filterRuns(runs, some).map((r) => r.id)).toEqual([1, 2, 4])
    expect(parseRunFilter('data.kind=cifar').errors).toEqual([expect.stringMatching(/^no data\.kind “cifar”: data\.kind is one of .*synthetic/)])
    expect(parseRunFilter('-rule=fa rule!=kp data.kind=synthetic').errors).toEqual([])
    // numbers and free text have no list to check against
    expect(parseRunFilter('λ=7 xyz').errors).toEqual([])
  })
  it("works out a run's words for free text once, not again with every keystroke", () => {
    // a run whose name counts its reads: typing f, fa, fa s… over the same list reads it once
    let reads = 0
    const counted = run(6, 'fa', 0, 100, 3)
    const name = counted.name
    Object.defineProperty(counted, 'name', { get: () => (reads++, name), enumerable: true })
    const list = [...runs, counted]
    for (const typed of ['f', 'fa', 'fa s', 'fa seed', 'fa seed3']) filterRuns(list, parseRunFilter(typed))
    expect(filterRuns(list, parseRunFilter('fa seed3')).map((r) => r.id)).toEqual([6])
    expect(reads).toBe(1)
  })
  it('knows every config field by its path, from the schema (one definition)', () => {
    const keys = filterKeys()
    // a run's own column of the same name wins: `name` is the run's (renamed) name, `steps` the steps done, `backend` the one it ran on
    const paths = [...new Set(runFields.map((f) => f.path))]
    for (const path of paths) expect(keys.get(path.toLowerCase())?.column).toBe(path in runAttributes ? path : `field:${path}`)
    expect(Object.keys(runAttributes).filter((a) => paths.includes(a))).toEqual(['name', 'backend', 'steps'])
  })
})

describe('sorting, columns and selection', () => {
  it('the column picker offers each column once: no two entries with one title, a config field a run column stands for left to it', () => {
    const offered = pickerColumns(['testAccuracy', 'trainLoss']).flatMap((g) => g.keys)
    expect(new Set(offered).size).toBe(offered.length)
    const titles = offered.map((k) => columnTitle(k))
    // 'Steps' was offered as `steps` and `field:steps`, and 'Backend' twice the same way
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([])
    expect(offered).toContain('steps')
    expect(offered).not.toContain('field:steps')
    expect(offered).toContain('field:optimizer.momentum')
    expect(new Set(offered.map((k) => columnDescription(k))).size).toBe(offered.length)
    expect(fieldColumns().length).toBe(new Set(runFields.map((f) => f.path)).size - 3)
  })
  it('sorts by any column, missing values last, ties by id', () => {
    expect(sortRuns(runs, 'field:model.hidden', false).map((r) => r.id)).toEqual([1, 5, 2, 4, 3])
    expect(sortRuns(runs, 'measure:trainLoss', true).map((r) => r.id)).toEqual([1, 2, 3, 4, 5])
    expect(sortRuns(runs, 'field:rule', false).map((r) => r.id)).toEqual([5, 2, 1, 4, 3])
    const partial = [...runs, { ...runs[0], id: 6, finalMetrics: null }]
    expect(sortRuns(partial, 'measure:testAccuracy', true).map((r) => r.id)).toEqual([5, 4, 3, 2, 1, 6])
    expect(sortRuns(partial, 'measure:testAccuracy', false).map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6])
  })
  it('default columns: rule, seed, the column fields that differ, the table measures; cells as text', () => {
    const columns = defaultColumns(runs)
    expect(columns.slice(0, 2)).toEqual(['field:rule', 'field:seed'])
    expect(columns).toContain('field:model.hidden')
    expect(columns).toContain('field:regularization.outputL2')
    expect(columns).not.toContain('field:optimizer.learningRate')
    expect(columnTitle('field:regularization.outputL2')).toBe('λ')
    expect(cellText(runs[1], 'duration')).toBe('3 s')
    expect(cellText(runs[1], 'steps')).toBe('100 / 100')
  })
  it('shift-click sets the range from the anchor to the clicked run, in the shown order', () => {
    const shown = sortRuns(runs, 'field:model.hidden', false) // 1 5 2 4 3
    let selected = clickSelection(new Set(), shown, 5, null, false)
    expect([...selected]).toEqual([5])
    selected = clickSelection(selected, shown, 3, 5, true)
    expect([...selected].sort()).toEqual([2, 3, 4, 5])
    // shift-clicking a selected run clears the range back to the anchor
    selected = clickSelection(selected, shown, 2, 3, true)
    expect([...selected].sort()).toEqual([5])
    // a plain click toggles one
    expect([...clickSelection(new Set([1, 2]), shown, 2, 1, false)]).toEqual([1])
  })
  it('draws only the rows in view plus an overscan', () => {
    expect(visibleRange(0, 520, 26, 10_000, 10)).toEqual({ start: 0, end: 30 })
    expect(visibleRange(26 * 5000, 520, 26, 10_000, 10)).toEqual({ start: 4990, end: 5030 })
    expect(visibleRange(26 * 9999, 520, 26, 10_000, 10)).toEqual({ start: 9989, end: 10_000 })
    expect(visibleRange(0, 520, 26, 3, 10)).toEqual({ start: 0, end: 3 })
  })
})

describe('parallel coordinates brush the table', () => {
  const axes = parallelAxes(runs, 'testAccuracy')
  it('an axis per column field that differs and one for the measure, each line named by its run id', () => {
    expect(axes.map((a) => a.name)).toEqual(['Learning rule', 'Seed', 'p', 'λ', 'test accuracy'])
    const option = parallelOption(runs, axes) as { series: { data: { name: string; value: unknown[] }[] }[] }
    expect(option.series[0].data[1]).toEqual({ name: '2', value: ['dfa', 2, 800, 0.1, 0.52] })
  })
  it('keeps the runs inside every brushed axis (values, and category indices)', () => {
    const dim = (name: string) => axes.findIndex((a) => a.name === name)
    const intervals: [number, number][][] = []
    expect(brushedRunIds(runs, axes, intervals)).toBeNull()
    intervals[dim('p')] = [[700, 2000]]
    expect([...brushedRunIds(runs, axes, intervals)!]).toEqual([2, 3, 4])
    // categories sorted bp, dfa, fa, kp: an interval over indices 1.6..2.4 is fa alone
    intervals[dim('Learning rule')] = [[1.6, 2.4]]
    expect([...brushedRunIds(runs, axes, intervals)!]).toEqual([4])
    intervals[dim('p')] = [[0, 150], [700, 900]]
    expect([...brushedRunIds(runs, axes, intervals)!]).toEqual([1, 4])
  })
  it("draws its axes' labels above the lines, on a halo, and thins the lines as they grow in number", () => {
    // at 2,200 runs the labels of Learning rule, Seed and λ drew under 2,200 lines at 0.25 each
    const option = parallelOption(runs, axes) as { parallelAxis: { zlevel: number; axisLabel: { textBorderColor: string; textBorderWidth: number }; nameTextStyle: { textBorderColor: string } }[]; series: { zlevel: number; lineStyle: { opacity: number } }[] }
    for (const axis of option.parallelAxis) {
      expect(axis.zlevel).toBeGreaterThan(option.series[0].zlevel)
      expect(axis.axisLabel).toMatchObject({ textBorderColor: '#fff', textBorderWidth: 3 })
      expect(axis.nameTextStyle.textBorderColor).toBe('#fff')
    }
    expect(option.series[0].lineStyle.opacity).toBe(0.7)
    expect(parallelLineOpacity(5)).toBe(0.7)
    expect(parallelLineOpacity(400)).toBeCloseTo(0.07)
    expect(parallelLineOpacity(2200)).toBeCloseTo(0.0127, 3)
    expect(parallelLineOpacity(10_000)).toBe(0.01)
    // fewer lines are never fainter
    for (let n = 1; n < 3000; n += 37) expect(parallelLineOpacity(n + 37)).toBeLessThanOrEqual(parallelLineOpacity(n))
  })
})
