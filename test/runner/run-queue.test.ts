import { describe, expect, it } from 'vitest'
import { createRunQueue } from '../../src-main/runner/run-queue'

describe('the runner’s queue', () => {
  it('keeps order, removes from anywhere, and a run queued again goes to the back', () => {
    const queue = createRunQueue()
    for (const id of [1, 2, 3, 4, 5]) queue.push(id, id % 2)
    queue.push(3, 1) // already queued: keeps its place
    expect(queue.remove(3)).toBe(true)
    expect(queue.remove(3)).toBe(false)
    expect(queue.shift()).toBe(1)
    queue.push(3, 1)
    expect(queue.ids()).toEqual([2, 4, 5, 3])
    expect([queue.size, queue.has(4), queue.has(1), queue.experimentOf(5), queue.experimentOf(1)]).toEqual([4, true, false, 1, undefined])
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([2, 4, 5, 3, undefined])
  })

  it('takes 10,000 runs in order with some cancelled on the way', () => {
    const queue = createRunQueue()
    for (let id = 1; id <= 10_000; id++) queue.push(id, null)
    for (let id = 3; id <= 10_000; id += 3) queue.remove(id)
    const taken: number[] = []
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) taken.push(id)
    expect(taken).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1).filter((id) => id % 3 !== 0))
    expect(queue.size).toBe(0)
  })
})
