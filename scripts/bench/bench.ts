/**
 * `npm run bench [-- --json | --markdown] [-- --sections steps,sweep,scale,evaluation,projection,timings,train-busy]`: FA Lab against
 * PyTorch, each in every thread layout, measured interleaved so both see the same machine load.
 *
 *   steps       the paper's MNIST step (784 → 1000 relu → 10, batch 600, FA, cross-entropy;
 *               samples/s) and synthetic step (n = 50, d = 150, p = 3200, full batch, FA, mse;
 *               steps/s). FA Lab: workers × BLAS threads; PyTorch (when /usr/bin/python3 has
 *               torch): processes × torch threads × OPENBLAS_NUM_THREADS, 1..cores each, each
 *               layout with two codes of the step (as a researcher writes it, and in place with
 *               the update fused into the product as FA Lab's is) and its better one kept. For the
 *               MNIST step, the share of the step spent in the matrix products: FA Lab's sgemm
 *               calls timed in the addon; PyTorch's five products timed alone.
 *   lenet       the LeNet step (LeNet-5 on batches of 128 MNIST digits, FA, cross-entropy; samples/s):
 *               FA Lab's conv step (engine/conv-blas.ts, im2col + sgemm) in workers × BLAS threads
 *               against PyTorch's (torch.nn.functional.conv2d with FA's backward through
 *               torch.nn.grad.conv2d_input, torch_lenet.py) in processes × torch threads, best
 *               against best, and the share of FA Lab's step inside sgemm.
 *   sweep       runs per hour of a batch of small synthetic runs (p = 200, 5,000 steps, full batch,
 *               measures every 200 steps): FA Lab's runner (spawn to idle) against the same runs in
 *               PyTorch, one process per core (spawn to exit).
 *   scale       sweep scale: tiny runs in sweeps of 100, 1,000 and 10,000 through the lab service,
 *               runs/s of each against the smallest's, start and runs:list times, cancelling, and
 *               Ctrl-C to a real `fa-lab run` (sweep-scale.ts).
 *   evaluation  time in the measures against time in training at the presets' evalEvery.
 *   projection  the full song2021-mnist and song2021-width presets' wall time on this machine,
 *               from each run shape's measured step and evaluation times; under a convergence
 *               stop, each run counted where its cell's runs stop, from a sample of the narrowest
 *               widths trained to their stop (stop-lengths.ts).
 *   timings     figures tests once asserted (kernel ratios, a store read): scripts/bench/timings.ts.
 *   train-busy  `fa-lab train` on the MNIST step with one core kept busy by a spinning process, its
 *               own choice of BLAS threads and each forced, against PyTorch's best one-process
 *               layout under the same busy core (train-busy.ts).
 *
 * Each figure is the median of BENCH_REPS (default 5) repetitions of BENCH_MS (default 400) ms;
 * the load average before and after is printed with the figures. Not a test.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Worker } from 'node:worker_threads'
import { expandExperiment, type ExpandedRun } from '../../src-shared/experiment'
import { theoryEnabled, type RunConfig } from '../../src-shared/config'
import { loadDataset } from '../../src-main/data/load'
import { createSyntheticDataset } from '../../src-main/data/synthetic'
import { loadBlas } from '../../src-main/engine/blas'
import { createSession } from '../../src-main/engine/session'
import { initBackend } from '../../src-main/engine/tf'
import { createRunner } from '../../src-main/runner/runner'
import { queueExperiment } from '../../src-main/services/experiments'
import { findPreset } from '../../src-main/services/presets'
import { openStore } from '../../src-main/store/store'
import { sweepScaleMarkdown, sweepScaleSection, type ScaleReport } from './sweep-scale'
import { timingsMarkdown, timingsSection, type Timing } from './timings'
import { trainBusyMarkdown, trainBusySection, type TrainBusyReport } from './train-busy'
import { unitsPerStep, type BenchTaskName } from './tasks'
import { median } from './median'
import { observedSteps, sampleStopLengths, type StopLengths } from './stop-lengths'

const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 5))
const measureMs = Number(process.env.BENCH_MS ?? 400)
const cores = availableParallelism()
const counts = Array.from({ length: cores }, (_, i) => i + 1)
const json = process.argv.includes('--json')
const markdown = process.argv.includes('--markdown')
const sectionArgument = process.argv[process.argv.indexOf('--sections') + 1]
const sections = new Set(process.argv.includes('--sections') ? sectionArgument.split(',') : ['steps', 'lenet', 'sweep', 'scale', 'evaluation', 'projection', 'timings', 'train-busy'])
const python = '/usr/bin/python3'
/** The projection's stop-length sample: the preset's narrowest widths and first seeds (BENCH_STOP_WIDTHS, BENCH_STOP_SEEDS). */
const stopSampleWidths = Number(process.env.BENCH_STOP_WIDTHS ?? 2)
const stopSampleSeeds = Number(process.env.BENCH_STOP_SEEDS ?? 2)
const here = new URL('.', import.meta.url).pathname

const log = (line: string) => {
  if (!json && !markdown) console.log(line)
}
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

function torchAvailable(): string | null {
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' })
    return null
  } catch {
    return `PyTorch not available (${python} -c "import torch" failed)`
  }
}

// ---------------------------------------------------------------------------------------------
// Step throughput in every layout

interface LabLayout {
  kind: 'lab'
  workers: number
  blasThreads: number
}
interface TorchLayout {
  kind: 'pytorch'
  processes: number
  torchThreads: number
  openblasThreads: number
}
type Layout = LabLayout | TorchLayout

const layoutName = (l: Layout) =>
  l.kind === 'lab' ? `FA Lab ${l.workers} worker(s) × ${l.blasThreads} BLAS thread(s)` : `PyTorch ${l.processes} process(es) × torch ${l.torchThreads} × OpenBLAS ${l.openblasThreads}`
/** Threads a layout can keep busy: FA Lab workers × BLAS threads; PyTorch processes × torch threads × OpenBLAS threads. */
const layoutThreads = (l: Layout) => (l.kind === 'lab' ? l.workers * l.blasThreads : l.processes * l.torchThreads * l.openblasThreads)

