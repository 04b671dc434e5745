import { describe, expect, it } from 'vitest'
import { downsampleMinMax, pointValue, smoothEma, spread, summarize, toCsv, xValues, type RunSeries } from '../../src-shared/analysis'

const run = (runId: number, config: Record<string, unknown>, values: number[], steps = values.map((_, i) => i * 10)): RunSeries => ({ runId, config, steps, values, wallTimesMs: steps.map((s) => s * 2) })

describe('statistics, by hand', () => {
  it('mean with SD (n−1), SE and the 95% t interval', () => {
    // values 1..4: mean 2.5, SD = √(5/3) = 1.2909944, SE = SD/2 = 0.6454972, t(0.975, 3) = 3.182
    expect(spread([1, 2, 3, 4], 'sd')).toEqual({ mean: 2.5, halfWidth: expect.closeTo(1.2909944, 6), n: 4 })
    expect(spread([1, 2, 3, 4], 'se').halfWidth).toBeCloseTo(0.6454972, 6)
    expect(spread([1, 2, 3, 4], 'ci95').halfWidth).toBeCloseTo(3.182 * 0.6454972, 5)
    expect(spread([5], 'ci95')).toEqual({ mean: 5, halfWidth: 0, n: 1 })
  })

  it('EMA smoothing with the start-up bias corrected', () => {
    // m1 = 0.5·2 = 1 → 1/(1−0.5) = 2;  m2 = 0.5·1 + 0.5·4 = 2.5 → 2.5/(1−0.25) = 3.3333
    expect(smoothEma([2, 4], 0.5)).toEqual([2, expect.closeTo(10 / 3, 10)])
    expect(smoothEma([3, 3, 3], 0.9).map((v) => Number(v.toFixed(12)))).toEqual([3, 3, 3])
    expect(smoothEma([1, 2], 0)).toEqual([1, 2])
  })

  it('min-max downsampling keeps the extremes and the ends', () => {
    const xs = Array.from({ length: 30_000 }, (_, i) => i)
    const ys = xs.map((i) => Math.sin(i / 500))
    ys[12_345] = 9
    ys[23_456] = -9
    const { xs: dx, ys: dy } = downsampleMinMax(xs, ys, 500)
    expect(dx.length).toBeLessThanOrEqual(500)
    expect(dy).toContain(9)
    expect(dy).toContain(-9)
    expect(dx[0]).toBe(0)
    expect(dx.at(-1)).toBe(29_999)
    expect([...dx].sort((a, b) => a - b)).toEqual(dx)
  })

  it('x axes: epochs and samples from the batch and data sizes, wall time in seconds', () => {
    const s = run(1, { data: { kind: 'synthetic', n: 50 }, optimizer: { batchSize: 10 } }, [1, 2, 3])
    expect(xValues(s, 'epoch')).toEqual([0, 2, 4])
    expect(xValues(s, 'samples')).toEqual([0, 100, 200])
    expect(xValues(s, 'wallTime')).toEqual([0, 0.02, 0.04])
    const full = run(2, { data: { kind: 'synthetic', n: 50 }, optimizer: { batchSize: 0 } }, [1, 2])
    expect(xValues(full, 'epoch')).toEqual([0, 10])
  })

  it('a run’s value at the end, at its best (smallest loss, largest accuracy) or at a step', () => {
    expect(pointValue(run(1, {}, [3, 1, 2]), 'trainLoss', 'final')).toBe(2)
    expect(pointValue(run(1, {}, [3, 1, 2]), 'trainLoss', 'best')).toBe(1)
    expect(pointValue(run(1, {}, [0.3, 0.9, 0.5]), 'testAccuracy', 'best')).toBe(0.9)
    expect(pointValue(run(1, {}, [3, 1, 2]), 'trainLoss', { atStep: 15 })).toBe(1)
  })

  it('summary: final, best, min, max per run and per group', () => {
    const rows = summarize([run(1, { r: 'fa' }, [0.1, 0.9, 0.5]), run(2, { r: 'fa' }, [0.3, 0.7, 0.7])], 'weightAlignment', ['r'])
    expect(rows).toEqual([{ label: 'r = fa', runIds: [1, 2], final: 0.6, best: 0.8, min: 0.2, max: 0.8 }])
    expect(summarize([run(1, {}, [3, 1, 2])], 'trainLoss', null)[0]).toMatchObject({ label: 'run 1', final: 2, best: 1, min: 1, max: 3 })
  })

  it('CSV quotes what needs quoting', () => {
    expect(toCsv(['group', 'x'], [['a, b', 1], ['say "hi"', 2.5]])).toBe('group,x\n"a, b",1\n"say ""hi""",2.5\n')
  })
})
