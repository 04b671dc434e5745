import { afterEach, describe, expect, it } from 'vitest'
import { largerIsBetter, toCsv, type RunSeries } from '../../src-shared/analysis'
import { buildFigure } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import { groupMeasures, measureInfo, measureName, measureSpecs, registerMeasure, tableMeasures, unregisterMeasure } from '../../src-shared/measures'

const run = (runId: number, outputL2: number): RunSeries => ({
  runId,
  config: { data: { kind: 'synthetic', n: 10 }, optimizer: { batchSize: 0 }, regularization: { outputL2 } },
  steps: [0, 10, 20],
  values: [3, 2, 1],
  wallTimesMs: [0, 1, 2],
})

describe('measures registry', () => {
  afterEach(() => unregisterMeasure('hessianEigenvalue'))

  it('resolves logged names with their layer form to label, unit, group, direction and range', () => {
    expect(measureInfo('weightAlignment')).toMatchObject({ label: 'weight alignment cos(β, b)', unit: 'cosine', layer: null, range: { min: -1, max: 1 }, largerIsBetter: true })
    expect(measureInfo('weightAlignment.2')).toMatchObject({ label: 'weight alignment, layer 2 cos(W3, B2)', layer: 2 })
    expect(measureInfo('gradientAlignment.1').group.id).toBe('gradientAlignment')
    expect(measureInfo('gradientAlignment').spec).toBeNull() // always carries its layer
    expect(measureInfo('norm.W2')).toMatchObject({ label: 'norm of W2', unit: 'Frobenius norm', largerIsBetter: false })
    expect(measureInfo('trainLoss')).toMatchObject({ largerIsBetter: false, range: { min: 0, log: true } })
    expect(measureInfo('testAccuracy').range).toEqual({ min: 0, max: 1 })
    expect(measureInfo('somethingElse')).toMatchObject({ spec: null, label: 'somethingElse', group: { id: 'other' } })
    expect(largerIsBetter('testLoss')).toBe(false)
    expect(largerIsBetter('signalAlignment.3')).toBe(true)
  })

  it('names what the engine logs and refuses names it does not know', () => {
    expect(measureName('weightAlignment', 1, false)).toBe('weightAlignment')
    expect(measureName('weightAlignment', 1, true)).toBe('weightAlignment.1')
    expect(measureName('gradientAlignment', 2, false)).toBe('gradientAlignment.2')
    expect(measureName('norm.B', 1, true)).toBe('norm.B1')
    expect(measureName('trainLoss')).toBe('trainLoss')
    expect(() => measureName('weightAlignmnet', 1)).toThrow(/not registered/)
    for (const spec of measureSpecs()) expect(measureInfo(measureName(spec.name, 1, true)).spec).toBe(spec)
  })

  it('groups a run’s measures into charts in registry order', () => {
    const groups = groupMeasures(['norm.W1', 'signalAlignment', 'trainLoss', 'weightAlignment', 'mystery'])
    expect(groups.map((g) => [g.group.id, g.names])).toEqual([
      ['loss', ['trainLoss']],
      ['alignment', ['weightAlignment', 'signalAlignment']],
      ['norm', ['norm.W1']],
      ['other', ['mystery']],
    ])
    expect(tableMeasures()).toEqual(['trainLoss', 'testAccuracy', 'weightAlignment', 'signalAlignment'])
  })

  it('a registered measure shows its label in a figure’s axis title and in the CSV header', () => {
    registerMeasure({
      name: 'hessianEigenvalue',
      layers: 'none',
      label: 'top Hessian eigenvalue',
      symbol: () => 'λ_max(H)',
      unit: 'curvature',
      group: 'other',
      largerIsBetter: false,
      range: { min: 0 },
      tableColumn: true,
      description: 'a theory measure',
    })
    const spec = FigureSpec.parse({ runIds: [1, 2], measures: ['hessianEigenvalue'], groupBy: ['regularization.outputL2'], band: 'none', size: { width: 6.75, height: 4, unit: 'in' } })
    const { option, data, lines } = buildFigure(spec, { hessianEigenvalue: [run(1, 0), run(2, 0.2)] })
    expect((option.yAxis as { name: string }[])[0].name).toBe('top Hessian eigenvalue λ_max(H) (curvature)')
    expect(toCsv(data.header, data.rows).split('\n')[0]).toBe('panel,line,curve,step,value,lower,upper,runs,panel title')
    // the panel by its registry name (as --panels takes it) and by the label the figure shows
    expect(new Set(data.rows.map((r) => `${r[0]} / ${r[8]}`))).toEqual(new Set(['hessianEigenvalue / top Hessian eigenvalue λ_max(H)']))
    expect(lines.map((l) => l.label)).toContain('0.2')
    expect(tableMeasures()).toContain('hessianEigenvalue')
    expect(largerIsBetter('hessianEigenvalue')).toBe(false)
  })
})
