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
