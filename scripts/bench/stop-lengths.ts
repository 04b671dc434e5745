/**
 * How long runs under a convergence stop really last, for the bench's projections.
 *
 * The projection counts each run at a number of steps. Its two bounds (every run at its step limit,
 * every run at its first possible stop) are far apart under the authors' stopping rule: the
 * song2021-width preset's limit is 20 × minSteps. This module trains a sample of the preset's runs
 * to their real stop, with the real training loop (engine/train.ts), and gives each cell its
 * median of steps ÷ minSteps. A preset whose width is zipped with its step counts (song2021-width)
 * is sampled at its narrowest widths only, where runs are cheap, and the ratio is carried to the
 * wider ones: an assumption the bench prints beside the figure.
 */
import type { ExpandedRun } from '../../src-shared/experiment'
import type { RunConfig } from '../../src-shared/config'
import { createSyntheticDataset } from '../../src-main/data/synthetic'
import { train } from '../../src-main/engine/train'
import { median } from './median'

/** A run's cell apart from its seed, its name and its width (and what is zipped with the width: the teacher's width, minSteps, steps). */
export function cellKey(config: RunConfig): string {
  const { seed: _seed, steps: _steps, name: _name, model, data, stopping, ...rest } = config
  const { hidden: _hidden, ...modelRest } = model
  const { teacherWidth: _teacherWidth, ...dataRest } = data as typeof data & { teacherWidth?: number }
  const { minSteps: _minSteps, ...stoppingRest } = stopping ?? ({} as NonNullable<RunConfig['stopping']>)
  return JSON.stringify([rest, modelRest, dataRest, stoppingRest])
}

export interface StopLengths {
  /** Cell key → median steps ÷ minSteps over the sampled runs. */
  ratios: Map<string, number>
  /** The sampled runs: their widths, seeds and count, steps and wall seconds. */
  widths: number[]
  seeds: number[]
  runs: number
  atLimit: number
  seconds: number
  /** Over all sampled runs: the smallest, median and largest ratio. */
  spread: [number, number, number]
}

/**
 * Trains the runs of the preset's `widthCount` narrowest widths and `seedCount` first seeds to their
 * stop (synthetic data only) and returns each cell's median steps ÷ minSteps.
 */
export async function sampleStopLengths(runs: ExpandedRun[], widthCount: number, seedCount: number, log: (line: string) => void): Promise<StopLengths> {
  // each stopped synthetic run with its data's type narrowed, for createSyntheticDataset
  const stopped = runs.flatMap(({ config }) => (config.stopping && config.data.kind === 'synthetic' ? [{ config, data: config.data }] : []))
  const widths = [...new Set(stopped.map((r) => hiddenWidth(r.config)))].sort((a, b) => a - b).slice(0, widthCount)
  const seeds = [...new Set(stopped.map((r) => r.config.seed))].sort((a, b) => a - b).slice(0, seedCount)
  const sample = stopped.filter((r) => widths.includes(hiddenWidth(r.config)) && seeds.includes(r.config.seed))
  const byCell = new Map<string, number[]>()
  const all: number[] = []
  let atLimit = 0
  const started = performance.now()
  for (const [i, { config: c, data }] of sample.entries()) {
    const result = await train(c, createSyntheticDataset(data, c.model.outputs, c.seed))
    if (result.stopReason === 'step-limit') atLimit++
    const ratio = result.steps / c.stopping!.minSteps
    all.push(ratio)
    const key = cellKey(c)
    byCell.set(key, [...(byCell.get(key) ?? []), ratio])
    if ((i + 1) % 16 === 0) log(`  stop lengths: ${i + 1}/${sample.length} runs trained to their stop`)
  }
  const ratios = new Map([...byCell].map(([key, values]) => [key, median(values)]))
  const sorted = [...all].sort((a, b) => a - b)
  return {
    ratios,
    widths,
    seeds,
    runs: sample.length,
    atLimit,
    seconds: (performance.now() - started) / 1000,
    spread: [sorted[0] ?? 1, median(sorted) ?? 1, sorted[sorted.length - 1] ?? 1],
  }
}

function hiddenWidth(config: RunConfig): number {
  const hidden = config.model.hidden as number | number[]
  return Array.isArray(hidden) ? hidden[0] : hidden
}

/** A run's step count where the sampled cells predict it stops (its limit when the cell was not sampled). */
export function observedSteps(config: RunConfig, lengths: StopLengths): number {
  if (!config.stopping) return config.steps
  const ratio = lengths.ratios.get(cellKey(config))
  return ratio === undefined ? config.steps : Math.min(config.steps, Math.round(ratio * config.stopping.minSteps))
}
