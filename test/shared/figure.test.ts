import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure, FigureSpec } from '../../src-shared/figure'

const series = (runId: number, lambda: number, seed: number, n = 3000): RunSeries => {
  const steps = Array.from({ length: n }, (_, i) => i * 10)
  return { runId, config: { seed, regularization: { outputL2: lambda } }, steps, values: steps.map((s) => lambda + Math.sin(s / 700 + seed) / 10), wallTimesMs: steps }
}
const runs = [series(1, 0, 1), series(2, 0, 2), series(3, 0.2, 1), series(4, 0.2, 2)]

describe('figure builder', () => {
  it('the data table holds exactly the numbers of the plotted mean lines', () => {
    const { option, data } = buildFigure(FigureSpec.parse({ runIds: [1, 2, 3, 4], measure: 'weightAlignment', groupBy: ['regularization.outputL2'], band: 'se', smoothing: 0.9, maxPoints: 400 }), runs)
    const seriesList = option.series as { name: string; data: [number, number][]; z?: number }[]
    for (const label of ['λ=0', 'λ=0.2']) {
      const plotted = seriesList.filter((s) => s.name === label && s.z === 3)[0].data
      const rows = data.rows.filter((r) => r[0] === label).map((r) => [r[1], r[2]])
      expect(rows).toEqual(plotted)
      expect(rows.length).toBeLessThanOrEqual(400)
    }
    expect((option.legend as { data: string[] }).data).toEqual(['λ=0', 'λ=0.2'])
    expect((option.xAxis as { name: string }).name).toBe('step (updates)')
    expect((option.yAxis as { name: string }).name).toBe('weight alignment cos(β, b) (cosine) (mean ± SE)')
  })

  it('smooths the full series before downsampling, and shows the raw curve faintly behind', () => {
    const spec = FigureSpec.parse({ runIds: [1], measure: 'weightAlignment', smoothing: 0.5, maxPoints: 100, band: 'none' })
    const { option } = buildFigure(spec, [runs[0]])
    const lines = option.series as { data: [number, number][]; lineStyle: { color: string } }[]
    expect(lines).toHaveLength(2)
    expect(lines[0].lineStyle.color).toMatch(/rgba\(.*0\.25\)/)
    // the smoothed mean's maximum over the whole run survives downsampling to 100 points
    const values = runs[0].values
    let m = 0
    let p = 1
    const smoothed = values.map((x) => ((m = 0.5 * m + 0.5 * x), (p *= 0.5), m / (1 - p)))
    expect(Math.max(...lines[1].data.map(([, y]) => y))).toBeCloseTo(Math.max(...smoothed), 12)
  })
})
