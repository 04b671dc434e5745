import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import { registeredComponents, registeredSeries } from '../../src-renderer/src/charts/echarts-setup'
import { seriesChartOption } from '../../src-renderer/src/charts/series-chart'
import { parallelAxes, parallelOption } from '../../src-renderer/src/charts/parallel-chart'
import { parseRunConfig } from '../../src-shared/config'
import type { RunSummary } from '../../src-shared/contract'

const notComponents = new Set(['animation', 'backgroundColor', 'color', 'textStyle', 'series'])
const runs: RunSeries[] = [1, 2, 3, 4].map((runId) => ({ runId, config: { seed: runId % 2, model: { hidden: runId < 3 ? 10 : 20 }, regularization: { outputL2: runId % 2 } }, steps: [0, 10, 20], values: [0.1 * runId, 0.2, 0.3], wallTimesMs: [0, 5, 9] }))

describe('the renderer registers every ECharts piece the builders emit', () => {
  it('every series type and component of every kind of figure and chart', () => {
    const summaries = [1, 2].map((id) => ({ id, seed: id, rule: 'fa', config: parseRunConfig({ seed: id, rule: 'fa', data: { kind: 'synthetic', n: 5, inputDim: 2 }, model: { kind: 'two-layer', hidden: 3 }, optimizer: { learningRate: 0.1 }, regularization: { outputL2: id / 10 }, steps: 5 }), finalMetrics: { trainLoss: id } }) as unknown as RunSummary)
    const options = [seriesChartOption({ title: 't', xName: 'x', yName: 'y', series: [{ name: 'a', points: [[0, 1]] }] }), parallelOption(summaries, parallelAxes(summaries, 'trainLoss'))]
    for (const kind of ['curves', 'sweep'] as const)
      for (const band of ['none', 'sd', 'se', 'ci95'] as const)
        for (const groupBy of [[], ['model.hidden']])
          for (const log of [false, true])
            options.push(buildFigure(FigureSpec.parse({ runIds: [1, 2, 3, 4], measures: ['a', 'b'], kind, band, groupBy, logY: log, smoothing: 0.5, sweepField: 'model.hidden', title: 'T', labels: { legendTitle: 'L' } }), { a: runs, b: runs }).option)
    const types = new Set<string>()
    const components = new Set<string>()
    for (const option of options) {
      for (const s of option.series as { type: string }[]) types.add(s.type)
      for (const key of Object.keys(option)) if (!notComponents.has(key) && option[key as keyof typeof option] !== undefined) components.add(key)
    }
    expect(types).toEqual(new Set(['line', 'custom', 'scatter', 'parallel']))
    for (const t of types) expect(registeredSeries).toContain(t)
    for (const c of components) expect(registeredComponents).toContain(c)
  })
})
