/**
 * The runner's queue: run ids waiting for a worker, in order, each with its experiment. Adding a
 * run, taking the next, removing one from anywhere and looking one up are O(1) (amortised), so a
 * queue of 10,000 runs costs each run what a queue of 10 does.
 */
export interface RunQueue {
  readonly size: number
  /** Appends a run (a run already queued keeps its place). */
  push(runId: number, experimentId: number | null): void
  /** Removes and returns the first run, or undefined when empty. */
  shift(): number | undefined
  /** Removes a run wherever it is; false when it was not queued. */
  remove(runId: number): boolean
  has(runId: number): boolean
  /** The run's experiment (undefined when the run is not queued). */
  experimentOf(runId: number): number | null | undefined
  /** The queued runs in order. */
  ids(): number[]
}

interface Entry {
  runId: number
  experimentId: number | null
  /** False once removed: the entry stays in `order` until it is reached, then is skipped. */
  queued: boolean
}

export function createRunQueue(): RunQueue {
  const members = new Map<number, Entry>()
  let order: Entry[] = []
  let head = 0

  return {
    get size() {
      return members.size
    },
    push(runId, experimentId) {
      if (members.has(runId)) return
      const entry = { runId, experimentId, queued: true }
      members.set(runId, entry)
      order.push(entry)
    },
    shift() {
      while (head < order.length) {
        const entry = order[head++]
        if (!entry.queued) continue
        entry.queued = false
        members.delete(entry.runId)
        // drop the taken part now and then, so the array does not grow with every run ever queued
        if (head > 1024 && head * 2 > order.length) {
          order = order.slice(head)
          head = 0
        }
        return entry.runId
      }
      order = []
      head = 0
      return undefined
    },
    remove(runId) {
      const entry = members.get(runId)
      if (!entry) return false
      entry.queued = false
      members.delete(runId)
      if (members.size === 0) {
        order = []
        head = 0
      }
      return true
    },
    has: (runId) => members.has(runId),
    experimentOf: (runId) => members.get(runId)?.experimentId,
    ids() {
      const out: number[] = []
      for (let i = head; i < order.length; i++) if (order[i].queued) out.push(order[i].runId)
      return out
    },
  }
}
