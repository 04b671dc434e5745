import { describe, expect, it } from 'vitest'
import { histogram, spectrumChartOption } from '../../src-renderer/src/charts/spectrum-chart'
import { chartGroups } from '../../src-renderer/src/charts/series-chart'

describe('spectrum histograms', () => {
  it('bin the values evenly between min and max, as fractions summing to 1', () => {
    const h = histogram([0, 1, 2, 3, 4, 4, 4, 10], 5)
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10])
    expect(h.fractions).toEqual([2 / 8, 2 / 8, 3 / 8, 0, 1 / 8])
    expect(h.log).toBe(false)
  })

  it('bin log₁₀ of positive spectra when asked, and fall back to linear bins when a value is not positive', () => {
    const h = histogram([1, 10, 100, 1000], 3, true)
    expect(h.log).toBe(true)
    expect(h.edges).toEqual([0, 1, 2, 3])
    expect(h.fractions).toEqual([1 / 4, 1 / 4, 2 / 4])
    expect(histogram([-1, 10, 100], 3, true).log).toBe(false)
    expect(histogram([5, 5], 2).fractions).toEqual([0, 1])
    expect(histogram([], 4)).toEqual({ edges: [], fractions: [], log: false })
  })

  it('draw as a bar chart labelled with eigenvalues, also on the log scale', () => {
    const option = spectrumChartOption({ title: 'Spectrum of G', values: [1, 10, 100, 1000], bins: 3, log: true }) as { xAxis: { data: string[]; name: string }; series: { type: string; data: number[] }[] }
    expect(option.xAxis.name).toBe('eigenvalue (log scale)')
    expect(option.xAxis.data).toEqual(['3.16', '31.6', '316'])
    expect(option.series[0]).toMatchObject({ type: 'bar', data: [0.25, 0.25, 0.5] })
  })

  it('the theory measures chart in their own groups, apart from the others', () => {
    const names = ['trainLoss', 'weightAlignment', 'lambdaMinG', 'lambdaMaxG', 'lambdaMinH', 'lambdaMinGH', 'driftG', 'oneStepError']
    const theory = new Set(['theoryG', 'theory', 'theoryCheck'])
    expect(chartGroups(names, theory, true).map((g) => [g.title, g.names])).toEqual([
      ['Eigenvalues of G', ['lambdaMinG', 'lambdaMaxG']],
      ['Eigenvalues of H and G + H', ['lambdaMinH', 'lambdaMinGH']],
      ['Theory checks', ['driftG', 'oneStepError']],
    ])
    expect(chartGroups(names, theory, false).flatMap((g) => g.names)).toEqual(['trainLoss', 'weightAlignment'])
  })
})
