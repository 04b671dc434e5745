import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { decodeCheckpoint } from '../../src-main/engine/checkpoint'
import { setBlasThreads } from '../../src-main/engine/blas'
import { initBackend } from '../../src-main/engine/tf'
import { train } from '../../src-main/engine/train'
import { trainRecorded as run } from './record'

/**
 * The authors' stopping rule (`stopping.checksFrom: 'start'`, Song et al.'s simulation_align.py):
 * checks at every multiple c of checkEvery from step 0 on the loss before that step's update, the
 * first against 0; a settled check latches; the run ends at max(minSteps, first settled check).
 * Each case is worked out by hand from the run's own loss trajectory, logged at every step by a
 * run without a stop, then compared with the engine's stop on both the fused BLAS step and tf ops.
 */
const tiny: RunConfigInput = {
  seed: 3,
  data: { kind: 'synthetic', n: 20, inputDim: 5, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 16, activation: 'linear', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.05 },
  regularization: { outputL2: 0.1 },
  steps: 240,
  evalEvery: 1,
}
const checkEvery = 20

/** The loss at the parameters after t updates, t = 0…steps, from a run without a stop. */
async function trajectory(backend: 'blas' | 'cpu'): Promise<number[]> {
  const { evaluations } = await run({ ...tiny, backend })
  expect(evaluations.map((e) => e.step)).toEqual(Array.from({ length: tiny.steps + 1 }, (_, t) => t))
  return evaluations.map((e) => e.metrics.trainLoss)
}

/** The authors' loop on a recorded trajectory: the number of updates their run does, or null if it would pass `steps`. */
function authorsEnd(loss: number[], minSteps: number, tolerance: number): number | null {
  let record = 0
  let settled = false
  for (let t = 0; t < loss.length - 1; t++) {
    if (t >= minSteps && settled) return t
    if (t % checkEvery === checkEvery - 1) {
      if (Math.abs(loss[t] - record) < tolerance) settled = true
      record = loss[t]
    }
  }
  return settled && loss.length - 1 >= minSteps ? loss.length - 1 : null
}

/** |loss(kc − 1) − loss((k − 1)c − 1)| for the checks k = 1, 2, …, the first against 0. */
function moves(loss: number[]): number[] {
  const out: number[] = []
  let record = 0
  for (let s = checkEvery; s < loss.length; s += checkEvery) {
    out.push(Math.abs(loss[s - 1] - record))
    record = loss[s - 1]
  }
  return out
}

async function stopAt(backend: 'blas' | 'cpu', minSteps: number, lossTolerance: number) {
  const { result } = await run({ ...tiny, backend, evalEvery: 50, stopping: { checksFrom: 'start', minSteps, checkEvery, lossTolerance } })
  return result
}

beforeAll(async () => {
  await initBackend('auto')
  // one BLAS thread: these products are tiny, and two threads on a busy machine make them many times slower
  setBlasThreads(1)
})

describe.each(['blas', 'cpu'] as const)('the authors’ stopping rule (checks from step 0, latching) on %s', (backend) => {
  it('ends at the first settled check when it comes after minSteps, at minSteps when it comes before, and at step-limit when none settles', async () => {
    const loss = await trajectory(backend)
    const m = moves(loss)
    // A tolerance that first settles at the fourth check (step 80): between its move and the smaller of the three before.
    const k = 3
    expect(m[k]).toBeLessThan(Math.min(...m.slice(0, k)))
    const tolerance = (m[k] + Math.min(...m.slice(0, k))) / 2
    const settledAt = (k + 1) * checkEvery
    expect(authorsEnd(loss, 0, tolerance)).toBe(settledAt)

    // minSteps before the settled check and not on a multiple of checkEvery: the run ends at the check
    const early = await stopAt(backend, 45, tolerance)
    expect(authorsEnd(loss, 45, tolerance)).toBe(settledAt)
    expect(early).toMatchObject({ steps: settledAt, stopReason: 'converged' })

    // minSteps after it: the check latched, so the run ends at minSteps exactly (no further check needed)
    const late = await stopAt(backend, 133, tolerance)
    expect(authorsEnd(loss, 133, tolerance)).toBe(133)
    expect(late).toMatchObject({ steps: 133, stopReason: 'converged' })

    // The lab's own rule (checks from minSteps, no latch) with the same numbers ends elsewhere.
    const lab = await run({ ...tiny, backend, evalEvery: 50, stopping: { minSteps: 133, checkEvery, lossTolerance: tolerance } })
    expect(lab.result.steps).not.toBe(133)

    // No check settles: the run reaches steps and says so.
    const never = await stopAt(backend, 45, 1e-30)
    expect(authorsEnd(loss, 45, 1e-30)).toBeNull()
    expect(never).toMatchObject({ steps: tiny.steps, stopReason: 'step-limit' })
  })

  it('compares the first check with 0, as the authors’ loss_record = 0', async () => {
    const loss = await trajectory(backend)
    // a tolerance just above the loss before step 20's update settles at the first check; just below does not
    const above = await stopAt(backend, 0, loss[checkEvery - 1] * 1.001)
    expect(above).toMatchObject({ steps: checkEvery, stopReason: 'converged' })
    const below = await stopAt(backend, 0, Math.min(loss[checkEvery - 1] * 0.999, moves(loss)[1] * 0.999))
    expect(below.steps).toBeGreaterThan(checkEvery)
  })
})

describe('the authors’ stopping rule across a checkpoint', () => {
  it('a run resumed after its check latched still ends at minSteps', async () => {
    const config = parseRunConfig({ ...tiny, evalEvery: 50, stopping: { checksFrom: 'start', minSteps: 133, checkEvery, lossTolerance: 1e3 } })
    const data = await loadDataset(config)
    const saved = new Map<number, Uint8Array>()
    const whole = await train(config, data, { checkpoint: { everySteps: 30, minIntervalMs: 0, save: (bytes, step) => saved.set(step, bytes) } })
    expect(whole).toMatchObject({ steps: 133, stopReason: 'converged' })
    // the check at step 20 settled (|loss − 0| < 1000) and the checkpoint at 60 carries the latch
    expect(decodeCheckpoint(saved.get(60)!).loop.settledAt).toBe(checkEvery)
    const resumed = await train(config, data, {}, decodeCheckpoint(saved.get(60)!))
    expect(resumed).toMatchObject({ steps: 133, stopReason: 'converged' })
  })

  it('is an option of stopping: parsed, and absent from configs that do not ask for it', () => {
    expect(parseRunConfig({ ...tiny, stopping: { minSteps: 0, checkEvery, lossTolerance: 1e-3 } }).stopping!.checksFrom).toBeUndefined()
    expect(() => parseRunConfig({ ...tiny, stopping: { checksFrom: 'end', minSteps: 0, checkEvery, lossTolerance: 1e-3 } })).toThrow(/checksFrom/)
  })
})