interface Sample {
  count: number
  seconds: number
  sgemmSeconds?: number
}

class TorchProcess {
  private lines: AsyncIterator<string>
  constructor(private child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  }
  static async start(torchThreads: number, openblasThreads: number, script = 'torch_steps.py'): Promise<TorchProcess> {
    const child = spawn(python, [join(here, script)], {
      env: { ...process.env, BENCH_TORCH_THREADS: String(torchThreads), OPENBLAS_NUM_THREADS: String(openblasThreads) },
    })
    child.stderr.on('data', (d) => process.stderr.write(d))
    const p = new TorchProcess(child)
    await p.next()
    return p
  }
  async next(): Promise<Sample> {
    const { value, done } = await this.lines.next()
    if (done) throw new Error('the PyTorch bench process ended')
    return JSON.parse(value)
  }
  request(task: string, seconds: number): Promise<Sample> {
    this.child.stdin.write(`${task} ${seconds}\n`)
    return this.next()
  }
  stop(): void {
    this.child.stdin.end()
  }
}

class LabWorker {
  private worker = new Worker(new URL('./lab-steps-worker.mjs', import.meta.url))
  private pending: ((s: Sample) => void) | null = null
  readonly ready: Promise<void>
  constructor() {
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject)
      this.worker.on('message', (m: Sample & { ready?: boolean }) => {
        if (m.ready) resolve()
        else this.pending?.(m)
      })
    })
  }
  request(task: BenchTaskName | 'lenet', ms: number): Promise<Sample> {
    return new Promise((resolve) => {
      this.pending = resolve
      this.worker.postMessage({ task, ms })
    })
  }
  stop(): Promise<number> {
    return this.worker.terminate()
  }
}

/** PyTorch's two codes of each step (torch_steps.py): as a researcher writes it, and in place. */
const torchCodes = ['plain', 'inplace'] as const
type TorchCode = (typeof torchCodes)[number]
const torchTask = (task: 'mnist' | 'synthetic', code: TorchCode) => (code === 'plain' ? task : `${task}-inplace`)

interface LayoutResult {
  layout: Layout
  name: string
  threads: number
  /** samples/s, MNIST step */
  mnist: number
  /** steps/s, synthetic step */
  synthetic: number
  /** Fraction of the MNIST step's wall time spent in the matrix products. */
  mnistProductShare: number
  /** FA Lab: the same steps with dense products (mnist above takes the sparse path, synthetic the kernel path). */
  dense?: Record<'mnist' | 'synthetic', number>
  /** PyTorch: each code of the step on its own (mnist and synthetic above are the better one). */
  codes?: Record<'mnist' | 'synthetic', Record<TorchCode, number>>
  samples: { mnist: number[]; synthetic: number[]; mnistProductShare: number[] }
}

