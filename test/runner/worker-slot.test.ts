import { describe, expect, it } from 'vitest'
import { describeWorkerError, spawnSlot } from '../../src-main/runner/worker-slot'

/** A worker that says it is ready, reports one failure, then exits with code 3. */
const script = `
import { parentPort } from 'node:worker_threads'
parentPort.postMessage({ type: 'ready' })
parentPort.postMessage({ type: 'failed', runId: 9, message: 'no data' })
setTimeout(() => process.exit(3), 20)
`

describe('a worker slot', () => {
  it('resolves ready on the first message, hands on the others, then reports the exit code', async () => {
    const messages: unknown[] = []
    const exit = new Promise<number>((resolve) => {
      const slot = spawnSlot(new URL(`data:text/javascript,${encodeURIComponent(script)}`), undefined, {
        message: (m) => messages.push(m),
        error: (m) => messages.push(`error: ${m}`),
        exit: resolve,
      })
      expect(slot.runId).toBeNull()
      void slot.ready.then(() => messages.push('ready'))
    })
    expect(await exit).toBe(3)
    expect(messages).toEqual(['ready', { type: 'failed', runId: 9, message: 'no data' }])
  })

  it('names the heap limit when a worker runs out of memory', () => {
    const oom = Object.assign(new Error('worker terminated'), { code: 'ERR_WORKER_OUT_OF_MEMORY' })
    expect(describeWorkerError(oom, 24)).toBe('ran out of memory (worker heap limit 24 MiB)')
    expect(describeWorkerError(oom)).toBe('ran out of memory (worker heap limit default MiB)')
    expect(describeWorkerError(new Error('boom'), 24)).toBe('boom')
  })
})
