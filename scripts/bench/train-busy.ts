/**
 * The bench's "train-busy" section (issue 27 D14, item 9): `fa-lab train` on the MNIST step while
 * another process keeps one core busy, against PyTorch's best one-process thread layout under the
 * same busy core.
 *
 *   busy core   a child process that spins (`node -e 'for (;;) {}'`) for the whole section, started
 *               BENCH_BUSY_WARMUP_S (default 60) seconds before the first measurement, so the
 *               one-minute load average that `fa-lab train` reads has seen it;
 *   FA Lab      the real CLI, one process per repetition: `fa-lab train --config mnist.json --json
 *               --backend blas`, with its own choice of BLAS threads (reported from its summary's
 *               blasThreads) and with each `--blas-threads N` forced, N = 1..cores. The config is the
 *               steps section's MNIST step (tasks.ts: 784 → 1000 relu → 10, batch 600, FA,
 *               cross-entropy, the bundled digits), BENCH_TRAIN_STEPS (default 400) steps with
 *               measures only at step 0 and the end. samples/s of the steps alone: the time from the
 *               step-0 line to the last line holds the steps and one evaluation, and train's
 *               durationMs holds the steps and two, so steps = 2·(last − first) − durationMs. Also
 *               the whole run's samples/s (durationMs, both evaluations in).
 *   PyTorch     torch_steps.py's MNIST step (its better code, as the steps section takes it) in one
 *               process, every layout of torch threads × OPENBLAS_NUM_THREADS, 1..cores each;
 *               BENCH_MS of steps a repetition.
 *
 * Interleaved, BENCH_REPS repetitions, medians; the ratio is train's own choice against PyTorch's
 * best layout (and train's best forced thread count against it). Not a test.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { benchTask, mnistStepData, unitsPerStep } from './tasks'

const cores = availableParallelism()
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** What the section needs from the bench's PyTorch client (bench.ts's TorchProcess). */
export interface TorchClient {
  request(task: string, seconds: number): Promise<{ count: number; seconds: number }>
  stop(): void
}

export interface TrainBusyOptions {
  reps: number
  measureMs: number
  log: (line: string) => void
  /** Null when PyTorch is missing (then only FA Lab is measured). */
  startTorch: ((torchThreads: number, openblasThreads: number) => Promise<TorchClient>) | null
}

export interface TrainBusyRow {
  name: string
  /** FA Lab: the --blas-threads given (null: train's own choice); PyTorch: torch × OpenBLAS threads. */
  threads: string
  /** samples/s, median over the repetitions: the steps alone. */
  samplesPerSecond: number
  /** FA Lab: samples/s over train's whole durationMs (its evaluations at step 0 and the end included). */
  wholeRunSamplesPerSecond?: number
  /** FA Lab: the BLAS threads train reported each repetition. */
  chosenThreads?: number[]
  samples: number[]
}

export interface TrainBusyReport {
  steps: number
  warmupSeconds: number
  rows: TrainBusyRow[]
  /** The one-minute load average at each FA Lab repetition's start (train reads it). */
  loadAtTrainStart: number[]
  ratio: { lab: string; pytorch: string; ratio: number } | null
  bestForcedRatio: { lab: string; pytorch: string; ratio: number } | null
}

interface TrainOutcome {
  stepsSamplesPerSecond: number
  wholeSamplesPerSecond: number
  blasThreads: number
}

/** One `fa-lab train` child: its stdout lines timed as they arrive. */
function timeTrain(config: string, steps: number, blasThreads: number | null, home: string): Promise<TrainOutcome> {
  const args = [cli, 'train', '--config', config, '--json', '--backend', 'blas', ...(blasThreads === null ? [] : ['--blas-threads', String(blasThreads)])]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FA_LAB_HOME: home } })
  const lines: { at: number; value: Record<string, unknown> }[] = []
  createInterface({ input: child.stdout }).on('line', (line) => lines.push({ at: performance.now(), value: JSON.parse(line) }))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      const evaluations = lines.filter((l) => typeof l.value.step === 'number')
      const summary = lines.find((l) => l.value.final)?.value as { durationMs: number; blasThreads: number; status: string; steps: number } | undefined
      if (code !== 0 || !summary || summary.status !== 'completed' || evaluations.length !== 2)
        return reject(new Error(`fa-lab train ${args.slice(2).join(' ')} exited ${code} (${evaluations.length} evaluation lines, status ${summary?.status})`))
      const between = evaluations[1].at - evaluations[0].at // the steps and the last evaluation
      const stepsMs = 2 * between - summary.durationMs // durationMs: the steps and both evaluations
      const samples = steps * unitsPerStep('mnist')
      resolve({ stepsSamplesPerSecond: samples / (stepsMs / 1000), wholeSamplesPerSecond: samples / (summary.durationMs / 1000), blasThreads: summary.blasThreads })
    })
  })
}

