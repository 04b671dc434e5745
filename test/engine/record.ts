/**
 * Helpers the engine's tests share: a run trained with its evaluations recorded, and the
 * comparison of a faster path with its reference update by update (test/engine/fused.test.ts,
 * step-paths.test.ts, conv-blas.test.ts and conv-session-paths.test.ts all step two paths side by
 * side through `compareUpdates`).
 */
import { expect } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../src-shared/config'
import type { Dataset } from '../../src-main/data/dataset'
import { loadDataset } from '../../src-main/data/load'
import type { Metrics } from '../../src-main/engine/evaluation'
import { train, type Evaluation } from '../../src-main/engine/train'

/** Trains one run config on its dataset (or on `data`), recording every evaluation the engine logs. */
export async function trainRecorded(input: RunConfigInput, data?: Dataset) {
  const config = parseRunConfig(input)
  const evaluations: Evaluation[] = []
  const result = await train(config, data ?? (await loadDataset(config)), { onEvaluation: (e) => void evaluations.push(e) })
  return { result, evaluations }
}

export const float32Epsilon = 2 ** -23

/**
 * |update − reference update| relative to the reference update's largest entry. An update read back
 * as the difference of two stored float32 weights carries their rounding (one ulp of the largest
 * weight), whatever path made it, so that much is allowed on top.
 */
export function updateError(before: Float32Array, after: Float32Array, referenceBefore: Float32Array, referenceAfter: Float32Array): number {
  let diff = 0
  let size = 0
  let largest = 0
  for (let j = 0; j < after.length; j++) {
    const reference = referenceAfter[j] - referenceBefore[j]
    diff = Math.max(diff, Math.abs(after[j] - before[j] - reference))
    size = Math.max(size, Math.abs(reference))
    largest = Math.max(largest, Math.abs(referenceAfter[j]), Math.abs(referenceBefore[j]))
  }
  return Math.max(0, diff - 2 * float32Epsilon * largest) / (size || 1)
}

/** Every measure of `fast` equals the reference's (same names, within relative `tolerance`). */
export function compareMetrics(fast: Metrics, reference: Metrics, label: string, tolerance: number): void {
  expect(Object.keys(fast).sort(), label).toEqual(Object.keys(reference).sort())
  for (const [name, b] of Object.entries(reference))
    expect(Math.abs(fast[name] - b), `${label}: ${name}: ${fast[name]} vs ${b}`).toBeLessThan(tolerance * Math.max(1, Math.abs(b)))
}

/** One side of an update-by-update comparison: a step returning the loss before it, and every parameter it changes, copied. */
export interface SteppedPath {
  step(s: number): number | Promise<number>
  parameters(): Float32Array[]
}

/**
 * Steps a path and its reference side by side from the same state: at every step their losses agree
 * to relative 1e-5 and every parameter's update to `tolerance` (updateError). `betweenSteps` runs
 * after each step (to grow the heap, take a checkpoint, …).
 */
export async function compareUpdates(fast: SteppedPath, reference: SteppedPath, steps: number, label: string, options: { tolerance?: number; betweenSteps?: (s: number) => void } = {}): Promise<void> {
  const tolerance = options.tolerance ?? 1e-5
  for (let s = 0; s < steps; s++) {
    const before = fast.parameters()
    const referenceBefore = reference.parameters()
    const lossFast = await fast.step(s)
    const lossReference = await reference.step(s)
    expect(Math.abs(lossFast - lossReference), `${label}: loss at step ${s}: ${lossFast} against ${lossReference}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(lossReference)))
    const referenceAfter = reference.parameters()
    const after = fast.parameters()
    expect(after.length, label).toBe(referenceAfter.length)
    after.forEach((values, i) => expect(updateError(before[i], values, referenceBefore[i], referenceAfter[i]), `${label}: parameter ${i} at step ${s}`).toBeLessThan(tolerance))
    options.betweenSteps?.(s)
  }
}

/** Two seeded runs' evaluations agree: the same steps, every measure within relative `tolerance`. */
export function compareCurves(fast: Evaluation[], reference: Evaluation[], label: string, tolerance: number): void {
  expect(fast.map((e) => e.step), label).toEqual(reference.map((e) => e.step))
  fast.forEach((e, i) => compareMetrics(e.metrics, reference[i].metrics, `${label} at step ${e.step}`, tolerance))
}
