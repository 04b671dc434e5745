/**
 * `npm run bench`: throughput of the paper's two training steps on every lab backend that starts
 * here, side by side with the same steps in PyTorch when /usr/bin/python3 has torch.
 *
 *   mnist      784 → 1000 relu → 10, batch 600, FA, cross-entropy, evaluation off   (samples/s)
 *   synthetic  n = 50, d = 150, p = 3200, full batch, FA, mse                      (steps/s)
 *
 * Each figure is the median of BENCH_REPS (default 7, at least 5) timed repetitions after warm-up.
 * Not a test: it prints figures, and `--json` prints them as one JSON object.
 */
import { execFileSync } from 'node:child_process'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import type { Dataset } from '../../src-main/data/dataset'
import { createSyntheticDataset } from '../../src-main/data/synthetic'
import { createRng } from '../../src-main/lib/random'
import { initBackend, probeBackends, type BackendName } from '../../src-main/engine/tf'
import { createSession } from '../../src-main/engine/session'

const reps = Math.max(5, Number(process.env.BENCH_REPS ?? 7))
const json = process.argv.includes('--json')

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Random MNIST-shaped data: throughput does not depend on the pixel values. */
function mnistShaped(n: number): Dataset {
  const rng = createRng(0, 'bench')
  const x = new Float32Array(n * 784)
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform()
  const labels = new Uint8Array(n).map(() => rng.integer(10))
  return {
    name: 'random 28×28',
    task: 'classification',
    inputDim: 784,
    outputDim: 10,
    train: { n, x, labels },
    test: null,
    identity: { kind: 'bench', source: 'random', files: [], trainSize: n, testSize: 0, preprocessing: {}, fingerprint: '' },
  }
}

const mnistConfig: RunConfigInput = {
  seed: 0,
  data: { kind: 'mnist' },
  model: { kind: 'mlp', hidden: [1000], activation: 'relu', outputs: 10, bias: false, init: 'he' },
  rule: 'fa',
  loss: 'cross-entropy',
  optimizer: { learningRate: 0.01, batchSize: 600 },
  steps: 1,
}
const syntheticConfig: RunConfigInput = {
  seed: 0,
  data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 3200, activation: 'relu', outputs: 1 },
  rule: 'fa',
  loss: 'mse',
  optimizer: { learningRate: 0.01, batchSize: 0 },
  steps: 1,
}

/** Median rate (units per second) of `step`, each repetition running for at least 300 ms. */
function rate(step: () => void, unitsPerStep: number): number {
  for (let i = 0; i < 3; i++) step()
  const rates: number[] = []
  for (let r = 0; r < reps; r++) {
    const start = performance.now()
    let count = 0
    while (performance.now() - start < 300) {
      step()
      count++
    }
    rates.push((unitsPerStep * count * 1000) / (performance.now() - start))
  }
  return median(rates)
}

async function labRates(backend: BackendName): Promise<{ mnist: number; synthetic: number }> {
  await initBackend(backend)
  const mnist = parseRunConfig(mnistConfig)
  const mnistSession = createSession(mnist, mnistShaped(6000))
  const mnistRate = rate(() => mnistSession.step(), 600)
  mnistSession.dispose()
  const synthetic = parseRunConfig(syntheticConfig)
  const syntheticSession = createSession(synthetic, createSyntheticDataset(synthetic.data as never, 1, 0))
  const syntheticRate = rate(() => syntheticSession.step(), 1)
  syntheticSession.dispose()
  return { mnist: mnistRate, synthetic: syntheticRate }
}

function torchRates(): { mnist: number; synthetic: number; threads: number } | { error: string } {
  const script = new URL('./torch_steps.py', import.meta.url).pathname
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' })
  } catch {
    return { error: 'PyTorch not available (/usr/bin/python3 -c "import torch" failed)' }
  }
  const out = execFileSync('/usr/bin/python3', [script], { encoding: 'utf8', env: { ...process.env, BENCH_REPS: String(reps) } })
  return JSON.parse(out)
}

const results: Record<string, { mnist: number; synthetic: number } | { error: string }> = {}
for (const probe of await probeBackends()) {
  if (!probe.available) {
    results[`lab:${probe.name}`] = { error: probe.reason ?? 'unavailable' }
    continue
  }
  results[`lab:${probe.name}`] = await labRates(probe.name)
}
const torch = torchRates()
results.pytorch = torch

if (json) console.log(JSON.stringify(results))
else {
  console.log(`medians of ${reps} repetitions after warm-up\n`)
  console.log('backend'.padEnd(16) + 'mnist samples/s'.padStart(18) + 'synthetic steps/s'.padStart(20) + '   ratio to PyTorch (mnist, synthetic)')
  for (const [name, r] of Object.entries(results)) {
    if ('error' in r) {
      console.log(`${name.padEnd(16)}${'—'.padStart(18)}${'—'.padStart(20)}   ${r.error}`)
      continue
    }
    const ratio = 'error' in torch || name === 'pytorch' ? '' : `${(r.mnist / torch.mnist).toFixed(3)}×, ${(r.synthetic / torch.synthetic).toFixed(3)}×`
    console.log(`${name.padEnd(16)}${r.mnist.toFixed(0).padStart(18)}${r.synthetic.toFixed(1).padStart(20)}   ${ratio}`)
  }
}