async function stepsSection() {
  const torchMissing = torchAvailable()
  const blas = loadBlas()
  if (!blas) throw new Error('the bench measures the blas backend: build the addon first (npm run build:native)')
  const layouts: Layout[] = []
  for (const workers of counts) for (const blasThreads of counts) layouts.push({ kind: 'lab', workers, blasThreads })
  if (!torchMissing)
    for (const processes of counts)
      for (const torchThreads of counts) for (const openblasThreads of counts) layouts.push({ kind: 'pytorch', processes, torchThreads, openblasThreads })

  log(`steps: starting ${cores} FA Lab workers${torchMissing ? '' : ` and ${cores * cores * cores} PyTorch processes`} …`)
  const workers = counts.map(() => new LabWorker())
  await Promise.all(workers.map((w) => w.ready))
  const torch = new Map<string, TorchProcess[]>()
  if (!torchMissing)
    for (const t of counts)
      for (const o of counts) torch.set(`${t}/${o}`, await Promise.all(counts.map(() => TorchProcess.start(t, o))))

  const results = layouts.map((layout) => ({
    layout,
    mnist: [] as number[],
    synthetic: [] as number[],
    mnistDense: [] as number[],
    syntheticDense: [] as number[],
    share: [] as number[],
    codes: { mnist: { plain: [] as number[], inplace: [] as number[] }, synthetic: { plain: [] as number[], inplace: [] as number[] } },
  }))

  async function measure(layout: Layout, task: string): Promise<Sample[]> {
    // OpenBLAS's idle threads spin for a while after a product: let the last layout's go to sleep.
    await new Promise((resolve) => setTimeout(resolve, 250))
    if (layout.kind === 'lab') {
      blas!.setThreads(layout.blasThreads)
      return Promise.all(workers.slice(0, layout.workers).map((w) => w.request(task as BenchTaskName, measureMs)))
    }
    const procs = torch.get(`${layout.torchThreads}/${layout.openblasThreads}`)!.slice(0, layout.processes)
    return Promise.all(procs.map((p) => p.request(task, measureMs / 1000)))
  }
  const rate = (samples: Sample[], units: number) => samples.reduce((sum, s) => sum + (s.count * units) / s.seconds, 0)

  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order every repetition so that no layout always runs at the same moment.
    const order = results.map((_, i) => (i + rep * 3) % results.length)
    for (const i of order) {
      const r = results[i]
      if (r.layout.kind === 'lab') {
        const mnist = await measure(r.layout, 'mnist')
        r.mnist.push(rate(mnist, unitsPerStep('mnist')))
        r.share.push(median(mnist.map((s) => s.sgemmSeconds! / s.seconds)))
        r.synthetic.push(rate(await measure(r.layout, 'synthetic'), unitsPerStep('synthetic')))
        // the same steps with dense products, for the paths' own speed-up
        r.mnistDense.push(rate(await measure(r.layout, 'mnist-dense'), unitsPerStep('mnist')))
        r.syntheticDense.push(rate(await measure(r.layout, 'synthetic-dense'), unitsPerStep('synthetic')))
        continue
      }
      // PyTorch: both codes of each step, the better one counted in this repetition
      const mnist = await Promise.all(torchCodes.map((code) => measure(r.layout, torchTask('mnist', code))))
      torchCodes.forEach((code, c) => r.codes.mnist[code].push(rate(mnist[c], unitsPerStep('mnist'))))
      const faster = mnist[r.codes.mnist.inplace.at(-1)! >= r.codes.mnist.plain.at(-1)! ? 1 : 0]
      r.mnist.push(rate(faster, unitsPerStep('mnist')))
      const products = await measure(r.layout, 'mnist-products')
      // time in the products per step ÷ time per step
      r.share.push(median(faster.map((s, j) => s.count / s.seconds / (products[j].count / products[j].seconds))))
      for (const code of torchCodes) r.codes.synthetic[code].push(rate(await measure(r.layout, torchTask('synthetic', code)), unitsPerStep('synthetic')))
      r.synthetic.push(Math.max(r.codes.synthetic.plain.at(-1)!, r.codes.synthetic.inplace.at(-1)!))
    }
    log(`  repetition ${rep + 1}/${reps} done (load ${load()})`)
  }
  await Promise.all(workers.map((w) => w.stop()))
  torch.forEach((procs) => procs.forEach((p) => p.stop()))
  blas.setThreads(cores)

  const table: LayoutResult[] = results.map((r) => ({
    layout: r.layout,
    name: layoutName(r.layout),
    threads: layoutThreads(r.layout),
    mnist: median(r.mnist),
    synthetic: median(r.synthetic),
    mnistProductShare: median(r.share),
    ...(r.layout.kind === 'lab' ? { dense: { mnist: median(r.mnistDense), synthetic: median(r.syntheticDense) } } : {}),
    ...(r.layout.kind === 'pytorch'
      ? {
          codes: {
            mnist: { plain: median(r.codes.mnist.plain), inplace: median(r.codes.mnist.inplace) },
            synthetic: { plain: median(r.codes.synthetic.plain), inplace: median(r.codes.synthetic.inplace) },
          },
        }
      : {}),
    samples: { mnist: r.mnist, synthetic: r.synthetic, mnistProductShare: r.share },
  }))
  const best = (kind: Layout['kind'], key: 'mnist' | 'synthetic', threads?: number) =>
    table.filter((r) => r.layout.kind === kind && (threads === undefined || r.threads === threads)).sort((a, b) => b[key] - a[key])[0]
  const ratios: Record<string, unknown> = {}
  if (!torchMissing) {
    for (const key of ['mnist', 'synthetic'] as const) {
      const lab = best('lab', key)
      const pt = best('pytorch', key)
      ratios[`${key}: best against best`] = { lab: lab.name, pytorch: pt.name, ratio: lab[key] / pt[key] }
      for (const threads of counts) {
        const l = best('lab', key, threads)
        const p = best('pytorch', key, threads)
        if (l && p) ratios[`${key}: ${threads} thread(s) each`] = { lab: l.name, pytorch: p.name, ratio: l[key] / p[key] }
      }
    }
  }

  log(`\nsteps: medians of ${reps} repetitions of ${measureMs} ms, interleaved\n`)
  log('layout'.padEnd(52) + 'threads'.padStart(8) + 'MNIST samples/s'.padStart(17) + 'in sgemm'.padStart(10) + 'synthetic steps/s'.padStart(19))
  for (const r of table)
    log(
      r.name.padEnd(52) + String(r.threads).padStart(8) + r.mnist.toFixed(0).padStart(17) + `${(100 * r.mnistProductShare).toFixed(0)}%`.padStart(10) + r.synthetic.toFixed(1).padStart(19) +
        (r.dense ? `   (dense products: MNIST ${r.dense.mnist.toFixed(0)}, synthetic ${r.dense.synthetic.toFixed(1)})` : '') +
        (r.codes ? `   (plain / in place: MNIST ${r.codes.mnist.plain.toFixed(0)} / ${r.codes.mnist.inplace.toFixed(0)}, synthetic ${r.codes.synthetic.plain.toFixed(1)} / ${r.codes.synthetic.inplace.toFixed(1)})` : ''),
    )
  if (torchMissing) log(`PyTorch: ${torchMissing}`)
  for (const [name, r] of Object.entries(ratios) as [string, { lab: string; pytorch: string; ratio: number }][])
    log(`${name.padEnd(30)} ${r.ratio.toFixed(2)}×   (${r.lab} / ${r.pytorch})`)
  return { layouts: table, ratios, pytorch: torchMissing ?? 'available' }
}

// ---------------------------------------------------------------------------------------------
// Sweep throughput

const sweepRuns = Number(process.env.BENCH_SWEEP_RUNS ?? 4 * cores)

function sweepExperiment(runs: number) {
  return {
    name: 'sweep bench',
    base: {
      data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer', teacherWidth: 200, teacherActivation: 'relu' },
      model: { kind: 'two-layer', hidden: 200, activation: 'relu', outputs: 1 },
      rule: 'fa',
      loss: 'mse',
      optimizer: { learningRate: 0.01, batchSize: 0 },
      regularization: { outputL2: 0.1 },
      steps: 5000,
      evalEvery: 200,
      // the measures torch_sweep.py logs too; the theory measures (Gram spectra) have no counterpart there
      theory: { enabled: false },
    },
    grid: { seed: Array.from({ length: runs }, (_, i) => i + 1) },
  }
}

async function labSweep(workers: number, blasThreads: number, dir: string, rep: number): Promise<number> {
  const store = openStore(join(dir, `w${workers}-t${blasThreads}-${rep}.sqlite`))
  const { runIds } = queueExperiment(store, sweepExperiment(sweepRuns))
  const started = performance.now()
  const runner = createRunner({ store, workers, blasThreads })
  runner.enqueue(runIds)
  await runner.whenIdle()
  const seconds = (performance.now() - started) / 1000
  const statuses = new Set(store.listRuns().map((r) => `${r.status}/${r.backend}`))
  await runner.close()
  store.close()
  if (statuses.size !== 1 || !statuses.has('completed/blas')) throw new Error(`sweep bench: unexpected run outcomes ${[...statuses]}`)
  return seconds
}

