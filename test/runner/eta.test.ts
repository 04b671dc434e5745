import { describe, expect, it } from 'vitest'
import { createBatchProgress } from '../../src-main/runner/eta'

describe('batch progress and ETA', () => {
  it('extrapolates the time left from the steps done so far at the batch rate', () => {
    let clock = 1000
    const batch = createBatchProgress(() => clock)
    batch.start()
    batch.add(100)
    batch.add(300)
    expect(batch.etaMs(0)).toBeNull()
    clock += 2000
    // 50 of 400 steps in 2 s: 350 steps left at 25 steps/s
    expect(batch.etaMs(50)).toBeCloseTo(14_000, 9)
    batch.finished(100)
    clock += 2000
    // 100 finished + 100 in flight in 4 s: 200 left at 50 steps/s
    expect(batch.etaMs(100)).toBeCloseTo(4000, 9)
    expect([batch.runsDone, batch.runsTotal]).toEqual([1, 2])
  })

  it('counts runs that never started as done with no steps, and starts over on a new batch', () => {
    let clock = 0
    const batch = createBatchProgress(() => clock)
    batch.start()
    batch.add(10)
    batch.add(10)
    batch.finished(0)
    expect([batch.runsDone, batch.runsTotal]).toEqual([1, 2])
    expect(batch.etaMs(0)).toBeNull()
    clock = 500
    batch.start()
    batch.add(40)
    clock = 600
    expect([batch.runsDone, batch.runsTotal]).toEqual([0, 1])
    expect(batch.etaMs(10)).toBeCloseTo(300, 9)
  })
})
