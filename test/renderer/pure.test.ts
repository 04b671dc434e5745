import { describe, expect, it } from 'vitest'
import { requestChannels, requestSchemas, eventChannels } from '../../src-shared/contract'
import { figureScaleNote, figureScreenScale, pixelsPerPoint } from '../../src-renderer/src/charts/figure-scale'
import { chartGroups, coincidingMeasures, seriesChartHeight, seriesChartOption } from '../../src-renderer/src/charts/series-chart'
import { blankConfig, chooseAlternative, describeFields, fieldAt, runFields, setPath } from '../../src-shared/fields'
import { formatFieldValue, parseFieldInput, plainMessage, visibleFields } from '../../src-renderer/src/lab/form'
import { gridToRows, parseGridValues, previewExperiment, rangeValues, rowsToGrid } from '../../src-renderer/src/lab/grid'

describe('chart option builders', () => {
  it('seriesChartHeight: the plot keeps its height however many rows the legend wraps to (a conv run has nine alignments)', () => {
    const names = [1, 2, 3, 4].flatMap((l) => [`weight alignment, layer ${l} cos(W${l + 1}, B${l})`, `signal alignment, layer ${l} cos(δ${l} rule, δ${l} bp)`]).concat('disentangled alignment')
    const plotOf = (series: string[]) => {
      const spec = { title: 'Weight and signal alignment', xName: 'step', yName: 'cosine', series: series.map((name) => ({ name, points: [[0, 0.1]] as [number, number][] })) }
      const { grid } = seriesChartOption(spec) as { grid: { top: number; bottom: number } }
      return { height: seriesChartHeight(spec), plot: seriesChartHeight(spec) - grid.top - grid.bottom, top: grid.top }
    }
    const one = plotOf(names.slice(0, 1))
    const nine = plotOf(names)
    expect(one.height).toBe(260)
    expect(nine.top).toBeGreaterThan(one.top + 60)
    expect(nine.plot).toBe(one.plot)
    expect(nine.plot).toBeGreaterThan(150)
  })

  it('seriesChartOption: one line per series, axis names, log scale drops non-positive points', () => {
    const option = seriesChartOption({ title: 'Loss', xName: 'step', yName: 'loss', yLog: true, series: [{ name: 'trainLoss', points: [[0, 1], [10, 0], [20, 0.1]] }, { name: 'testLoss', points: [[0, 2]] }] }) as Record<string, any>
    // name order, so colours do not change when a live run's measures arrive in another order
    expect(option.series.map((s: { name: string }) => s.name)).toEqual(['testLoss', 'trainLoss'])
    expect(option.series[1].data).toEqual([[0, 1], [20, 0.1]])
    expect(option.yAxis).toMatchObject({ type: 'log', name: 'loss' })
    expect(option.xAxis).toMatchObject({ type: 'value', name: 'step' })
    expect(option.legend.data).toEqual(['testLoss', 'trainLoss'])
    const reversed = seriesChartOption({ title: 'Loss', xName: 'step', yName: 'loss', series: [{ name: 'testLoss', points: [] }, { name: 'trainLoss', points: [] }] }) as Record<string, any>
    expect(reversed.series.map((s: { color: string }) => s.color)).toEqual(option.series.map((s: { color: string }) => s.color))
    expect(option.title.text).toBe('Loss')
  })

  it('a long legend wraps under the title and the plot starts below it', () => {
    const names = Array.from({ length: 12 }, (_, i) => `gradientAlignment.${i + 1}`)
    const one = seriesChartOption({ title: 'G', xName: 'step', yName: 'cosine', series: names.slice(0, 1).map((name) => ({ name, points: [] })), width: 480 }) as Record<string, any>
    const many = seriesChartOption({ title: 'G', xName: 'step', yName: 'cosine', series: names.map((name) => ({ name, points: [] })), width: 480 }) as Record<string, any>
    expect(many.legend.type).toBe('plain')
    expect(many.grid.top).toBeGreaterThan(one.grid.top + 40)
  })

  it('notes measures equal by construction: one output makes signal alignment weight alignment', () => {
    const names = ['weightAlignment', 'signalAlignment']
    expect(coincidingMeasures({ model: { kind: 'two-layer', hidden: 10, outputs: 1 } }, names)).toHaveLength(1)
    expect(coincidingMeasures({ model: { kind: 'two-layer', hidden: 10, outputs: 10 } }, names)).toEqual([])
  })

  it('chartGroups sorts measures into loss, accuracy, alignment and norm charts, alignment axes fitted to the data', () => {
    expect(chartGroups(['weightAlignment'])[0]).not.toHaveProperty('yMin')
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
    expect(parseGridValues('100 400')).toEqual([100, 400])
  })

  it('ranges: linear and log with a count, whole numbers for integer fields; the runs listed in order', () => {
    expect(rangeValues({ from: 100, to: 1600, count: 3, scale: 'log' }, true)).toEqual([100, 400, 1600])
    expect(rangeValues({ from: 0, to: 0.3, count: 4, scale: 'linear' })).toEqual([0, 0.1, 0.2, 0.3])
    expect(rangeValues({ from: 0, to: 10, count: 3, scale: 'log' })).toEqual([])
    expect(rowsToGrid([{ path: 'model.hidden', values: '', range: { from: 100, to: 1600, count: 3, scale: 'log' } }])).toEqual({ 'model.hidden': [100, 400, 1600] })
    expect(previewExperiment({ grid: { 'model.hidden': [100, 400], 'regularization.outputL2': [0, 0.2] } })).toEqual(['p=100 λ=0', 'p=100 λ=0.2', 'p=400 λ=0', 'p=400 λ=0.2'])
  })

  it('validator messages in plain words with the field label and unit', () => {
    expect(plainMessage(fieldAt('optimizer.learningRate'), 'Too small: expected number to be >0')).toBe('Learning rate η must be greater than 0')
    expect(plainMessage(fieldAt('model.hidden'), 'Invalid input: expected int, received number')).toBe('Hidden width p must be a whole number')
    expect(plainMessage(fieldAt('model.hidden'), 'Too small: expected number to be >=1')).toBe('Hidden width p must be at least 1 unit')
    expect(plainMessage(fieldAt('optimizer.learningRate'), 'Invalid input: expected number, received string')).toBe('Learning rate η must be a number')
    expect(plainMessage(undefined, 'Unrecognized key: "hiden"')).toBe('Has no setting named hiden')
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

describe('diverging colour scale', () => {
  it('white at zero, blue below, red above, saturating at the bound; one bound for all images', async () => {
    const { divergingColor, symmetricBound } = await import('../../src-renderer/src/lab/colormap')
    expect(divergingColor(0, 2)).toEqual([247, 247, 247])
    const [r1, , b1] = divergingColor(-1, 2)
    expect(b1).toBeGreaterThan(r1)
    const [r2, , b2] = divergingColor(1, 2)
    expect(r2).toBeGreaterThan(b2)
    expect(divergingColor(5, 2)).toEqual(divergingColor(2, 2))
    expect(divergingColor(-2, 2)).toEqual([5, 48, 97])
    expect(symmetricBound([[0.1, -0.3], [0.2]])).toBe(0.3)
  })
})

describe('the form notes two rules that give identical updates', () => {
  it('FA and DFA with one hidden layer, from the base, a sweep, a linked axis or a variant; not with two hidden layers or one of them alone', async () => {
    const { identicalRulesNote } = await import('../../src-renderer/src/lab/form')
    const twoLayer = { kind: 'two-layer', hidden: 100 }
    expect(identicalRulesNote({ base: { rule: 'fa', model: twoLayer }, grid: { rule: ['fa', 'dfa'] } })).toMatch(/^FA and DFA give identical updates here/)
    expect(identicalRulesNote({ base: { rule: 'dfa', model: { kind: 'mlp', hidden: [50] } }, variants: [{ set: { rule: 'fa' } }] })).not.toBeNull()
    expect(identicalRulesNote({ base: { rule: 'bp', model: twoLayer }, zip: { rule: ['fa', 'dfa'] } })).not.toBeNull()
    expect(identicalRulesNote({ base: { rule: 'fa', model: { kind: 'mlp', hidden: [50, 50] } }, grid: { rule: ['fa', 'dfa'] } })).toBeNull()
    expect(identicalRulesNote({ base: { rule: 'fa', model: twoLayer }, grid: { rule: ['fa', 'kp'] } })).toBeNull()
  })
})

describe('the sweep field picker', () => {
  it('an exactly typed name picks its field: rule, seed, a symbol, a label, a path', async () => {
    const { exactField, searchFields } = await import('../../src-renderer/src/lab/field-search')
    expect(exactField('rule')?.path).toBe('rule')
    expect(exactField('seed')?.path).toBe('seed')
    expect(exactField(' λ ')?.path).toBe('regularization.outputL2')
    expect(exactField('learning rate')?.path).toBe('optimizer.learningRate')
    expect(exactField('data.kind')?.path).toBe('data.kind')
    // two fields end in `kind`: not exact
    expect(exactField('kind')).toBeUndefined()
    expect(searchFields('rule')[0].path).toBe('rule')
    expect(searchFields('seed')[0].path).toBe('seed')
  })
  it('says a wrong data kind in plain words', () => {
    expect(plainMessage(fieldAt('data.kind'), "Invalid discriminator value. Expected 'synthetic' | 'mnist' | 'fashion-mnist'")).toBe('Data must be one of synthetic (Gaussian inputs, teacher), MNIST, Fashion-MNIST')
  })
})


describe('a figure on screen keeps its proportions', () => {
  it('fits the pane but never exceeds twice its printed size; the note says its size and magnification', () => {
    const single = 3.25 * 72
    const double = 6.75 * 72
    // a single-column figure in a 900 px pane: twice its printed size (624 px), not stretched to 900 px
    expect(figureScreenScale(single, 1000, 900) * single).toBeCloseTo(2 * 3.25 * 96)
    expect(figureScreenScale(single, 1000, 900)).toBeCloseTo(2 * pixelsPerPoint)
    // a double-column figure is narrowed to the pane as before
    expect(figureScreenScale(double, 1000, 900) * double).toBeCloseTo(900)
    expect(figureScreenScale(double, 500) * double).toBeCloseTo(500)
    expect(figureScreenScale(double, 10)).toBe(0.25)
    expect(figureScaleNote(single, 3.24 * 72, 2 * pixelsPerPoint)).toBe('3.25 × 3.24 in, shown at 2× print size')
    expect(figureScaleNote(double, 4 * 72, pixelsPerPoint)).toBe('6.75 × 4 in, shown at print size')
    expect(figureScaleNote(double, 4 * 72, 900 / double)).toBe('6.75 × 4 in, shown at 1.39× print size')
  })
})