async function torchSweep(processes: number): Promise<number> {
  const seeds = counts.slice(0, processes).map((_, p) => Array.from({ length: sweepRuns }, (_, i) => i + 1).filter((_, i) => i % processes === p))
  const started = performance.now()
  await Promise.all(
    seeds.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(python, [join(here, 'torch_sweep.py'), ...share.map(String)], {
            env: { ...process.env, BENCH_TORCH_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
            stdio: ['ignore', 'ignore', 'inherit'],
          })
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`torch_sweep.py exited with ${code}`))))
        }),
    ),
  )
  return (performance.now() - started) / 1000
}

async function sweepSection() {
  const torchMissing = torchAvailable()
  const dir = mkdtempSync(join(tmpdir(), 'fa-lab-sweep-bench-'))
  const layouts = [
    { name: `FA Lab runner, ${cores} workers × 1 BLAS thread`, run: (rep: number) => labSweep(cores, 1, dir, rep) },
    { name: `FA Lab runner, 1 worker × ${cores} BLAS threads`, run: (rep: number) => labSweep(1, cores, dir, rep) },
    ...(torchMissing ? [] : [{ name: `PyTorch, ${cores} processes × 1 thread`, run: () => torchSweep(cores) }]),
  ]
  log(`\nsweep: ${sweepRuns} runs of p = 200, 5,000 steps, full batch, measures every 200 steps; medians of ${reps}`)
  const seconds = layouts.map(() => [] as number[])
  for (let rep = 0; rep < reps; rep++) {
    for (let j = 0; j < layouts.length; j++) {
      const i = (j + rep) % layouts.length
      seconds[i].push(await layouts[i].run(rep))
    }
    log(`  repetition ${rep + 1}/${reps} done (load ${load()})`)
  }
  rmSync(dir, { recursive: true, force: true })
  const table = layouts.map((l, i) => ({ name: l.name, seconds: median(seconds[i]), runsPerHour: (sweepRuns / median(seconds[i])) * 3600, samples: seconds[i] }))
  for (const r of table) log(`${r.name.padEnd(46)} ${r.seconds.toFixed(2).padStart(7)} s   ${r.runsPerHour.toFixed(0).padStart(7)} runs/hour`)
  const bestLab = Math.max(...table.filter((r) => r.name.startsWith('FA Lab')).map((r) => r.runsPerHour))
  const pt = table.find((r) => r.name.startsWith('PyTorch'))
  if (pt) log(`sweep: best FA Lab / PyTorch ${(bestLab / pt.runsPerHour).toFixed(2)}×`)
  return { runs: sweepRuns, layouts: table, ratio: pt ? bestLab / pt.runsPerHour : null }
}

// ---------------------------------------------------------------------------------------------
// Evaluation cost and the presets' projected wall time

/** What sets a run's cost apart: its shapes and cadence, not its seed, λ or learning rate. */
function shapeKey(c: RunConfig): string {
  return JSON.stringify([c.model, c.data, c.optimizer.batchSize, c.evalEvery, c.evalSamples, c.rule, c.loss])
}

interface ShapeCost {
  key: string
  example: string
  /** Seconds per training step and per evaluation, one worker, one BLAS thread. */
  stepSeconds: number
  evaluationSeconds: number
  /** The same with the BLAS using every core (one worker). */
  stepSecondsAllThreads: number
  evaluationSecondsAllThreads: number
  /** Seconds per evaluation without the theory measures (null where the run has them off anyway). */
  evaluationWithoutTheorySeconds: number | null
  evalEvery: number
  /** Evaluation time ÷ training time over one evalEvery interval, one thread. */
  evaluationShare: number
  evaluationShareWithoutTheory: number | null
  /** The evaluation splits on sparse first-layer products (engine/sparse-inputs.ts), and the evaluation's time and share with dense ones instead (one thread). */
  sparseInputs: readonly string[]
  evaluationDenseSeconds: number | null
  evaluationShareDense: number | null
  /** The evaluation's split (one thread): the test set's loss and accuracy, and the rest (alignments, norms and fit on the probe). */
  testSetSeconds: number | null
  probeSeconds: number
}

/** Median seconds per call of `body`, each repetition lasting about `ms`. */
function secondsPerCall(body: () => void, ms: number, atLeast: number): number {
  const samples: number[] = []
  // at most 3 repetitions: the presets have many run shapes, each timed three ways
  for (let rep = 0; rep < Math.min(reps, 3); rep++) {
    const started = performance.now()
    let count = 0
    while (performance.now() - started < ms || count < atLeast) {
      body()
      count++
    }
    samples.push((performance.now() - started) / 1000 / count)
  }
  return median(samples)
}

async function shapeCost(config: RunConfig): Promise<ShapeCost> {
  // Image presets are timed on real digits, as the preset normalises them: the bundled 10,000
  // training digits and the 10,000-image t10k test set (the full presets download the other 50,000
  // training digits, which only the probe's draw would touch). Random pixels would hide what the
  // evaluation's sparse products gain from the digits' background.
  const data =
    config.data.kind === 'synthetic'
      ? createSyntheticDataset(config.data, config.model.outputs, config.seed)
      : await loadDataset(config.data.kind === 'mnist' ? { ...config, data: { ...config.data, source: 'bundled' } } : config)
  const blas = loadBlas()!
  const timed = (c: RunConfig, threads: number, sparseInputs = true, withTest = true) => {
    blas.setThreads(threads)
    const session = createSession(c, withTest ? data : { ...data, test: null }, { sparseInputs })
    try {
      for (let i = 0; i < 3; i++) session.step()
      session.evaluate()
      return {
        step: secondsPerCall(() => session.step(), measureMs / 2, 3),
        evaluation: secondsPerCall(() => session.evaluate(), measureMs / 4, 2),
        sparseInputs: session.sparseInputs,
      }
    } finally {
      session.dispose()
    }
  }
  const one = timed(config, 1)
  const all = timed(config, cores)
  const withoutTheory = theoryEnabled(config) ? timed({ ...config, theory: { ...config.theory, enabled: false } }, 1).evaluation : null
  const dense = one.sparseInputs.length > 0 ? timed(config, 1, false).evaluation : null
  // the same run without a test split: what the probe's measures cost alone
  const probeOnly = data.test ? timed(config, 1, true, false).evaluation : one.evaluation
  blas.setThreads(1)
  return {
    key: shapeKey(config),
    example: `${config.model.kind} ${JSON.stringify(config.model.hidden)} ${config.model.activation}, batch ${config.optimizer.batchSize || 'full'}, evalEvery ${config.evalEvery}`,
    stepSeconds: one.step,
    evaluationSeconds: one.evaluation,
    stepSecondsAllThreads: all.step,
    evaluationSecondsAllThreads: all.evaluation,
    evaluationWithoutTheorySeconds: withoutTheory,
    evalEvery: config.evalEvery,
    evaluationShare: one.evaluation / (config.evalEvery * one.step),
    evaluationShareWithoutTheory: withoutTheory === null ? null : withoutTheory / (config.evalEvery * one.step),
    sparseInputs: one.sparseInputs,
    evaluationDenseSeconds: dense,
    evaluationShareDense: dense === null ? null : dense / (config.evalEvery * one.step),
    testSetSeconds: data.test ? Math.max(0, one.evaluation - probeOnly) : null,
    probeSeconds: Math.min(probeOnly, one.evaluation),
  }
}

