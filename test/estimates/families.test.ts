/**
 * A run's work counts its evaluations, and the lab's speed is kept by model family: a conv step on
 * the blas im2col path does far less per second than a dense product, so a speed measured on one
 * family never estimates the other (the biotorch-lenet quick card said "a few seconds" for a
 * preset that trains for about six minutes here).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createProgressEstimator } from '../../src-main/estimates/eta'
import { calibrationKeys, fallbackFlopsPerSecond, measuredSpeed, speedNote, storedCalibrations } from '../../src-main/estimates/speed'
import { estimateBasis, estimateExperiment, runShape, timeWarning } from '../../src-main/estimates/time'
import type { RunRecord } from '../../src-main/store/store'
import { parseRunConfig, type RunConfig } from '../../src-shared/config'
import { expandExperiment } from '../../src-shared/experiment'
import { estimateResources, evaluationsIn, modelFamily, runFlops } from '../../src-shared/run-cost'

const lenetPreset = JSON.parse(readFileSync('resources/presets/biotorch-lenet.json', 'utf8'))
const lenetQuick = expandExperiment(lenetPreset.quick).runs.map((r) => r.config)
const lenet = lenetQuick[0]
// LeNet-5's multiply-adds per image: 5·5·1·6 at 28·28 positions, 5·5·6·16 at 10·10, 5·5·16·120 at 1, 120·84, 84·10
const lenetMacs = 150 * 784 + 2400 * 100 + 48_000 + 120 * 84 + 84 * 10
const dense = parseRunConfig({ seed: 1, data: { kind: 'synthetic', n: 1000, inputDim: 500, testN: 200 }, model: { kind: 'two-layer', hidden: 1000 }, rule: 'fa', optimizer: { learningRate: 0.01, batchSize: 100 }, steps: 250, evalEvery: 100, evalSamples: 300 })
const denseMacs = 500 * 1000 + 1000

const completed = (config: RunConfig, seconds: number, backend = 'blas') =>
  ({ status: 'completed', durationMs: seconds * 1000, stepsDone: config.steps, backend, config, configError: null }) as unknown as RunRecord

describe('a run’s work: its steps and its evaluations', () => {
  it('LeNet quick by hand: 400 steps of 64 images, 9 evaluations over the 10,000 test digits and the 256-image probe', () => {
    expect(lenetQuick).toHaveLength(16)
    const cost = estimateResources(lenet)
    expect(cost.flopsPerStep).toBe(6 * 64 * lenetMacs)
    // test split and fit split (the probe: batch 64 is not full batch) forward; the probe's forward and two signals back
    expect(cost.flopsPerEvaluation).toBe(2 * lenetMacs * (10_000 + 256) + 6 * lenetMacs * 256)
    expect(evaluationsIn(lenet, 400)).toBe(9)
    expect(runFlops(lenet, 400)).toBe(400 * 6 * 64 * lenetMacs + 9 * (2 * lenetMacs * 10_256 + 6 * lenetMacs * 256))
    // the evaluations are more than the training steps' work here
    expect((9 * cost.flopsPerEvaluation) / (400 * cost.flopsPerStep)).toBeGreaterThan(1)
  })

  it('a dense run by hand; under full batch the fit split is the whole training set', () => {
    // evaluations at 0, 100, 200 and the last step 250
    expect(evaluationsIn(dense, 250)).toBe(4)
    expect(evaluationsIn(dense, 200)).toBe(3)
    expect(runFlops(dense, 250)).toBe(250 * 6 * 100 * denseMacs + 4 * (2 * denseMacs * (200 + 300) + 6 * denseMacs * 300))
    const full = parseRunConfig({ ...dense, optimizer: { learningRate: 0.01, batchSize: 0 } })
    expect(estimateResources(full).flopsPerEvaluation).toBe(2 * denseMacs * (200 + 1000) + 6 * denseMacs * 300)
  })

  it('estimates a run at its work over the speed of its family, evaluations included', () => {
    const speed = { flopsPerSecond: 1e9, measured: true, source: 'runs' as const, runs: 1 }
    expect(estimateExperiment([lenet], 1, speed).total).toBeCloseTo(runFlops(lenet, 400) / 1e9, 9)
    expect(runShape(lenet).flopsPerStep * 400).toBeCloseTo(runFlops(lenet, 400), 0)
    expect(runShape(lenet).family).toBe('conv')
    expect(runShape(dense).family).toBe('dense')
  })
})

describe('the lab’s speed by model family', () => {
  it('a conv run’s speed never feeds a dense estimate, nor a dense run’s a conv one', () => {
    const convRun = completed(lenet, 40) // runFlops / 40 s
    const denseRun = completed(dense, 2)
    const runs = [denseRun, convRun]
    expect(measuredSpeed(runs, {}, 'conv')).toMatchObject({ flopsPerSecond: runFlops(lenet, 400) / 40, source: 'runs', runs: 1, family: 'conv' })
    expect(measuredSpeed(runs, {}, 'dense')).toMatchObject({ flopsPerSecond: runFlops(dense, 250) / 2, source: 'runs', runs: 1, family: 'dense' })
    // only conv runs: the dense speed is the dense calibration's, or assumed; and the other way round
    const calibration = { flopsPerSecond: 3e10, seconds: 0.3, steps: 9, backend: 'blas', measuredAt: '' }
    expect(measuredSpeed([convRun], { dense: calibration }, 'dense')).toMatchObject({ flopsPerSecond: 3e10, source: 'calibration' })
    expect(measuredSpeed([convRun], {}, 'dense')).toMatchObject({ flopsPerSecond: fallbackFlopsPerSecond.dense, source: 'assumed' })
    expect(measuredSpeed([denseRun], { dense: calibration }, 'conv')).toMatchObject({ flopsPerSecond: fallbackFlopsPerSecond.conv, source: 'assumed' })
    const convCalibration = { ...calibration, flopsPerSecond: 2e9, seconds: 0.42 }
    expect(measuredSpeed([denseRun], { dense: calibration, conv: convCalibration }, 'conv')).toMatchObject({ flopsPerSecond: 2e9, source: 'calibration', family: 'conv' })
    expect(speedNote(measuredSpeed([denseRun], { conv: convCalibration }, 'conv'))).toBe('from a 0.4 s conv calibration')
    expect(speedNote(measuredSpeed(runs, {}, 'conv'))).toBe('from 1 conv run on this machine')
  })

  it('an older lab’s one calibration (the dense key) reads as its dense speed and leaves conv unmeasured', () => {
    const stored = new Map<string, unknown>([['speedCalibration', { flopsPerSecond: 3e10, seconds: 0.3, steps: 9, backend: 'blas', measuredAt: '' }]])
    const calibrations = storedCalibrations((key) => stored.get(key) ?? null)
    expect(calibrationKeys.dense).toBe('speedCalibration')
    expect(calibrations.dense?.flopsPerSecond).toBe(3e10)
    expect(calibrations.conv).toBeNull()
    expect(measuredSpeed([], calibrations, 'conv').source).toBe('assumed')
  })

  it('an experiment is estimated at each run’s family speed, and its basis names both', () => {
    const speeds = { dense: 5e10, conv: 2e9 }
    const speedOn = (_backend?: string, family: 'dense' | 'conv' = 'dense') => ({ flopsPerSecond: speeds[family], measured: true, source: 'calibration' as const, calibrationSeconds: family === 'conv' ? 0.5 : 0.3, family })
    const mixed = [dense, lenet]
    // one worker: the runs' times add up, each at its own family's speed
    expect(estimateExperiment(mixed, 1, speedOn).total).toBeCloseTo(runFlops(dense, 250) / 5e10 + runFlops(lenet, 400) / 2e9, 9)
    expect(estimateBasis([dense], speedOn)).toBe('from a 0.3 s calibration')
    expect(estimateBasis(lenetQuick, speedOn)).toBe('from a 0.5 s conv calibration')
    expect(estimateBasis(mixed, speedOn)).toBe('dense from a 0.3 s calibration; conv from a 0.5 s conv calibration')
    expect(modelFamily(lenet)).toBe('conv')
    // the LeNet quick preset on 2 workers at 2 GFLOP/s: 8 runs each, minutes, not "a few seconds"
    expect(estimateExperiment(lenetQuick, 2, speedOn).total).toBeCloseTo((8 * runFlops(lenet, 400)) / 2e9, 6)
    const long = lenetQuick.map((c) => ({ ...c, steps: 40_000 }))
    expect(timeWarning([dense, ...long], 2, speedOn)).toMatch(/\(longest run .*, dense at 50\.0 GFLOP\/s, from a 0\.3 s calibration; conv at 2\.00 GFLOP\/s, from a 0\.5 s conv calibration\)$/)
  })

  it('the live ETA reads the lab’s speed by family, and a measured conv run never sets a dense run’s speed', () => {
    let clock = 0
    const asked: string[] = []
    const lab = (backend?: string, family?: string) => (asked.push(`${backend ?? 'auto'}/${family}`), family === 'conv' ? 2e9 : 5e10)
    const eta = createProgressEstimator(1, { now: () => clock, labSpeed: lab })
    eta.start()
    const convShape = runShape(lenet)
    const denseShape = runShape(dense)
    eta.add({ runId: 1, experimentId: 1, ...convShape })
    eta.add({ runId: 2, experimentId: 1, ...denseShape })
    // at the start: each at its family's lab speed, one after the other on one worker
    const convMs = (400 * convShape.flopsPerStep) / 2e6
    const denseMs = (250 * denseShape.flopsPerStep) / 5e7
    expect(eta.etaMs(1)).toBeCloseTo(convMs + denseMs, 6)
    expect(asked).toEqual(['auto/conv', 'auto/dense'])
    // the conv run trains at a tenth of the lab's conv speed: its own rate counts for it, and the
    // dense run queued behind it keeps the dense lab speed
    eta.started(1, 0)
    const slowMsPerStep = convShape.flopsPerStep / 2e5
    clock = 10
    eta.progress(1, 1)
    clock = 10 + 199 * slowMsPerStep
    eta.progress(1, 200)
    expect(eta.etaMs(1)).toBeCloseTo(200 * slowMsPerStep + denseMs, 6)
    // finished, its measurement stays with conv runs
    clock = 10 + 399 * slowMsPerStep
    eta.finished(1, 400, true)
    eta.add({ runId: 3, experimentId: 1, ...convShape })
    expect(eta.etaMs(1)).toBeCloseTo(denseMs + 400 * slowMsPerStep, 3)
  })
})
