import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure } from '../../src-shared/figure'
import { FigureSpec, zoomedSpec } from '../../src-shared/figure-spec'

const series = (runId: number, name?: string): RunSeries => ({ runId, name, config: { seed: runId, rule: 'fa' }, steps: [0, 10, 20], values: [1, 0.5, 0.25], wallTimesMs: [0, 1, 2] })
const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort()
const protoKeys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']

describe('figure text from users (issue 27 D1)', () => {
  it('labels keyed by prototype names are read as own entries only: a panel or measure named `constructor` gets no function for a title', () => {
    const before = prototypeNames()
    for (const key of protoKeys) {
      // a saved spec can name any measure; its panel key, y label and zoom are then keyed by that text
      const spec = FigureSpec.parse({ runIds: [1, 2], measures: [key], labels: { entries: { 'run 1': key } } })
      const figure = buildFigure(spec, { [key]: [series(1, key), series(2)] })
      const yNames = (figure.option.yAxis as { name: unknown }[]).map((a) => a.name)
      expect(yNames.every((n) => typeof n === 'string')).toBe(true)
      expect(figure.panels.every((p) => typeof p.title === 'string')).toBe(true)
      expect(figure.lines.map((l) => l.label)).toContain(key)
      const zoomed = zoomedSpec(spec, key, [0, 10], [0, 1])
      expect(Object.getOwnPropertyNames(zoomed.zoom)).toEqual(spec.sharedX && spec.sharedY ? [] : [key])
      const unshared = zoomedSpec({ ...spec, sharedX: false }, key, [0, 10], null)
      expect(Object.getOwnPropertyNames(unshared.zoom)).toEqual([key])
      expect(JSON.parse(JSON.stringify(unshared)).zoom[key].x).toEqual({ min: 0, max: 10 })
    }
    expect(prototypeNames()).toEqual(before)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})

// fast-check generators of figure specs and series, from ordinary to hostile (as arbitraries.ts does for configs)
const edge = fc.oneof(fc.double({ noDefaultInfinity: false }), fc.integer({ min: -5, max: 5 }), fc.constantFrom(0, -0, 1e-300, 1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY))
const userText = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'prototype', '', ' ', 'a\nb', 'λ=0.1', '<svg>&'))
const measure = fc.constantFrom('trainLoss', 'testAccuracy', 'signalAlignment', 'weightAlignment', 'norm.W', 'lambdaMinH', 'constructor', '__proto__')
const range = fc.record({ min: fc.option(edge, { nil: null }), max: fc.option(edge, { nil: null }) })
const specInput = fc.record(
  {
    kind: fc.constantFrom('curves', 'sweep'),
    title: userText,
    runIds: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
    measures: fc.array(measure, { minLength: 1, maxLength: 6 }),
    splitBy: fc.option(fc.constantFrom('rule', 'seed', 'model.hidden', '__proto__'), { nil: null }),
    groupBy: fc.array(fc.constantFrom('rule', 'seed', 'model.hidden', 'constructor'), { maxLength: 2 }),
    band: fc.constantFrom('none', 'sd', 'se', 'ci95'),
    smoothing: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.99, noNaN: true })),
    logX: fc.boolean(),
    logY: fc.boolean(),
    sweepField: fc.constantFrom('model.hidden', 'seed', 'rule'),
    columns: fc.integer({ min: 0, max: 6 }),
    sharedX: fc.boolean(),
    sharedY: fc.boolean(),
    pinCosine: fc.boolean(),
    xRange: range,
    yRange: range,
    size: fc.record({ width: fc.double({ min: 0.01, max: 200, noNaN: true }), height: fc.double({ min: 0.01, max: 200, noNaN: true }), unit: fc.constantFrom('in', 'cm', 'px') }),
    fontSize: fc.double({ min: 1, max: 30, noNaN: true }),
    labels: fc.record({ x: userText, legendTitle: userText, y: fc.dictionary(measure, userText), entries: fc.dictionary(userText, userText), panels: fc.dictionary(userText, userText) }, { requiredKeys: [] }),
  },
  { requiredKeys: ['runIds', 'measures'] },
)
const runSeries = fc.integer({ min: 1, max: 6 }).chain((runId) =>
  fc.record({
    runId: fc.constant(runId),
    name: fc.option(userText, { nil: undefined }),
    config: fc.record({ rule: fc.constantFrom('fa', 'bp', '__proto__'), seed: fc.integer({ min: 0, max: 3 }), model: fc.record({ hidden: fc.constantFrom(10, 100, 1000) }) }),
    points: fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), edge), { maxLength: 20 }),
  }).map(({ points, ...rest }): RunSeries => {
    const steps = [...new Set(points.map(([s]) => s))].sort((a, b) => a - b)
    return { ...rest, steps, values: steps.map((s) => points.find(([p]) => p === s)![1]), wallTimesMs: steps.map((s) => s * 2) }
  }),
)

describe('the figure builder on generated specs and series (property-based, issue 27 item 1)', () => {
  it('500 specs: each refused by the schema or built, with finite axes, complete rows and Object.prototype untouched', () => {
    const before = prototypeNames()
    let built = 0
    fc.assert(
      fc.property(specInput, fc.array(runSeries, { maxLength: 8 }), (input, list) => {
        const parsed = FigureSpec.safeParse(input)
        if (!parsed.success) return
        const spec = parsed.data
        const byMeasure = Object.fromEntries(spec.measures.map((m) => [m, list]))
        const figure = buildFigure(spec, byMeasure)
        built++
        for (const axis of [...(figure.option.xAxis as { min: number; max: number }[]), ...(figure.option.yAxis as { min: number; max: number }[])]) {
          expect(Number.isFinite(axis.min) && Number.isFinite(axis.max)).toBe(true)
          expect(axis.max).toBeGreaterThan(axis.min)
        }
        for (const row of figure.data.rows) expect(row).toHaveLength(figure.data.header.length)
        expect(figure.lines.every((l) => typeof l.label === 'string')).toBe(true)
        expect(prototypeNames()).toEqual(before)
      }),
      { numRuns: 500, seed: 27 },
    )
    // the generator reaches built figures, not only refusals
    expect(built).toBeGreaterThan(100)
  })
})
