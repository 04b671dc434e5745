import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Activation, LossKind, ModelConfig, RuleKind } from '../../src-shared/config'
import { parseRunConfig } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { blasUnavailableReason, loadBlas } from '../../src-main/engine/blas'
import { createNetwork, disposeNetwork, networkSpec } from '../../src-main/engine/network'
import { createRule } from '../../src-main/engine/rules'
import { initBackend, tf } from '../../src-main/engine/tf'
import { ruleUpdates } from '../../src-main/engine/session'
import { train, type Evaluation } from '../../src-main/engine/train'
import { createRng } from '../../src-main/lib/random'
import { relativeError } from './reference'

beforeAll(() => {
  expect(loadBlas(), `the BLAS addon must be built here (npm test's pretest builds it): ${blasUnavailableReason()}`).not.toBeNull()
})
afterAll(async () => {
  await initBackend('auto')
})

describe('BLAS addon', () => {
  it('multiplies row-major float32 matrices, in every transpose combination', () => {
    const blas = loadBlas()!
    // A = [[1,2,3],[4,5,6]] (2×3), B = [[1,0],[0,1],[1,1]] (3×2): A·B = [[4,5],[10,11]]
    const A = Float32Array.from([1, 2, 3, 4, 5, 6])
    const At = Float32Array.from([1, 4, 2, 5, 3, 6])
    const B = Float32Array.from([1, 0, 0, 1, 1, 1])
    const Bt = Float32Array.from([1, 0, 1, 0, 1, 1])
    for (const [ta, a] of [[false, A], [true, At]] as const)
      for (const [tb, b] of [[false, B], [true, Bt]] as const) {
        const c = new Float32Array(4)
        blas.sgemm(ta, tb, 2, 2, 3, a, b, c)
        expect(Array.from(c)).toEqual([4, 5, 10, 11])
      }
    expect(() => blas.sgemm(false, false, 3, 3, 3, A, B, new Float32Array(9))).toThrow(/array sizes do not match/)
    expect(() => blas.sgemm(false, false, 1, 1, 1, [1] as never, B, new Float32Array(1))).toThrow(/a must be a Float32Array/)
  })

  it('accumulates a sparse product into its output (sparseUpdate: c ← alpha·(a·b + 1·addᵀ) + beta·c), every column panel', () => {
    const blas = loadBlas()!
    const rng = createRng(3, 'sparse-update')
    // a [m, k] with a third of its entries set, b [k, n] with n = 45: a 32-column panel, an 8-column one and 5 single columns
    const [m, k, n] = [7, 11, 45]
    const dense = new Float32Array(m * k).map(() => (rng.uniform() < 0.33 ? rng.normal() : 0))
    const offsets = new Int32Array(m + 1)
    const indices: number[] = []
    const values: number[] = []
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) if (dense[i * k + j] !== 0) indices.push(j), values.push(dense[i * k + j])
      offsets[i + 1] = indices.length
    }
    const b = rng.normalArray(k * n)
    const add = rng.normalArray(n)
    const start = rng.normalArray(m * n)
    const [alpha, beta] = [-0.3, 0.9]
    const c = Float32Array.from(start)
    blas.sparseUpdate(offsets, Int32Array.from(indices), Float32Array.from(values), m, k, n, b, c, alpha, add, beta)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = add[j]
        for (let q = 0; q < k; q++) sum += dense[i * k + q] * b[q * n + j]
        expect(c[i * n + j]).toBeCloseTo(alpha * sum + beta * start[i * n + j], 5)
      }
    // beta 0 never reads c: a NaN there does not come through
    const fresh = new Float32Array(m * n).fill(Number.NaN)
    blas.sparseUpdate(offsets, Int32Array.from(indices), Float32Array.from(values), m, k, n, b, fresh, alpha, add, 0)
    expect(fresh.every(Number.isFinite)).toBe(true)
    // without beta it refuses, rather than overwrite c as sparseProduct does
    const withoutBeta = blas.sparseUpdate as unknown as (...args: unknown[]) => void
    expect(() => withoutBeta(offsets, Int32Array.from(indices), Float32Array.from(values), m, k, n, b, c, alpha, add)).toThrow(/sparseUpdate\(/)
  })
})

