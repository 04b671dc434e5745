import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import { createLabService } from '../../src-main/services/lab'
import type { Calibration } from '../../src-main/estimates/calibrate'
import { calibrationKey, calibrationKeys, fallbackFlopsPerSecond, measuredSpeed, recentRuns, speedNote } from '../../src-main/estimates/speed'
import { expandExperiment } from '../../src-shared/experiment'
import { runFlops } from '../../src-shared/run-cost'
import { estimateExperiment, timeWarning } from '../../src-main/estimates/time'
import { openStore, type RunRecord } from '../../src-main/store/store'

const base = { seed: 1, data: { kind: 'synthetic', n: 1000, inputDim: 500 }, model: { kind: 'two-layer', hidden: 1000 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 100, evalEvery: 100 }

describe('estimated time (defect 4: warn when long)', () => {
  it('warns above an hour, from steps × the step cost at the measured speed', () => {
    const config = parseRunConfig(base)
    // 6 · 1000 samples · (500·1000 + 1000·1) weights ≈ 3.0 GFLOP per step
    expect(timeWarning([config], 1, { flopsPerSecond: 1e9, measured: true, source: 'runs' as const, runs: 3 })).toBeNull() // 100 steps ≈ 5 min
    // and 1,001 evaluations of 8 · 1000 · 501,000: 3.5 days
    const long = parseRunConfig({ ...base, steps: 100_000 })
    expect(timeWarning([long], 1, { flopsPerSecond: 1e9, measured: true, source: 'runs' as const, runs: 3 })).toMatch(/^estimated time about 4 days on 1 worker \(longest run 4 days, at 1\.00 GFLOP\/s, from 3 runs on this machine\)$/)
    expect(timeWarning([long, long], 2, { flopsPerSecond: 1e12, measured: false, source: 'assumed' as const })).toBeNull()
  })

  it('estimates the whole experiment for the form: the runs shared out over the workers', () => {
    const config = parseRunConfig(base)
    const one = estimateExperiment([config], 1, { flopsPerSecond: 1e9, measured: true, source: 'runs' as const, runs: 3 })
    expect(one.total).toBeGreaterThan(200)
    expect(one.total).toBeLessThan(400)
    const four = estimateExperiment([config, config, config, config], 2, { flopsPerSecond: 1e9, measured: true, source: 'runs' as const, runs: 3 })
    expect(four.total).toBeCloseTo(2 * one.total)
    expect(four.longest).toBeCloseTo(one.total)
    // the runs are laid onto the workers as the runner takes them: three on two take two run-lengths
    expect(estimateExperiment([config, config, config], 2, { flopsPerSecond: 1e9, measured: true, source: 'runs' as const, runs: 3 }).total).toBeCloseTo(2 * one.total)
  })

  it('a preset card’s estimate is the live ETA at the start of the same experiment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-card-eta-'))
    const labPath = join(dir, 'lab.sqlite')
    // a lab that has measured its speed (a calibration in the file): slow enough that the runs could not finish before the first event
    const seed = openStore(labPath)
    seed.saveSetting(calibrationKey, { flopsPerSecond: 2e6, seconds: 0.3, steps: 9, backend: 'blas', measuredAt: '' })
    seed.close()
    const lab = createLabService({ labPath, mode: 'browser', workers: 2, dataDir: dir })
    const preset = (await lab.service.listPresets(undefined as never)).find((p) => p.name === 'smoke:quick')!
    const card = await lab.service.validateExperiment(preset.experiment as never)
    expect(card.estimateBasis).toBe('from a 0.3 s calibration')
    const first = new Promise<number | null>((resolve) => lab.on('runProgress', (p) => resolve(p.etaMs)))
    const { experimentId } = await lab.service.startExperiment(preset.experiment as never)
    const eta = await first
    expect(eta).not.toBeNull()
    expect(eta! / 1000).toBeCloseTo(card.estimatedSeconds!, 6)
    lab.service.cancelExperiment(experimentId)
    await lab.runner.whenIdle()
    await lab.close()
  })

  it('measures the speed from completed runs, falling back before there is one', () => {
    expect(measuredSpeed([])).toEqual({ flopsPerSecond: fallbackFlopsPerSecond.dense, measured: false, source: 'assumed', family: 'dense' })
    const run = { status: 'completed', durationMs: 10_000, stepsDone: 100, config: parseRunConfig(base), configError: null } as unknown as RunRecord
    // 100 full-batch steps (6 · 1000 samples · 501,000 weights) and 2 evaluations (steps 0 and
    // 100), each a forward pass over the fit split (the 1000 training rows) and the probe's forward
    // and two signals (6 · 1000 rows), in 10 s
    expect(measuredSpeed([run]).flopsPerSecond).toBeCloseTo((6 * 1000 * 501_000 * 100 + 2 * 8 * 1000 * 501_000) / 10, -3)
  })

  it('validateExperiment reports the count, the limit and the warning to the form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-estimates-'))
    const lab = createLabService({ labPath: join(dir, 'lab.sqlite'), mode: 'browser', workers: 1, maxRuns: 5, dataDir: dir })
    expect(await lab.service.validateExperiment({ name: 'big', base, grid: { seed: [1, 2, 3, 4, 5, 6] } })).toMatchObject({ ok: false, runCount: 6, maxRuns: 5 })
    const slow = await lab.service.validateExperiment({ name: 'slow', base: { ...base, steps: 1e7, evalEvery: 1e5 }, grid: {} })
    expect(slow).toMatchObject({ ok: true, runCount: 1 })
    expect(slow.warnings?.[0]).toMatch(/^estimated time about .* assumed until this lab has measured its speed\)$/)
    expect(slow.estimatedSeconds).toBeGreaterThan(3600)
    await lab.close()
  })

  it('takes the median speed of the recent runs on the backend in use, and says so', () => {
    const config = parseRunConfig(base)
    const flops = (6 * 100 + 2 * 8) * 1000 * 501_000 // one run's work: 100 steps and 2 evaluations
    const run = (backend: string, seconds: number) => ({ status: 'completed', durationMs: seconds * 1000, stepsDone: 100, backend, config, configError: null }) as unknown as RunRecord
    // blas runs at flops/10, flops/20 (a run slowed by a busy machine) and flops/12 per second; wasm far slower
    const runs = [run('blas', 10), run('wasm', 100), run('blas', 20), run('blas', 12)]
    const speed = measuredSpeed(runs)
    expect(speed).toMatchObject({ source: 'runs', runs: 3, backend: 'blas' })
    expect(speed.flopsPerSecond).toBeCloseTo(flops / 12, 0)
    expect(speedNote(speed)).toBe('from 3 runs on this machine')
    expect(measuredSpeed(runs, {}, 'dense', 'wasm')).toMatchObject({ flopsPerSecond: flops / 100, runs: 1 })
    expect(speedNote(measuredSpeed(runs, {}, 'dense', 'wasm'))).toBe('from 1 run on this machine')
    // only the newest runs count
    const many = [...Array.from({ length: 30 }, () => run('blas', 50)), ...Array.from({ length: recentRuns }, () => run('blas', 10))]
    expect(measuredSpeed(many).flopsPerSecond).toBeCloseTo(flops / 10, 0)
    // before any run: the calibration, then the assumption
    const calibration = { flopsPerSecond: 3e10, seconds: 0.31, steps: 9, backend: 'blas', measuredAt: '' }
    expect(speedNote(measuredSpeed([], { dense: calibration }))).toBe('from a 0.3 s calibration')
    expect(measuredSpeed([], { dense: calibration }).flopsPerSecond).toBe(3e10)
  })

  it('a new lab calibrates once in a worker (kept in the file), and after a real run estimates the same config to the right order of magnitude', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-calibration-'))
    const labPath = join(dir, 'lab.sqlite')
    // an MNIST-shaped run of a few seconds
    const small = { seed: 1, data: { kind: 'synthetic', n: 1000, inputDim: 784, teacher: 'linear' }, model: { kind: 'two-layer', hidden: 300, outputs: 10 }, rule: 'fa', optimizer: { learningRate: 0.01, batchSize: 200 }, steps: 1500, evalEvery: 250, theory: { enabled: false } }
    const experiment = { name: 'small', base: small, grid: {} }
    let lab = createLabService({ labPath, mode: 'browser', workers: 1, dataDir: dir, calibrate: true })
    const t0 = performance.now()
    // an estimate waits 10 s at most for the calibration, then assumes a speed; on a busy machine
    // the worker can take longer than that to start, so the test waits for the calibration itself
    await expect.poll(() => lab.store.setting(calibrationKey)).toBeTruthy()
    const calibrated = await lab.service.validateExperiment(experiment)
    const waited = performance.now() - t0
    expect(calibrated.estimateBasis).toMatch(/^from a \d+\.\d s calibration$/)
    const stored = lab.store.setting(calibrationKey) as { seconds: number; flopsPerSecond: number; backend: string; measuredAt: string }
    // about 0.3 s of steps on a quiet machine (at least two steps are timed, so a busy one takes longer)
    expect(stored.seconds).toBeGreaterThan(0)
    expect(stored.seconds).toBeLessThan(10)
    const mnist = (await lab.service.listPresets(undefined as never)).find((p) => p.name === 'song2021-mnist:quick')!
    const mnistEstimate = await lab.service.validateExperiment(mnist.experiment as never)
    // the conv family is calibrated beside the dense one, on LeNet steps, and a conv preset is estimated from it
    const conv = lab.store.setting(calibrationKeys.conv) as Calibration
    expect(conv.flopsPerSecond).toBeGreaterThan(0)
    expect(conv.steps).toBeGreaterThanOrEqual(2)
    const lenet = (await lab.service.listPresets(undefined as never)).find((p) => p.name === 'biotorch-lenet:quick')!
    const lenetEstimate = await lab.service.validateExperiment(lenet.experiment as never)
    expect(lenetEstimate.estimateBasis).toMatch(/^from a \d+\.\d s conv calibration$/)
    const lenetConfigs = expandExperiment(lenet.experiment as never).runs.map((r) => r.config)
    expect(lenetEstimate.estimatedSeconds).toBeCloseTo(lenetConfigs.reduce((sum, c) => sum + runFlops(c, c.steps), 0) / conv.flopsPerSecond, 3)
    console.log(`calibration: ${(stored.flopsPerSecond / 1e9).toFixed(1)} GFLOP/s on ${stored.backend} in ${stored.seconds.toFixed(2)} s of steps (${waited.toFixed(0)} ms with the worker's start), conv ${(conv.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s in ${conv.seconds.toFixed(2)} s; song2021-mnist quick estimated ${mnistEstimate.estimatedSeconds!.toFixed(0)} s on 1 worker, biotorch-lenet quick ${lenetEstimate.estimatedSeconds!.toFixed(0)} s`)
    await lab.close()

    // reopened: the calibration is read from the file, not measured again
    lab = createLabService({ labPath, mode: 'browser', workers: 1, dataDir: dir, calibrate: true })
    expect((await lab.service.validateExperiment(experiment)).estimateBasis).toBe(calibrated.estimateBasis)
    expect(lab.store.setting(calibrationKey)).toEqual(stored)

    const finished = new Promise<void>((resolve) => lab.on('runFinished', () => resolve()))
    const start = performance.now()
    lab.service.startExperiment(experiment)
    await finished
    const measured = (performance.now() - start) / 1000
    const after = await lab.service.validateExperiment(experiment)
    expect(after.estimateBasis).toBe('from 1 run on this machine')
    console.log(`a real run took ${measured.toFixed(1)} s (start-up included); estimated ${calibrated.estimatedSeconds!.toFixed(1)} s from the calibration, ${after.estimatedSeconds!.toFixed(1)} s after it`)
    // within a factor of 2 on a quiet machine; the bound is 10× that, since a shared machine's load
    // changes between the run that measured the speed and the run estimated
    expect(after.estimatedSeconds! / measured).toBeGreaterThan(0.1)
    expect(after.estimatedSeconds! / measured).toBeLessThan(10)
    await lab.close()
  })

  it('a lab calibrated before conv models had their own speed keeps its dense calibration and calibrates conv only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-calibration-old-'))
    const labPath = join(dir, 'lab.sqlite')
    const old = { flopsPerSecond: 3e10, seconds: 0.3, steps: 9, backend: 'blas', measuredAt: '2026-12-01T00:00:00.000Z' }
    const seed = openStore(labPath)
    seed.saveSetting('speedCalibration', old)
    seed.close()
    const lab = createLabService({ labPath, mode: 'browser', workers: 1, dataDir: dir, calibrate: true })
    await expect.poll(() => lab.store.setting(calibrationKeys.conv), { timeout: 60_000 }).toBeTruthy()
    expect(lab.store.setting(calibrationKey)).toEqual(old)
    expect((await lab.service.validateExperiment({ name: 'dense', base, grid: {} })).estimateBasis).toBe('from a 0.3 s calibration')
    await lab.close()
  }, 90_000)

  it('a lab closed while it calibrates stops the calibration and stores nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-calibration-closed-'))
    const labPath = join(dir, 'lab.sqlite')
    const lab = createLabService({ labPath, mode: 'browser', workers: 2, dataDir: dir, calibrate: true })
    await lab.close()
    // longer than a calibration takes here: a worker left running would now write to the closed file
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const store = openStore(labPath)
    expect(store.setting(calibrationKey)).toBeNull()
    expect(store.setting(calibrationKeys.conv)).toBeNull()
    store.close()
  })
})