async function presetCosts(name: string): Promise<{ runs: ExpandedRun[]; costs: Map<string, ShapeCost> }> {
  const preset = await findPreset(name, true)
  const { runs } = expandExperiment(preset.experiment)
  const costs = new Map<string, ShapeCost>()
  for (const run of runs) {
    const key = shapeKey(run.config)
    if (!costs.has(key)) costs.set(key, await shapeCost(run.config))
  }
  return { runs, costs }
}

/**
 * How many steps a run is counted at: all of them (`most`), where its convergence stop could first
 * end it (`fewest`: minSteps under the authors' checks from step 0, which latch and end the run at
 * the later of minSteps and the settled check; minSteps + checkEvery when checks start at minSteps),
 * or where runs of its cell were seen to stop (stop-lengths.ts).
 */
type StepCount = 'most' | 'fewest' | StopLengths
function stepsOf(config: RunConfig, count: StepCount): number {
  if (!config.stopping || count === 'most') return config.steps
  if (count === 'fewest') return Math.min(config.steps, config.stopping.minSteps + (config.stopping.checksFrom === 'start' ? 0 : config.stopping.checkEvery))
  return observedSteps(config, count)
}

/** Seconds of one run: its steps and its evaluations (at step 0, every evalEvery, at the end). */
function runSeconds(config: RunConfig, c: ShapeCost, allThreads: boolean, count: StepCount = 'most'): number {
  const steps = stepsOf(config, count)
  const evaluations = Math.floor(steps / config.evalEvery) + 2
  return allThreads
    ? steps * c.stepSecondsAllThreads + evaluations * c.evaluationSecondsAllThreads
    : steps * c.stepSeconds + evaluations * c.evaluationSeconds
}

/**
 * Wall time of a preset on `workers` workers of one BLAS thread each: the runner's queue order,
 * each run on the first free worker. `parallelEfficiency` is the measured throughput of `workers`
 * concurrent workers over `workers` times one worker's (the MNIST step in the steps section; 1
 * when not measured). Runs with a convergence stop are counted at their maximum step count.
 */
function makespan(runs: ExpandedRun[], costs: Map<string, ShapeCost>, workers: number, parallelEfficiency: number, count: StepCount = 'most'): number {
  const free = new Array(workers).fill(0)
  for (const run of runs) {
    const i = free.indexOf(Math.min(...free))
    free[i] += runSeconds(run.config, costs.get(shapeKey(run.config))!, false, count) / parallelEfficiency
  }
  return Math.max(...free)
}

/**
 * A preset's projected hours in the better of the two layouts (workers × 1 BLAS thread, or one
 * worker × every core), its runs counted at their full step count (`most`) or where their
 * convergence stop could first end them (`fewest`).
 */
function projectedHours(runs: ExpandedRun[], costs: Map<string, ShapeCost>, parallelEfficiency: number, count: StepCount) {
  const perCore = makespan(runs, costs, cores, parallelEfficiency, count) / 3600
  const wide = runs.reduce((sum, run) => sum + runSeconds(run.config, costs.get(shapeKey(run.config))!, true, count), 0) / 3600
  return { perCore, wide, hours: Math.min(perCore, wide) }
}

/** The runs of the first `seeds` seeds (a preset's grid lists the same seeds in every cell). */
function firstSeeds(runs: ExpandedRun[], seeds: number): ExpandedRun[] {
  const kept = new Set([...new Set(runs.map((r) => r.config.seed))].sort((a, b) => a - b).slice(0, seeds))
  return runs.filter((r) => kept.has(r.config.seed))
}

