import { describe, expect, it } from 'vitest'
import type { RunSummary } from '../../src-shared/contract'
import { requestChannels, requestSchemas, eventChannels } from '../../src-shared/contract'
import { chartGroups, seriesChartOption } from '../../src-renderer/src/charts/series-chart'
import { blankConfig, chooseAlternative, describeFields, fieldAt, runFields, setPath } from '../../src-shared/fields'
import { formatFieldValue, parseFieldInput, visibleFields } from '../../src-renderer/src/lab/form'
import { gridToRows, parseGridValues, rowsToGrid } from '../../src-renderer/src/lab/grid'
import { filterRuns, sortRuns } from '../../src-renderer/src/lab/run-table'

describe('chart option builders', () => {
  it('seriesChartOption: one line per series, axis names, log scale drops non-positive points', () => {
    const option = seriesChartOption({ title: 'Loss', xName: 'step', yName: 'loss', yLog: true, series: [{ name: 'trainLoss', points: [[0, 1], [10, 0], [20, 0.1]] }, { name: 'testLoss', points: [[0, 2]] }] }) as Record<string, any>
    expect(option.series.map((s: { name: string }) => s.name)).toEqual(['trainLoss', 'testLoss'])
    expect(option.series[0].data).toEqual([[0, 1], [20, 0.1]])
    expect(option.yAxis).toMatchObject({ type: 'log', name: 'loss' })
    expect(option.xAxis).toMatchObject({ type: 'value', name: 'step' })
    expect(option.legend.data).toEqual(['trainLoss', 'testLoss'])
    expect(option.title.text).toBe('Loss')
  })

  it('chartGroups sorts measures into loss, accuracy, alignment and norm charts', () => {
    const groups = chartGroups(['trainLoss', 'testAccuracy', 'weightAlignment.1', 'signalAlignment.1', 'gradientAlignment.2', 'norm.W1'])
    expect(groups.map((g) => [g.title, g.names])).toEqual([
      ['Loss', ['trainLoss']],
      ['Accuracy', ['testAccuracy']],
      ['Weight and signal alignment', ['weightAlignment.1', 'signalAlignment.1']],
      ['Gradient alignment', ['gradientAlignment.2']],
      ['Norms', ['norm.W1']],
    ])
  })
})

describe('form and grid helpers', () => {
  it('parses and formats field input', () => {
    const steps = fieldAt('steps')!
    expect(parseFieldInput(steps, ' 300 ')).toBe(300)
    expect(parseFieldInput(steps, '')).toBeUndefined()
    expect(parseFieldInput(steps, 'abc')).toBe('abc') // left for the schema to refuse by name
    const widths = runFields.find((f) => f.kind === 'integer-list')!
    expect(parseFieldInput(widths, '100, 50 25')).toEqual([100, 50, 25])
    expect(parseFieldInput(fieldAt('regularization.outputL2')!, '{"kind": "exp", "initial": 0.2, "rate": 0.001}')).toEqual({ kind: 'exp', initial: 0.2, rate: 0.001 })
    expect(formatFieldValue([3, 8])).toBe('3, 8')
    const config: Record<string, unknown> = {}
    setPath(config, 'optimizer.learningRate', 0.1)
    setPath(config, 'seed', 4)
    setPath(config, 'seed', undefined)
    expect(config).toEqual({ optimizer: { learningRate: 0.1 } })
  })

  it('the form offers every field of the run schema, under the conditions the schema states for it', () => {
    const config = blankConfig()
    for (const field of runFields) {
      // meet the field's conditions: its alternative chosen (data.kind, model.kind), its shownWhen values set
      const shown = structuredClone(config)
      for (const condition of field.when) {
        const selector = fieldAt(condition.path)!
        if (selector.alternatives) chooseAlternative(shown, selector, String(condition.is[0]))
        else setPath(shown, condition.path, condition.is[0])
      }
      expect(visibleFields(runFields, shown, { advanced: true }), field.path).toContain(field)
    }
    // the basic view hides advanced fields unless they hold a value or an issue
    const basic = visibleFields(runFields, config, { advanced: false }).map((f) => f.path)
    expect(basic).not.toContain('backend')
    expect(visibleFields(runFields, { ...config, backend: 'cpu' }, { advanced: false }).map((f) => f.path)).toContain('backend')
    expect(visibleFields(runFields, config, { advanced: false, issues: { evalSamples: 'too big' } }).map((f) => f.path)).toContain('evalSamples')
    expect(describeFields().length).toBe(runFields.length)
  })

  it('grid rows round-trip, with comma lists and JSON lists', () => {
    expect(parseGridValues('0, 0.1, 0.3')).toEqual([0, 0.1, 0.3])
    expect(parseGridValues('fa, "bp"')).toEqual(['fa', 'bp'])
    expect(parseGridValues('[[100], [50, 50]]')).toEqual([[100], [50, 50]])
    const grid = { rule: ['fa', 'bp'], 'model.hidden': [[100], [50, 50]] }
    expect(rowsToGrid(gridToRows(grid))).toEqual(grid)
  })
})

describe('runs table', () => {
  const make = (id: number, rule: string, loss: number, tags: string[] = []): RunSummary =>
    ({ id, rule, status: 'completed', name: `r${id}`, backend: 'blas', note: '', tags, parameters: { λ: id / 10 }, finalMetrics: { trainLoss: loss } }) as unknown as RunSummary
  const runs = [make(1, 'fa', 0.3, ['paper']), make(2, 'bp', 0.1), make(3, 'fa', 0.2)]

  it('filters on every word and sorts by metric or parameter', () => {
    expect(filterRuns(runs, 'fa paper').map((r) => r.id)).toEqual([1])
    expect(filterRuns(runs, 'λ=0.2').map((r) => r.id)).toEqual([2])
    expect(sortRuns(runs, 'metric:trainLoss', false).map((r) => r.id)).toEqual([2, 3, 1])
    expect(sortRuns(runs, 'param:λ', true).map((r) => r.id)).toEqual([3, 2, 1])
  })
})

describe('contract tables', () => {
  it('every request has a channel and an argument schema, channels are domain:action and unique', () => {
    expect(Object.keys(requestSchemas).sort()).toEqual(Object.keys(requestChannels).sort())
    const all = [...Object.values(requestChannels), ...Object.values(eventChannels)]
    for (const channel of all) expect(channel).toMatch(/^[a-z]+:[a-z-]+$/)
    expect(new Set(all).size).toBe(all.length)
  })
})
