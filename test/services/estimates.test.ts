import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import { createLabService } from '../../src-main/services/lab'
import { estimateExperimentSeconds, fallbackFlopsPerSecond, measuredSpeed, timeWarning } from '../../src-main/services/estimates'
import type { RunRecord } from '../../src-main/store/store'

const base = { seed: 1, data: { kind: 'synthetic', n: 1000, inputDim: 500 }, model: { kind: 'two-layer', hidden: 1000 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 100, evalEvery: 100 }

describe('estimated time (defect 4: warn when long)', () => {
  it('warns above an hour, from steps × the step cost at the measured speed', () => {
    const config = parseRunConfig(base)
    // 6 · 1000 samples · (500·1000 + 1000·1) weights ≈ 3.0 GFLOP per step
    expect(timeWarning([config], 1, { flopsPerSecond: 1e9, measured: true })).toBeNull() // 100 steps ≈ 5 min
    const long = parseRunConfig({ ...base, steps: 100_000 })
    expect(timeWarning([long], 1, { flopsPerSecond: 1e9, measured: true })).toMatch(/^estimated time about 3 days on 1 worker \(longest run 3 days, at 1\.00 GFLOP\/s, this lab's measured speed\)$/)
    expect(timeWarning([long, long], 2, { flopsPerSecond: 1e12, measured: false })).toBeNull()
  })

  it('estimates the whole experiment for the form: the runs shared out over the workers', () => {
    const config = parseRunConfig(base)
    const one = estimateExperimentSeconds([config], 1, { flopsPerSecond: 1e9, measured: true })
    expect(one.total).toBeGreaterThan(200)
    expect(one.total).toBeLessThan(400)
    const four = estimateExperimentSeconds([config, config, config, config], 2, { flopsPerSecond: 1e9, measured: true })
    expect(four.total).toBeCloseTo(2 * one.total)
    expect(four.longest).toBeCloseTo(one.total)
  })

  it('measures the speed from completed runs, falling back before there is one', () => {
    expect(measuredSpeed([])).toEqual({ flopsPerSecond: fallbackFlopsPerSecond, measured: false })
    const run = { status: 'completed', durationMs: 10_000, stepsDone: 100, config: parseRunConfig(base), configError: null } as unknown as RunRecord
    expect(measuredSpeed([run]).flopsPerSecond).toBeCloseTo((6 * 1000 * 501_000 * 100) / 10, -3)
  })

  it('validateExperiment reports the count, the limit and the warning to the form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-estimates-'))
    const lab = createLabService({ labPath: join(dir, 'lab.sqlite'), mode: 'browser', workers: 1, maxRuns: 5, dataDir: dir })
    expect(await lab.service.validateExperiment({ name: 'big', base, grid: { seed: [1, 2, 3, 4, 5, 6] } })).toMatchObject({ ok: false, runCount: 6, maxRuns: 5 })
    const slow = await lab.service.validateExperiment({ name: 'slow', base: { ...base, steps: 1e7, evalEvery: 1e5 }, grid: {} })
    expect(slow).toMatchObject({ ok: true, runCount: 1 })
    expect(slow.warnings?.[0]).toMatch(/^estimated time about .* assumed until this lab has finished a run\)$/)
    expect(slow.estimatedSeconds).toBeGreaterThan(3600)
    await lab.close()
  })
})