export async function trainBusySection({ reps, measureMs, log, startTorch }: TrainBusyOptions): Promise<TrainBusyReport> {
  const steps = Number(process.env.BENCH_TRAIN_STEPS ?? 400)
  const warmupSeconds = Number(process.env.BENCH_BUSY_WARMUP_S ?? 60)
  const dir = mkdtempSync(join(tmpdir(), 'fa-lab-train-busy-'))
  const { config } = await benchTask('mnist')
  const file = join(dir, 'mnist.json')
  writeFileSync(file, JSON.stringify({ ...config, data: mnistStepData, backend: 'blas', steps, evalEvery: steps }))

  const spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })
  try {
    log(`\ntrain-busy: fa-lab train on the MNIST step (${steps} steps of 600) with one core kept busy by a spinning process; warming up ${warmupSeconds} s so the load average sees it (load ${loadavg()[0].toFixed(2)}) …`)
    const threadCounts = Array.from({ length: cores }, (_, i) => i + 1)
    const torch = new Map<string, TorchClient>()
    if (startTorch) for (const t of threadCounts) for (const o of threadCounts) torch.set(`${t} × ${o}`, await startTorch(t, o))
    await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000))

    const labVariants: (number | null)[] = [null, ...threadCounts]
    const lab = labVariants.map((threads) => ({ threads, steps: [] as number[], whole: [] as number[], chosen: [] as number[] }))
    const pytorch = [...torch.keys()].map((key) => ({ key, samples: [] as number[] }))
    const loadAtTrainStart: number[] = []
    const jobs = [...lab.map((r) => ({ kind: 'lab' as const, r })), ...pytorch.map((r) => ({ kind: 'pytorch' as const, r }))]
    for (let rep = 0; rep < reps; rep++) {
      // rotate the order every repetition so that no variant always runs at the same moment
      for (let j = 0; j < jobs.length; j++) {
        const job = jobs[(j + rep) % jobs.length]
        await new Promise((resolve) => setTimeout(resolve, 250)) // let the last variant's idle BLAS threads sleep
        if (job.kind === 'lab') {
          loadAtTrainStart.push(loadavg()[0])
          const outcome = await timeTrain(file, steps, job.r.threads, dir)
          job.r.steps.push(outcome.stepsSamplesPerSecond)
          job.r.whole.push(outcome.wholeSamplesPerSecond)
          job.r.chosen.push(outcome.blasThreads)
        } else {
          const client = torch.get(job.r.key)!
          // PyTorch's two codes of the step; the better one counts, as in the steps section
          const rates = await Promise.all(['mnist', 'mnist-inplace'].map(async (task) => (await client.request(task, measureMs / 1000)) as { count: number; seconds: number }))
          job.r.samples.push(Math.max(...rates.map((s) => (s.count * unitsPerStep('mnist')) / s.seconds)))
        }
      }
      log(`  repetition ${rep + 1}/${reps} done (load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`)
    }
    torch.forEach((p) => p.stop())

    const rows: TrainBusyRow[] = [
      ...lab.map((r) => ({
        name: r.threads === null ? 'fa-lab train, its own choice of BLAS threads' : `fa-lab train --blas-threads ${r.threads}`,
        threads: r.threads === null ? `chose ${[...new Set(r.chosen)].join(' or ')}` : String(r.threads),
        samplesPerSecond: median(r.steps),
        wholeRunSamplesPerSecond: median(r.whole),
        chosenThreads: r.chosen,
        samples: r.steps,
      })),
      ...pytorch.map((r) => ({ name: `PyTorch 1 process, torch ${r.key.split(' × ')[0]} × OpenBLAS ${r.key.split(' × ')[1]}`, threads: r.key, samplesPerSecond: median(r.samples), samples: r.samples })),
    ]
    const bestTorch = rows.filter((r) => r.name.startsWith('PyTorch')).sort((a, b) => b.samplesPerSecond - a.samplesPerSecond)[0]
    const own = rows[0]
    const bestForced = rows.slice(1, lab.length).sort((a, b) => b.samplesPerSecond - a.samplesPerSecond)[0]
    const ratio = bestTorch ? { lab: own.name, pytorch: bestTorch.name, ratio: own.samplesPerSecond / bestTorch.samplesPerSecond } : null
    const bestForcedRatio = bestTorch ? { lab: bestForced.name, pytorch: bestTorch.name, ratio: bestForced.samplesPerSecond / bestTorch.samplesPerSecond } : null

    log(`\ntrain-busy: medians of ${reps} repetitions, one core kept busy\n`)
    log('variant'.padEnd(52) + 'threads'.padStart(12) + 'samples/s (steps)'.padStart(19) + 'whole run'.padStart(11))
    for (const r of rows) log(r.name.padEnd(52) + r.threads.padStart(12) + r.samplesPerSecond.toFixed(0).padStart(19) + (r.wholeRunSamplesPerSecond === undefined ? '' : r.wholeRunSamplesPerSecond.toFixed(0).padStart(11)))
    log(`train chose ${own.chosenThreads!.join(', ')} BLAS thread(s) (load average at each start: ${loadAtTrainStart.filter((_, i) => i % lab.length === 0).map((l) => l.toFixed(2)).join(', ')})`)
    if (ratio) log(`train-busy: train's choice / PyTorch's best ${ratio.ratio.toFixed(2)}×   (${ratio.pytorch}); train's best forced / PyTorch's best ${bestForcedRatio!.ratio.toFixed(2)}×   (${bestForcedRatio!.lab})`)
    return { steps, warmupSeconds, rows, loadAtTrainStart, ratio, bestForcedRatio }
  } finally {
    spinner.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The section as the README's table (`--markdown`). */
export function trainBusyMarkdown(report: TrainBusyReport): string[] {
  const n = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  const out = [`| MNIST step, one core kept busy (${report.steps} steps of 600 a run) | BLAS threads | samples/s, steps | samples/s, whole run |`, '| --- | --- | --- | --- |']
  for (const r of report.rows) out.push(`| ${r.name} | ${r.threads} | ${n(r.samplesPerSecond)} | ${r.wholeRunSamplesPerSecond === undefined ? '' : n(r.wholeRunSamplesPerSecond)} |`)
  out.push('')
  if (report.ratio) out.push(`- train's own choice against PyTorch's best: ${n(report.ratio.ratio, 2)}× (${report.ratio.pytorch}); train's best forced thread count: ${n(report.bestForcedRatio!.ratio, 2)}× (${report.bestForcedRatio!.lab})`, '')
  return out
}