async function evaluationAndProjection(parallelEfficiency: number) {
  await initBackend('blas')
  const out: Record<string, unknown> = {}
  for (const name of ['song2021-mnist', 'song2021-width']) {
    const { runs, costs } = await presetCosts(name)
    const shapes = [...costs.values()]
    if (sections.has('evaluation')) {
      log(`\nevaluation cost, ${name} (full), one worker, one BLAS thread:`)
      for (const c of shapes)
        log(
          `  ${c.example.padEnd(48)} step ${(c.stepSeconds * 1000).toFixed(3)} ms, evaluation ${(c.evaluationSeconds * 1000).toFixed(2)} ms: ${(100 * c.evaluationShare).toFixed(1)}% of training` +
            (c.evaluationShareWithoutTheory === null ? '' : ` (${(100 * c.evaluationShareWithoutTheory).toFixed(1)}% without the theory measures)`) +
            (c.testSetSeconds === null ? '' : `; the test set ${(c.testSetSeconds * 1000).toFixed(1)} ms, the probe's alignments, norms and fit ${(c.probeSeconds * 1000).toFixed(1)} ms`) +
            (c.evaluationDenseSeconds === null
              ? ''
              : `; sparse inputs (${c.sparseInputs.join(', ')}): with dense products it would be ${(c.evaluationDenseSeconds * 1000).toFixed(2)} ms, ${(100 * c.evaluationShareDense!).toFixed(1)}%`),
        )
    }
    const { perCore, wide, hours } = projectedHours(runs, costs, parallelEfficiency, 'most')
    const stopping = runs.some((r) => r.config.stopping)
    const earliest = stopping ? projectedHours(runs, costs, parallelEfficiency, 'fewest').hours : null
    const seeds = new Set(runs.map((r) => r.config.seed)).size
    const tenSeeds = seeds > 10 ? firstSeeds(runs, 10) : null
    // Under a convergence stop, where runs really stop: a sample of the cheapest widths trained to their stop
    const lengths = stopping && sections.has('projection') ? await sampleStopLengths(runs, stopSampleWidths, stopSampleSeeds, log) : null
    const observed = lengths ? projectedHours(runs, costs, parallelEfficiency, lengths).hours : null
    const ten = tenSeeds
      ? {
          runs: tenSeeds.length,
          hours: projectedHours(tenSeeds, costs, parallelEfficiency, 'most').hours,
          earliest: stopping ? projectedHours(tenSeeds, costs, parallelEfficiency, 'fewest').hours : null,
          observed: lengths ? projectedHours(tenSeeds, costs, parallelEfficiency, lengths).hours : null,
        }
      : null
    if (sections.has('projection')) {
      log(
        `projection, ${name} (full), ${runs.length} runs: ${perCore.toFixed(2)} h on ${cores} workers × 1 BLAS thread (parallel efficiency ${parallelEfficiency.toFixed(2)}), ` +
          `${wide.toFixed(2)} h on 1 worker × ${cores} BLAS threads` +
          (earliest === null ? '' : `; with the convergence stop between ${earliest.toFixed(2)} h (every run stops at its first possible check) and ${hours.toFixed(2)} h (none stops early)`),
      )
      if (lengths)
        log(
          `projection, ${name} (full), ${runs.length} runs, each counted where its cell's sampled runs stopped: ${observed!.toFixed(2)} h` +
            (ten?.observed == null ? '' : `; with 10 seeds (${ten.runs} runs) ${ten.observed.toFixed(2)} h`) +
            `. The sample: ${lengths.runs} runs (widths ${lengths.widths.join(', ')}, seeds ${lengths.seeds.join(', ')}) trained to their stop in ${lengths.seconds.toFixed(0)} s, ` +
            `${lengths.atLimit} at the step limit; steps ÷ minSteps from ${lengths.spread[0].toFixed(2)} to ${lengths.spread[2].toFixed(2)} (median ${lengths.spread[1].toFixed(2)}), ` +
            `each cell's median carried to its wider runs`,
        )
      if (ten) log(`projection, ${name} (full) with 10 seeds, ${ten.runs} runs: ${ten.hours.toFixed(2)} h${ten.earliest === null ? '' : ` (${ten.earliest.toFixed(2)} h if every run stops at its first possible check)`}`)
    }
    const stopSample = lengths && { runs: lengths.runs, widths: lengths.widths, seeds: lengths.seeds, atLimit: lengths.atLimit, seconds: lengths.seconds, spread: lengths.spread }
    out[name] = { runs: runs.length, seeds, hoursWorkerPerCore: perCore, hoursOneWideWorker: wide, hours, hoursEarliestStop: earliest, hoursObservedStop: observed, stopSample, tenSeeds: ten, parallelEfficiency, shapes }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The LeNet step

interface LenetResult {
  name: string
  threads: number
  /** samples/s, summed over the layout's workers or processes */
  samples: number
  /** FA Lab: fraction of the step's wall time inside sgemm */
  productShare: number | null
  all: number[]
}

async function lenetSection() {
  const torchMissing = torchAvailable()
  const blas = loadBlas()
  if (!blas) throw new Error('the bench measures the blas backend: build the addon first (npm run build:native)')
  type LenetLayout = { kind: 'lab'; workers: number; blasThreads: number } | { kind: 'pytorch'; processes: number; torchThreads: number }
  const layouts: LenetLayout[] = []
  for (const workers of counts) for (const blasThreads of counts) layouts.push({ kind: 'lab', workers, blasThreads })
  if (!torchMissing) for (const processes of counts) for (const torchThreads of counts) layouts.push({ kind: 'pytorch', processes, torchThreads })
  const nameOf = (l: LenetLayout) => (l.kind === 'lab' ? `FA Lab ${l.workers} worker(s) × ${l.blasThreads} BLAS thread(s)` : `PyTorch ${l.processes} process(es) × torch ${l.torchThreads} thread(s)`)
  const threadsOf = (l: LenetLayout) => (l.kind === 'lab' ? l.workers * l.blasThreads : l.processes * l.torchThreads)

  log(`lenet: starting ${cores} FA Lab workers${torchMissing ? '' : ` and ${cores * cores} PyTorch processes`} …`)
  const workers = counts.map(() => new LabWorker())
  await Promise.all(workers.map((w) => w.ready))
  const torch = new Map<number, TorchProcess[]>()
  if (!torchMissing) for (const t of counts) torch.set(t, await Promise.all(counts.map(() => TorchProcess.start(t, 1, 'torch_lenet.py'))))
  const { lenetBatch } = await import('./lenet')
  const results = layouts.map((layout) => ({ layout, samples: [] as number[], share: [] as number[] }))
  for (let rep = 0; rep < reps; rep++) {
    const order = results.map((_, i) => (i + rep * 3) % results.length)
    for (const i of order) {
      const r = results[i]
      await new Promise((resolve) => setTimeout(resolve, 250))
      let samples: Sample[]
      if (r.layout.kind === 'lab') {
        blas.setThreads(r.layout.blasThreads)
        samples = await Promise.all(workers.slice(0, r.layout.workers).map((w) => w.request('lenet', measureMs)))
        r.share.push(median(samples.map((s) => s.sgemmSeconds! / s.seconds)))
      } else {
        const procs = torch.get(r.layout.torchThreads)!.slice(0, r.layout.processes)
        samples = await Promise.all(procs.map((p) => p.request('lenet', measureMs / 1000)))
      }
      r.samples.push(samples.reduce((sum, s) => sum + (s.count * lenetBatch) / s.seconds, 0))
    }
    log(`  repetition ${rep + 1}/${reps} done (load ${load()})`)
  }
  await Promise.all(workers.map((w) => w.stop()))
  torch.forEach((procs) => procs.forEach((p) => p.stop()))
  blas.setThreads(cores)

  const table: (LenetResult & { kind: LenetLayout['kind'] })[] = results.map((r) => ({
    kind: r.layout.kind,
    name: nameOf(r.layout),
    threads: threadsOf(r.layout),
    samples: median(r.samples),
    productShare: r.share.length ? median(r.share) : null,
    all: r.samples,
  }))
  const best = (kind: LenetLayout['kind']) => table.filter((r) => r.kind === kind).sort((a, b) => b.samples - a.samples)[0]
  const lab = best('lab')
  const pt = torchMissing ? undefined : best('pytorch')
  const ratio = pt ? { lab: lab.name, pytorch: pt.name, ratio: lab.samples / pt.samples } : null
  log(`\nlenet: LeNet-5, FA, batch ${lenetBatch}; medians of ${reps} repetitions of ${measureMs} ms, interleaved\n`)
  log('layout'.padEnd(52) + 'threads'.padStart(8) + 'samples/s'.padStart(12) + 'in sgemm'.padStart(10))
  for (const r of table) log(r.name.padEnd(52) + String(r.threads).padStart(8) + r.samples.toFixed(0).padStart(12) + (r.productShare === null ? '' : `${(100 * r.productShare).toFixed(0)}%`).padStart(10))
  if (torchMissing) log(`PyTorch: ${torchMissing}`)
  if (ratio) log(`lenet: best against best ${ratio.ratio.toFixed(2)}×   (${ratio.lab} / ${ratio.pytorch})`)
  return { batch: lenetBatch, layouts: table, ratio, pytorch: torchMissing ?? 'available' }
}

// ---------------------------------------------------------------------------------------------

const report: Record<string, unknown> = { cores, reps, measureMs, loadBefore: loadavg() }
if (markdown && process.argv.includes('--from')) {
  // re-render a saved --json report: npm run bench -- --markdown --from report.json
  const saved = JSON.parse(readFileSync(process.argv[process.argv.indexOf('--from') + 1], 'utf8'))
  console.log(markdownTables(saved))
  process.exit(0)
}
const torchVersion = torchAvailable() ? null : execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim()
report.torch = torchVersion
report.openblas = loadBlas()?.config() ?? null
// The kernels OpenBLAS runs (its core name is in the config above): chosen from the CPU unless this
// variable forces them, for FA Lab and PyTorch alike, since both inherit this environment.
report.openblasCoretype = process.env.OPENBLAS_CORETYPE ?? null
log(`FA Lab bench: ${cores} cores, load average ${load()}; PyTorch ${torchVersion ?? 'absent'}; ${report.openblas ?? 'no BLAS addon'}`)
let efficiency = 1
if (sections.has('lenet')) report.lenet = await lenetSection()
if (sections.has('steps')) {
  const steps = await stepsSection()
  report.steps = steps
  const one = steps.layouts.find((r) => r.layout.kind === 'lab' && r.layout.workers === 1 && r.layout.blasThreads === 1)
  const all = steps.layouts.find((r) => r.layout.kind === 'lab' && r.layout.workers === cores && r.layout.blasThreads === 1)
  if (one && all) efficiency = all.mnist / (cores * one.mnist)
}
if (sections.has('sweep')) report.sweep = await sweepSection()
if (sections.has('scale')) report.scale = await sweepScaleSection(log, load)
if (sections.has('evaluation') || sections.has('projection')) report.presets = await evaluationAndProjection(efficiency)
if (sections.has('timings')) {
  report.timings = timingsSection(reps)
  for (const t of report.timings as Timing[]) log(`${t.name}: ${t.unit === 'ms' ? `${t.value.toFixed(1)} ms` : `${t.value.toFixed(2)}×`} (a test once asserted ${t.formerTestBound})`)
}
if (sections.has('train-busy')) report.trainBusy = await trainBusySection({ reps, measureMs, log, startTorch: torchAvailable() ? null : (t, o) => TorchProcess.start(t, o) })
report.targets = targets(report)
report.loadAfter = loadavg()
log(`\nload average after: ${load()}`)
if (json) console.log(JSON.stringify(report))
if (markdown) console.log(markdownTables(report))
process.exit(0)

/**
 * Issue 24's targets against what this run measured (those its sections measured): the steps
 * against PyTorch best against best, and the full presets' projected hours, counted with every
 * run at its full step count (the convergence stop can only shorten them).
 */
function targets(r: typeof report): { target: string; value: number; limit: number; met: boolean }[] {
  const out: { target: string; value: number; limit: number; met: boolean }[] = []
  const add = (target: string, value: number | undefined, limit: number, atLeast: boolean) => {
    if (value === undefined || !Number.isFinite(value)) return
    out.push({ target, value, limit, met: atLeast ? value >= limit : value <= limit })
  }
  const ratios = (r.steps as { ratios?: Record<string, { ratio: number }> } | undefined)?.ratios
  add('synthetic step (p = 3,200) against PyTorch, best against best, ≥', ratios?.['synthetic: best against best']?.ratio, 2.5, true)
  add('MNIST step (784-1000-10, batch 600) against PyTorch, best against best, ≥', ratios?.['mnist: best against best']?.ratio, 2.0, true)
  const presets = r.presets as Record<string, { hours: number; hoursObservedStop: number | null; tenSeeds: { hours: number; observed: number | null } | null }> | undefined
  // under the authors' stop, each run counted where its cell's sampled runs stopped; at its step limit when the projection section did not sample
  const width = presets?.['song2021-width']
  const stop = width?.hoursObservedStop == null ? 'every run at its step limit' : "the authors' stop, sampled"
  add(`song2021-width full, 50 seeds (${stop}), hours ≤`, width?.hoursObservedStop ?? width?.hours, 24, false)
  add(`song2021-width full, 10 seeds (${stop}), hours ≤`, width?.tenSeeds?.observed ?? width?.tenSeeds?.hours, 5, false)
  add('song2021-mnist full (30 runs), hours ≤', presets?.['song2021-mnist']?.hours, 1, false)
  if (out.length) log('\ntargets (issue 24):')
  for (const t of out) log(`  ${t.target.padEnd(72)} ${t.limit}: ${t.value.toFixed(2)} ${t.met ? 'met' : 'NOT met'}`)
  return out
}

/** The figures as the README's tables (`--markdown`). */
function markdownTables(r: typeof report): string {
  const n = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  const out: string[] = [`${r.openblas ?? 'no BLAS addon'}${r.openblasCoretype ? ` (OPENBLAS_CORETYPE=${r.openblasCoretype})` : ''}; PyTorch ${r.torch ?? 'absent'}.`, '']
  const steps = r.steps as Awaited<ReturnType<typeof stepsSection>> | undefined
  if (steps) {
    out.push('| layout | threads | MNIST step, samples/s² | MNIST step in the products¹ | synthetic step, steps/s² |', '| --- | --- | --- | --- | --- |')
    const cell = (best: number, codes?: Record<TorchCode, number>) => (codes ? `${n(best)} (${n(codes.plain)} / ${n(codes.inplace)})` : n(best))
    for (const l of steps.layouts) out.push(`| ${l.name} | ${l.threads} | ${cell(l.mnist, l.codes?.mnist)} | ${n(100 * l.mnistProductShare)}% | ${cell(l.synthetic, l.codes?.synthetic)} |`)
    out.push('')
    out.push(
      '',
      '¹ FA Lab: time inside sgemm, timed in the addon, over the step\'s wall time; PyTorch: the step\'s five products timed alone, over the step (an estimate from two measurements, so it can exceed 100%).',
      '',
      '² PyTorch: the better of its two codes of the step, which are in parentheses: as a researcher writes it / in place, with the update fused into the product (`W.addmm_(x.T, delta, alpha=-lr)`) as FA Lab\'s is.',
      '',
    )
    for (const [name, v] of Object.entries(steps.ratios) as [string, { lab: string; pytorch: string; ratio: number }][]) out.push(`- ${name}: ${n(v.ratio, 2)}× (${v.lab} against ${v.pytorch})`)
    out.push('')
  }
  const lenet = r.lenet as Awaited<ReturnType<typeof lenetSection>> | undefined
  if (lenet) {
    out.push(`LeNet step (LeNet-5, FA, batch ${lenet.batch}):`, '', '| layout | threads | samples/s | in sgemm |', '| --- | --- | --- | --- |')
    for (const l of lenet.layouts) out.push(`| ${l.name} | ${l.threads} | ${n(l.samples)} | ${l.productShare === null ? '' : `${n(100 * l.productShare)}%`} |`)
    out.push('')
    if (lenet.ratio) out.push(`- LeNet step, best against best: ${n(lenet.ratio.ratio, 2)}× (${lenet.ratio.lab} against ${lenet.ratio.pytorch})`, '')
  }
  const sweep = r.sweep as Awaited<ReturnType<typeof sweepSection>> | undefined
  if (sweep) {
    out.push(`| sweep of ${sweep.runs} runs (p = 200, 5,000 steps) | wall time, s | runs/hour |`, '| --- | --- | --- |')
    for (const l of sweep.layouts) out.push(`| ${l.name} | ${n(l.seconds, 1)} | ${n(l.runsPerHour)} |`)
    out.push('')
  }
  if (r.scale) out.push(...sweepScaleMarkdown(r.scale as ScaleReport))
  const presets = r.presets as
    | Record<string, { runs: number; hoursWorkerPerCore: number; hoursOneWideWorker: number; hoursEarliestStop: number | null; hoursObservedStop: number | null; parallelEfficiency: number; shapes: ShapeCost[] }>
    | undefined
  if (presets) {
    out.push('| preset (full) | run shape | step, ms | evaluation, ms (test set + probe) | evaluation / training | without the theory measures | with dense first-layer products |', '| --- | --- | --- | --- | --- | --- | --- |')
    for (const [name, p] of Object.entries(presets))
      for (const c of p.shapes)
        out.push(`| ${name} | ${c.example} | ${n(c.stepSeconds * 1000, 3)} | ${n(c.evaluationSeconds * 1000, 2)}${c.testSetSeconds === null || c.testSetSeconds === undefined ? '' : ` (${n(c.testSetSeconds * 1000, 1)} + ${n(c.probeSeconds * 1000, 1)})`} | ${n(100 * c.evaluationShare, 1)}% | ${c.evaluationShareWithoutTheory === null ? '—' : `${n(100 * c.evaluationShareWithoutTheory, 1)}%`} | ${c.evaluationDenseSeconds === null ? '—' : `${n(c.evaluationDenseSeconds * 1000, 2)} ms, ${n(100 * c.evaluationShareDense!, 1)}%`} |`)
    out.push('')
    for (const [name, p] of Object.entries(presets))
      out.push(
        `- ${name} (full), ${p.runs} runs, each at its step limit: ${n(p.hoursWorkerPerCore, 2)} h on ${r.cores} workers × 1 BLAS thread (parallel efficiency ${n(p.parallelEfficiency, 2)}), ${n(p.hoursOneWideWorker, 2)} h on 1 worker × ${r.cores} BLAS threads` +
          (p.hoursObservedStop == null ? '' : `; under its convergence stop, each run where its cell's sampled runs stopped: ${n(p.hoursObservedStop, 2)} h (at least ${n(p.hoursEarliestStop!, 2)} h)`),
      )
  }
  const timings = r.timings as Timing[] | undefined
  if (timings) out.push('', timingsMarkdown(timings))
  if (r.trainBusy) out.push('', ...trainBusyMarkdown(r.trainBusy as TrainBusyReport))
  out.push('', `Load average ${(r.loadBefore as number[]).map((v) => v.toFixed(2)).join(' ')} before, ${(r.loadAfter as number[]).map((v) => v.toFixed(2)).join(' ')} after.`)
  return out.join('\n')
}
