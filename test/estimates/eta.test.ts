import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import { createProgressEstimator } from '../../src-main/estimates/eta'
import { estimateExperiment, runShape } from '../../src-main/estimates/time'

const shape = (runId: number, totalSteps: number, flopsPerStep = 1e6, experimentId: number | null = 1) => ({ runId, experimentId, totalSteps, flopsPerStep })

describe('progress estimator (time left from measured speeds)', () => {
  it('says nothing until a run has trained long enough, and never counts start-up', () => {
    let clock = 0
    const eta = createProgressEstimator(2, { now: () => clock })
    eta.start()
    eta.add(shape(1, 1000))
    expect(eta.etaMs(1)).toBeNull()
    // a worker takes 5 s to load the run: none of that enters the rate
    clock = 5000
    eta.started(1, 0)
    clock = 5300
    eta.progress(1, 30) // the first step report: the measurement starts here
    clock = 6000
    eta.progress(1, 100)
    expect(eta.etaMs(1)).toBeNull() // 0.7 s measured: still estimating
    clock = 6300
    eta.progress(1, 130)
    // 100 steps in 1 s of training (not in 6.3 s): 870 steps left at 100 steps/s
    expect(eta.etaMs(1)).toBeCloseTo(8700, 9)
    // between reports the time since the last one is taken off
    clock = 6700
    expect(eta.etaMs(1)).toBeCloseTo(8300, 9)
  })

  it('lays queued runs on the first free worker at the measured speed of runs of the same shape', () => {
    let clock = 0
    const eta = createProgressEstimator(2, { now: () => clock })
    eta.start()
    eta.add(shape(1, 1000))
    eta.add(shape(2, 1000))
    eta.add(shape(3, 1000))
    eta.add(shape(4, 500, 4e6, 2)) // another experiment, four times the work per step
    eta.started(1, 0)
    eta.started(2, 0)
    clock = 100
    // the first step reports: the measurement starts here (the step-0 evaluation and warm-up are behind)
    eta.progress(1, 10)
    eta.progress(2, 5)
    expect(eta.etaMs(1)).toBeNull()
    clock = 1100
    eta.progress(1, 110) // 100 steps/s
    eta.progress(2, 55) // 50 steps/s
    // run 1 ends in 8.9 s, run 2 in 18.9 s. Runs of 1e6 FLOP/step: 150 steps in 2 s = 75 steps/s,
    // so run 3 takes 13.33 s on run 1's worker: 8.9 + 13.33 s. Run 4 (no run of its shape measured)
    // goes at every measured run's 75e6 FLOP/s: 500 · 4e6 / 75e6 = 26.67 s, on run 2's worker
    // (free at 18.9 s, before run 3's ends at 22.23 s): done at 45.57 s.
    expect(eta.etaMs(1)).toBeCloseTo(8900 + 1000_000 / 75, 6)
    expect(eta.etaMs(2)).toBeCloseTo(18_900 + 2_000_000 / 75, 6)
    expect(eta.etaMs()).toBeCloseTo(18_900 + 2_000_000 / 75, 6)
    expect([eta.runsDone, eta.runsTotal]).toEqual([0, 4])
  })

  it('keeps finished runs measured, and a resumed run counts only the steps it trains now', () => {
    let clock = 0
    const eta = createProgressEstimator(1, { now: () => clock })
    eta.start()
    eta.add(shape(1, 200))
    eta.add(shape(2, 400))
    eta.started(1, 0)
    clock = 2000
    eta.finished(1, 200) // 100 steps/s
    expect(eta.etaMs(1)).toBeCloseTo(4000, 9) // run 2, queued: 400 steps at 100 steps/s
    // run 2 resumes from a checkpoint at step 300: 100 steps left
    eta.started(2, 300)
    expect(eta.etaMs(1)).toBeCloseTo(1000, 9) // its own rate not yet measured: the shape's
    clock = 2600
    eta.progress(2, 330) // its first step report: 70 left at the shape's 100 steps/s
    expect(eta.etaMs(1)).toBeCloseTo(700, 9)
    clock = 3200
    eta.progress(2, 360)
    expect(eta.etaMs(1)).toBeCloseTo(400, 9) // 0.6 s measured: still the shape's rate
    clock = 3600
    eta.progress(2, 390) // 60 steps in 1 s: 60 steps/s, its own rate now (the shape's would say 100 ms)
    expect(eta.etaMs(1)).toBeCloseTo(10_000 / 60, 9)
    clock = 4000
    eta.finished(2, 400) // reports over 1.4 s: the last 1 s or more, from 2.6 s: 70 steps in 1.4 s
    expect([eta.runsDone, eta.runsTotal]).toEqual([2, 2])
    expect(eta.etaMs(1)).toBe(0)
    eta.start()
    eta.add(shape(3, 100))
    // a new batch: counts and measurements start over; with no lab speed given, it waits for one
    expect([eta.runsDone, eta.runsTotal]).toEqual([0, 1])
    expect(eta.etaMs(1)).toBeNull()
  })

  it('goes by the later half of a run’s reports, past its warm-up', () => {
    let clock = 0
    const eta = createProgressEstimator(1, { now: () => clock })
    eta.start()
    eta.add(shape(1, 10_000))
    eta.started(1, 0)
    // 100 steps/s for the first second, then 400 steps/s
    for (const [at, step] of [[200, 20], [1200, 120], [1700, 320], [2200, 520], [2700, 720], [3200, 920]]) {
      clock = at
      eta.progress(1, step)
    }
    // reports over 3 s: the later half is from 1.7 s, 600 steps in 1.5 s
    expect(eta.etaMs(1)).toBeCloseTo(((10_000 - 920) / 400) * 1000, 9)
  })

  it('a run that never started counts as done and adds no measurement', () => {
    let clock = 0
    const eta = createProgressEstimator(2, { now: () => clock })
    eta.start()
    eta.add(shape(1, 10))
    eta.add(shape(2, 10))
    eta.finished(1, 0)
    clock = 500
    expect([eta.runsDone, eta.runsTotal]).toEqual([1, 2])
    expect(eta.etaMs(1)).toBeNull()
  })

  it('starts from the lab’s speed, as the form’s estimate of the same runs, until runs of the batch are measured', () => {
    let clock = 0
    const asked: (string | undefined)[] = []
    const lab = (backend?: string) => (backend === 'wasm' ? 1e8 : 1e9)
    const eta = createProgressEstimator(2, { now: () => clock, labSpeed: (backend) => (asked.push(backend), lab(backend)) })
    const base = { seed: 1, data: { kind: 'synthetic', n: 50, inputDim: 100 }, model: { kind: 'two-layer', hidden: 100 }, rule: 'fa', optimizer: { learningRate: 0.01 }, evalEvery: 100 }
    // unequal runs, the third forced onto a slower backend, 5 of them on 2 workers
    const configs = [300, 300, 200, 400, 100].map((steps, i) => parseRunConfig({ ...base, steps, backend: i === 2 ? 'wasm' : 'auto' }))
    eta.start()
    configs.forEach((config, i) => eta.add({ runId: i + 1, experimentId: 7, ...runShape(config) }))
    const form = estimateExperiment(configs, 2, (backend) => ({ flopsPerSecond: lab(backend), measured: true, source: 'runs', runs: 3, backend }))
    expect(eta.etaMs(7)! / 1000).toBeCloseTo(form.total, 9)
    // the lab's speed is asked once per backend in a batch, however many runs
    eta.etaMs(7)
    expect(asked).toEqual([undefined, 'wasm'])

    // runs 1 and 2 train at 5e8 FLOP/s, half the lab's speed: 200 steps in 1.2 s. A run's work per
    // step takes in its share of its evaluations, so it differs with the run's length
    const msAt = (steps: number, flopsPerSecond: number, run = 1) => (1000 * steps * runShape(configs[run - 1]).flopsPerStep) / flopsPerSecond
    eta.started(1, 0)
    eta.started(2, 0)
    clock = 100
    eta.progress(1, 1)
    eta.progress(2, 1)
    clock = 100 + msAt(200, 5e8)
    eta.progress(1, 201)
    eta.progress(2, 201)
    // both have 99 steps left at their own rate; run 4 (auto) goes at the batch's 5e8, run 3 (wasm,
    // nothing of its backend measured in the batch) at the lab's 1e8. Run 3 and run 4 start when runs
    // 1 and 2 end; run 5 follows run 4, which ends first.
    const left = msAt(99, 5e8)
    // the batch's measured FLOP/s is runs 1 and 2's (their shape), applied to run 4's and 5's work
    expect(eta.etaMs(7)).toBeCloseTo(Math.max(left + msAt(200, 1e8, 3), left + msAt(400, 5e8, 4) + msAt(100, 5e8, 5)), 6)

    // with no lab speed and nothing measured: null ("estimating…"), never a guess
    const none = createProgressEstimator(2, { now: () => clock, labSpeed: () => null })
    none.start()
    none.add({ runId: 1, experimentId: 1, ...runShape(configs[0]) })
    expect(none.etaMs(1)).toBeNull()
  })

  it('an estimate visits each unfinished run once: its work grows as N, not N²', () => {
    const work = (n: number) => {
      let clock = 0
      const eta = createProgressEstimator(2, { now: () => clock, labSpeed: () => 1e9 })
      eta.start()
      // a sweep of three shapes, several finished and two training (measured), the rest queued
      for (let i = 0; i < n; i++) eta.add(shape(i + 1, 100 + (i % 3) * 100, 1e6 * (1 + (i % 3))))
      for (let i = 1; i <= 6; i++) {
        eta.started(i, 0)
        clock += 10
        eta.progress(i, 10)
        clock += 1500
        eta.progress(i, 100)
        if (i <= 4) eta.finished(i, 100 + ((i - 1) % 3) * 100)
      }
      const before = eta.visits
      expect(eta.etaMs(1)).not.toBeNull()
      return eta.visits - before
    }
    const small = work(1000)
    const large = work(10_000)
    // about two visits per run (laying it, and its speed looked up): ten times the runs, ten times the work
    expect(small).toBeLessThan(3 * 1000)
    expect(large / small).toBeGreaterThan(9)
    expect(large / small).toBeLessThan(11)
  })
})
