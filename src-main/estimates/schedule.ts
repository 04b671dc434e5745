/**
 * The lab's one scheduling model, read by every time estimate (the preset cards, the form, `run`'s
 * warning and the live ETA): the runs are laid onto the workers in queue order, each taking the
 * first worker free, as the runner dispatches them. The time is when the last of them ends.
 * Linear in the runs (a heap over the workers): estimating a queue of N runs costs O(N log workers).
 */

export interface ScheduledRun {
  /** The run's estimated training time, in milliseconds. */
  ms: number
  /** Its experiment (null for runs outside one): the schedule reports each experiment's end. */
  experimentId: number | null
}

export interface Schedule {
  /** When the last run ends, in ms from now (0 for no runs and idle workers). */
  endMs: number
  /** When each experiment's last run ends, in ms from now. */
  byExperiment: Map<number | null, number>
  /** Runs laid (the work done: one heap step each). */
  laid: number
}

/**
 * Lays `runs` (in queue order) onto `workers` workers, the first worker free taking the next run.
 * `busyMs` are the times at which busy workers become free (at most `workers` of them; the rest are
 * free now); `ends` seeds the per-experiment ends (running runs' own ends).
 */
export function layOnWorkers(runs: Iterable<ScheduledRun>, workers: number, busyMs: readonly number[] = [], ends: Map<number | null, number> = new Map()): Schedule {
  const free = new MinHeap()
  for (const ms of busyMs) free.push(Math.max(0, ms))
  while (free.size < Math.max(1, workers)) free.push(0)
  let endMs = Math.max(0, ...busyMs, ...ends.values())
  let laid = 0
  for (const run of runs) {
    const end = free.pop() + run.ms
    free.push(end)
    laid++
    if (end > endMs) endMs = end
    const previous = ends.get(run.experimentId)
    if (previous === undefined || end > previous) ends.set(run.experimentId, end)
  }
  return { endMs, byExperiment: ends, laid }
}

/** A binary min-heap of numbers (the workers' free times). */
class MinHeap {
  private items: number[] = []

  get size(): number {
    return this.items.length
  }

  push(value: number): void {
    const items = this.items
    let i = items.push(value) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (items[parent] <= value) break
      items[i] = items[parent]
      i = parent
    }
    items[i] = value
  }

  pop(): number {
    const items = this.items
    const top = items[0]
    const last = items.pop()!
    if (items.length > 0) {
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        if (left >= items.length) break
        const child = left + 1 < items.length && items[left + 1] < items[left] ? left + 1 : left
        if (items[child] >= last) break
        items[i] = items[child]
        i = child
      }
      items[i] = last
    }
    return top
  }
}
