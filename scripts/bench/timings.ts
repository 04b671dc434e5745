/**
 * The bench's `timings` section: speed figures that tests used to assert. A test's verdict must not
 * depend on how busy the machine is (CI machines are shared), so these are measured here, on a
 * quiet machine, and reported in the README beside the figure each test once required.
 *
 *   kernels     the addon's elementwise passes against a pass over memory (axpby), tanh against
 *               relu, and the sparse first-layer product against the dense one on MNIST-like rows
 *   metricRead  one measure of 50 runs × 30,000 points read from the store (ms)
 *
 * Each figure is the fastest of interleaved repetitions, so other processes' load falls on both
 * sides of a ratio alike.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseRunConfig } from '../../src-shared/config'
import { loadBlas } from '../../src-main/engine/blas'
import { createRng } from '../../src-main/lib/random'
import { openStore } from '../../src-main/store/store'

/** One figure: what was measured, its value, and the bound a test once put on it. */
export interface Timing {
  name: string
  value: number
  unit: 'ms' | '×'
  formerTestBound: string
}

/** The fastest of `rounds` × `reps` timings of each body, interleaved round by round (ms). */
function fastest(rounds: number, ...bodies: (() => void)[]): number[] {
  const best = bodies.map(() => Infinity)
  for (let round = 0; round < rounds; round++)
    bodies.forEach((body, i) => {
      for (let rep = 0; rep < 10; rep++) {
        const started = performance.now()
        body()
        best[i] = Math.min(best[i], performance.now() - started)
      }
    })
  return best
}

function kernelTimings(rounds: number): Timing[] {
  const blas = loadBlas()
  if (!blas) return []
  const rng = createRng(0, 'bench timings')
  const randomArray = (size: number) => Float32Array.from({ length: size }, () => rng.normal())
  const threads = blas.threads()
  blas.setThreads(1)
  try {
    const size = 1 << 20
    const h = randomArray(size)
    const eps = randomArray(size)
    const other = randomArray(size)
    const [gate, relu, axpby] = fastest(
      rounds,
      () => blas.gate(1, eps, h, 1024, 1024),
      () => blas.activate(1, other, null, 1024, 1024),
      () => blas.axpby(1, other, 0.5, eps),
    )
    const wide = Float32Array.from({ length: 50 * 12800 }, () => 4 * rng.uniform() - 2)
    const work = new Float32Array(wide.length)
    const [tanh, reluWide] = fastest(
      rounds,
      () => (work.set(wide), blas.activate(2, work, null, 50, 12800)),
      () => (work.set(wide), blas.activate(1, work, null, 50, 12800)),
    )
    // MNIST-like rows: a fifth of 784 inputs off the background
    const m = 1000
    const offsets = new Int32Array(m + 1)
    const indices: number[] = []
    const entries: number[] = []
    const dense = new Float32Array(m * 784)
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < 784; j++)
        if (rng.uniform() < 0.19) {
          dense[i * 784 + j] = rng.normal()
          indices.push(j)
          entries.push(dense[i * 784 + j])
        }
      offsets[i + 1] = indices.length
    }
    const columns = Int32Array.from(indices)
    const values = Float32Array.from(entries)
    const b = randomArray(784 * 1000)
    const c = new Float32Array(m * 1000)
    const [sparse, denseTime] = fastest(
      rounds,
      () => blas.sparseProduct(offsets, columns, values, m, 784, 1000, b, c, 1, null),
      () => blas.sgemm(false, false, m, 1000, 784, dense, b, c),
    )
    return [
      { name: 'relu gate ÷ axpby (1M floats)', value: gate / axpby, unit: '×', formerTestBound: '< 8 (< 1.5 with AVX2)' },
      { name: 'relu ÷ axpby (1M floats)', value: relu / axpby, unit: '×', formerTestBound: '< 1.0 with AVX2' },
      { name: 'tanh ÷ relu (50 × 12,800)', value: tanh / reluWide, unit: '×', formerTestBound: '< 45' },
      { name: 'sparse ÷ dense first-layer product (1,000 × 784 × 1,000, 19% nonzero)', value: sparse / denseTime, unit: '×', formerTestBound: '< 0.8' },
    ]
  } finally {
    blas.setThreads(threads)
  }
}

function metricReadTiming(): Timing {
  const dir = mkdtempSync(join(tmpdir(), 'fa-lab-bench-timings-'))
  const store = openStore(join(dir, 'lab.sqlite'))
  try {
    const config = parseRunConfig({ seed: 1, data: { kind: 'synthetic', n: 20, inputDim: 5 }, model: { kind: 'two-layer', hidden: 4 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 30_000, evalEvery: 1 })
    const ids: number[] = []
    store.transaction(() => {
      for (let r = 0; r < 50; r++) {
        const [id] = store.queueRuns([{ config }])
        store.markRunning(id, 'wasm', { fingerprint: 'bench', kind: 'synthetic' })
        for (let start = 0; start < 30_000; start += 250) {
          const batch = []
          for (let s = start; s < start + 250; s++) batch.push({ step: s, metrics: { trainLoss: 1 / (s + 1), weightAlignment: Math.sin(s) }, wallTimeMs: s * 0.5 })
          store.appendMetrics(id, batch)
        }
        store.finishRun(id, { status: 'completed', stepsDone: 30_000 })
        ids.push(id)
      }
    })
    const timings: number[] = []
    for (let i = 0; i < 7; i++) {
      const started = performance.now()
      store.metricSeriesMany(ids, 'weightAlignment')
      timings.push(performance.now() - started)
    }
    timings.sort((a, b) => a - b)
    return { name: 'one measure of 50 runs × 30,000 points from the store (median of 7)', value: timings[3], unit: 'ms', formerTestBound: '< 100 ms' }
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every timing of the section; `rounds` interleaved rounds of the kernel timings. */
export function timingsSection(rounds = 5): Timing[] {
  return [...kernelTimings(rounds), metricReadTiming()]
}

/** The section as a README table. */
export function timingsMarkdown(timings: Timing[]): string {
  return ['| figure | measured | bound a test once asserted |', '| --- | --- | --- |', ...timings.map((t) => `| ${t.name} | ${t.unit === 'ms' ? `${t.value.toFixed(1)} ms` : `${t.value.toFixed(2)}×`} | ${t.formerTestBound} |`)].join('\n')
}
