import { describe, expect, it } from 'vitest'
import { layOnWorkers } from '../../src-main/estimates/schedule'

const runs = (ms: number[], experimentId: number | null = 1) => ms.map((m) => ({ ms: m, experimentId }))

describe('the scheduling model: runs laid onto the workers in queue order', () => {
  it('gives each run to the first worker free, not the total divided by the workers', () => {
    // 2 workers: A takes 3; B takes 1, 1, 1 (free at 1, then 2): everything ends at 3
    expect(layOnWorkers(runs([3, 1, 1, 1]), 2).endMs).toBe(3)
    // three equal runs on two workers take two run-lengths, not one and a half
    expect(layOnWorkers(runs([10, 10, 10]), 2).endMs).toBe(20)
    // a long run last in the queue: the third short run and it both start at 1, one on each worker
    expect(layOnWorkers(runs([1, 1, 1, 10]), 2).endMs).toBe(11)
    expect(layOnWorkers([], 4).endMs).toBe(0)
  })

  it('starts from the busy workers’ free times and reports each experiment’s end', () => {
    // worker A busy until 5, B until 2
    const schedule = layOnWorkers([...runs([4], 1), ...runs([1], 2), ...runs([3], 1)], 2, [5, 2])
    // B (2) takes the 4: ends 6; A (5) takes the 1: ends 6; the 3 goes to whichever frees first (6): ends 9
    expect(schedule.endMs).toBe(9)
    expect(schedule.byExperiment.get(1)).toBe(9)
    expect(schedule.byExperiment.get(2)).toBe(6)
    expect(schedule.laid).toBe(3)
    // a busy run's own end counts for its experiment when nothing of it is queued
    expect(layOnWorkers(runs([1], 2), 2, [7], new Map([[3, 7]])).byExperiment.get(3)).toBe(7)
  })

  it('lays each run once: N runs are N heap steps', () => {
    for (const n of [10, 1000, 10_000]) expect(layOnWorkers(runs(Array.from({ length: n }, (_, i) => 1 + (i % 7))), 3).laid).toBe(n)
    // and equals a plain simulation of the rule (the soonest free worker takes the next run)
    const durations = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 97) + 1)
    const free = [0, 0, 0, 0, 0]
    for (const d of durations) {
      const i = free.indexOf(Math.min(...free))
      free[i] += d
    }
    expect(layOnWorkers(runs(durations), 5).endMs).toBe(Math.max(...free))
  })
})
