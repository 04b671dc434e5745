/**
 * What measuring costs against training, at the width preset's cadence (evalEvery 200), on the
 * blas backend: the measures at most 10% of training time, timed as CPU time of this process (one
 * BLAS thread) so that other load on the machine does not decide the outcome. And the theory
 * measures' spectra from LAPACK equal ml-matrix's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import { createSyntheticDataset } from '../../src-main/data/synthetic'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import { createSession } from '../../src-main/engine/session'
import { initBackend } from '../../src-main/engine/tf'
import { symmetricEigenvalues, symmetricEigenvaluesInJs } from '../../src-main/engine/theory'
import { createRng } from '../../src-main/lib/random'

let threadsBefore = 1
beforeAll(async () => {
  expect(loadBlas(), `the BLAS addon must be built here: ${blasUnavailableReason()}`).not.toBeNull()
  await initBackend('blas')
  threadsBefore = loadBlas()!.threads()
  loadBlas()!.setThreads(1)
})
afterAll(async () => {
  loadBlas()!.setThreads(threadsBefore)
  await initBackend('auto')
})

const cpuMs = (body: () => void) => {
  const start = process.cpuUsage()
  body()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Evaluation time ÷ the time of evalEvery training steps, median of three. */
function evaluationShare(hidden: number, theory: boolean): number {
  const config = parseRunConfig({
    seed: 1,
    data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer', teacherWidth: 200, teacherActivation: 'relu' },
    model: { kind: 'two-layer', hidden, activation: 'relu', outputs: 1 },
    rule: 'fa',
    loss: 'mse',
    optimizer: { learningRate: 0.01, batchSize: 0 },
    regularization: { outputL2: 0.1 },
    steps: 20000,
    evalEvery: 200,
    theory: { enabled: theory },
  })
  const session = createSession(config, createSyntheticDataset(config.data as never, 1, config.seed))
  try {
    expect(session.path).toBe('fused')
    session.evaluate()
    for (let i = 0; i < 20; i++) session.step()
    const shares = [0, 1, 2].map(() => {
      const training = cpuMs(() => {
        for (let i = 0; i < config.evalEvery; i++) session.step()
      })
      const measuring = median([0, 1, 2].map(() => cpuMs(() => session.evaluate())))
      return measuring / training
    })
    return median(shares)
  } finally {
    session.dispose()
  }
}

describe('evaluation cost at the width preset’s evalEvery', () => {
  for (const hidden of [100, 3200])
    it(`p = ${hidden}: the measures cost at most 10% of training`, () => {
      expect(evaluationShare(hidden, false)).toBeLessThan(0.1)
    })

  it('p = 3200 with the theory measures on: at most 10% of training', () => {
    expect(evaluationShare(3200, true)).toBeLessThan(0.1)
  })
})

describe('spectra for the theory measures', () => {
  it('LAPACK (through the addon) gives ml-matrix’s eigenvalues of (A + Aᵀ)/2', () => {
    const rng = createRng(3, 'eigen')
    for (const size of [1, 2, 7, 50]) {
      const a = Float64Array.from(rng.normalArray(size * size))
      const fast = symmetricEigenvalues(a, size)
      const reference = symmetricEigenvaluesInJs(a, size)
      const scale = Math.max(...reference.map(Math.abs))
      fast.forEach((v, i) => expect(Math.abs(v - reference[i])).toBeLessThan(1e-9 * scale))
    }
  })
})
