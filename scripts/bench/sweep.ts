/**
 * `npm run bench:sweep`: how a sweep should use the cores. Runs the same 4-run sweep of the
 * paper's MNIST step (784 → 1000 relu → 10, batch 600, FA, cross-entropy, on MNIST-shaped data)
 * as (a) one worker whose BLAS uses every core and (b) one worker per core with single-threaded
 * BLAS, and prints the wall times (median of BENCH_REPS, default 3).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import { createRunner } from '../../src-main/runner/runner'
import { queueExperiment } from '../../src-main/services/experiments'
import { openStore } from '../../src-main/store/store'

const reps = Number(process.env.BENCH_REPS ?? 3)
const cores = availableParallelism()
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-sweep-bench-'))
const experiment = {
  name: 'sweep bench',
  base: {
    data: { kind: 'mnist', normalize: 'unit' },
    model: { kind: 'two-layer', hidden: 1000, activation: 'relu', outputs: 10 },
    rule: 'fa',
    loss: 'cross-entropy',
    optimizer: { learningRate: 0.01, batchSize: 600 },
    steps: 150,
    evalEvery: 150,
    evalSamples: 600,
  },
  grid: { seed: [1, 2, 3, 4] },
}

async function sweep(workers: number, blasThreads: number, rep: number): Promise<number> {
  const store = openStore(join(dir, `w${workers}-t${blasThreads}-${rep}.sqlite`))
  const runner = createRunner({ store, workers, blasThreads })
  const { runIds } = queueExperiment(store, experiment)
  const start = performance.now()
  runner.enqueue(runIds)
  await runner.whenIdle()
  const ms = performance.now() - start
  const statuses = new Set(store.listRuns().map((r) => `${r.status}/${r.backend}`))
  await runner.close()
  store.close()
  if (statuses.size !== 1) throw new Error(`unexpected run outcomes: ${[...statuses]}`)
  return ms
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]
const layouts = [
  { label: `1 worker × ${cores} BLAS threads`, workers: 1, threads: cores },
  { label: `${cores} workers × 1 BLAS thread`, workers: cores, threads: 1 },
]
const results: Record<string, number> = {}
for (const layout of layouts) {
  const times: number[] = []
  for (let r = 0; r < reps; r++) times.push(await sweep(layout.workers, layout.threads, r))
  results[layout.label] = median(times)
  console.log(`${layout.label.padEnd(28)} ${(median(times) / 1000).toFixed(2)} s  (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`)
}
const [a, b] = Object.values(results)
console.log(`ratio (per-core workers / one wide worker): ${(b / a).toFixed(2)}`)