describe('the blas backend computes the same numbers as tfjs-wasm', () => {
  const models: ModelConfig[] = [
    { kind: 'two-layer', hidden: 40, activation: 'relu', outputs: 3 },
    { kind: 'mlp', hidden: [30, 20], activation: 'relu', outputs: 3, bias: true, init: 'he' },
    { kind: 'mlp', hidden: [25], activation: 'relu', outputs: 3, bias: false, init: 'standard' },
  ]
  const rules: RuleKind[] = ['bp', 'fa', 'kp', 'dfa', 'drtp', 'sign']
  const activations: Activation[] = ['relu', 'tanh', 'sigmoid', 'linear']
  const losses: LossKind[] = ['mse', 'cross-entropy']

  async function updatesOn(backend: 'blas' | 'wasm', model: ModelConfig, rule: RuleKind, loss: LossKind) {
    await initBackend(backend)
    const net = createNetwork(networkSpec(model, 12), 4)
    const r = createRule(rule, net, 4)
    const rng = createRng(9, 'x')
    const x = rng.normalArray(16 * 12)
    const y = new Float32Array(16 * 3).map((_, i) => (loss === 'mse' ? rng.normal() : i % 3 === 0 ? 1 : 0))
    const out = tf.tidy(() => ruleUpdates(net, r, loss, tf.tensor2d(x, [16, 12]), tf.tensor2d(y, [16, 3])).dW.map((g) => g.dataSync() as Float32Array))
    r.dispose()
    disposeNetwork(net)
    return out
  }

  for (const model of models)
    for (const rule of rules)
      it(`${model.kind} ${JSON.stringify(model.hidden)} ${rule}: every activation and loss`, async () => {
        for (const activation of activations)
          for (const loss of losses) {
            const m = { ...model, activation } as ModelConfig
            const fast = await updatesOn('blas', m, rule, loss)
            const reference = await updatesOn('wasm', m, rule, loss)
            fast.forEach((g, l) => expect(relativeError(g, reference[l]), `${activation} ${loss} layer ${l + 1}`).toBeLessThan(1e-5))
          }
      })

  it('a seeded run’s curves agree, and each run records its backend', async () => {
    const config = (backend: 'blas' | 'wasm') =>
      parseRunConfig({
        seed: 3,
        data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer' },
        model: { kind: 'two-layer', hidden: 400, activation: 'relu', outputs: 1 },
        rule: 'fa',
        optimizer: { learningRate: 0.01 },
        regularization: { outputL2: 0.1 },
        steps: 300,
        evalEvery: 100,
        backend,
      })
    const curves = async (backend: 'blas' | 'wasm') => {
      const c = config(backend)
      const evaluations: Evaluation[] = []
      const result = await train(c, await loadDataset(c), { onEvaluation: (e) => void evaluations.push(e) })
      expect(result.backend).toBe(backend)
      return evaluations
    }
    const fast = await curves('blas')
    const reference = await curves('wasm')
    expect(fast.map((e) => e.step)).toEqual(reference.map((e) => e.step))
    // The trajectory agrees to float32 rounding (the blas backend takes the kernel path here: full
    // batch, n < d). The gradient alignment is compared more loosely: it is a cosine of two
    // gradients through relu gates on the probe, and a pre-activation within rounding of 0 flips a
    // gate on one path and not the other; measured: 1.2e-6 at step 0, 2.8e-4 at step 200, while
    // the loss and the other alignments differ by less than 1e-6.
    const tolerance: Record<string, number> = { trainLoss: 1e-4, weightAlignment: 1e-4, signalAlignment: 1e-4, 'gradientAlignment.1': 1e-3 }
    fast.forEach((e, i) => {
      for (const [name, within] of Object.entries(tolerance)) {
        const a = e.metrics[name]
        const b = reference[i].metrics[name]
        expect(Math.abs(a - b), `${name} at step ${e.step}: ${a} vs ${b}`).toBeLessThan(within * Math.max(1, Math.abs(b)))
      }
    })
  })
})

describe('without the addon', () => {
  const exec = promisify(execFile)
  const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
  const dir = mkdtempSync(join(tmpdir(), 'fa-lab-noblas-'))
  const file = join(dir, 'run.json')
  writeFileSync(
    file,
    JSON.stringify({ data: { kind: 'synthetic', n: 10, inputDim: 5 }, model: { kind: 'two-layer', hidden: 4 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 3 }),
  )
  const env = { ...process.env, FA_LAB_BLAS_ADDON: join(dir, 'missing.node') }

  it('falls back to wasm and says why', async () => {
    const { stdout, stderr } = await exec(process.execPath, [cli, 'train', '--config', file], { env })
    expect(stdout).toMatch(/completed after 3 steps on wasm/)
    expect(stderr).toMatch(/note: not using the blas backend: the BLAS addon is not built \(.*missing\.node is missing/)
  })

  it('refuses an addon built from older sources, naming what it lacks', async () => {
    // A module with only the first version's functions stands in for a stale build.
    const stale = join(dir, 'stale-addon.cjs')
    writeFileSync(stale, 'module.exports = { sgemm() {}, setThreads() {}, threads: () => 1, config: () => "old" }\n')
    const error = await exec(process.execPath, [cli, 'train', '--config', file, '--backend', 'blas'], { env: { ...env, FA_LAB_BLAS_ADDON: stale } }).catch((e) => e)
    expect(error.stderr).toMatch(/The blas backend is not available here: the BLAS addon at .*stale-addon\.cjs is out of date \(it lacks sgemmTime, .*activate.*\): npm run build:native rebuilds it/)
  })

  it('refuses a forced blas backend with the reason', async () => {
    const error = await exec(process.execPath, [cli, 'train', '--config', file, '--backend', 'blas'], { env }).catch((e) => e)
    expect(error.stderr).toMatch(/The blas backend is not available here: the BLAS addon is not built/)
  })
})
