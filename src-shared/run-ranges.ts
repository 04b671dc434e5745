/**
 * Run ids as ranges of text, `1-2460,2502,2600-2700`: how a choice of runs travels in a link, a
 * figure's spec and a request, so that 10,000 runs of a sweep take a few characters rather than
 * 60,000. A plain comma list is a list of one-id ranges, and `a..b` reads as `a-b`. The count of
 * ids a text names is worked out from its ranges before any list is made, so `1-999999999` is
 * refused (or resolved against the lab's runs) without a billion-entry array. Pure.
 */
import { z } from 'zod'
import { maxFigureRuns, maxRunRangesLength } from './limits'

/** Inclusive ranges of run ids, [first, last], in the text's order. */
export type RunRange = readonly [number, number]

/** The ids as ranges text, in their order: each ascending stretch of consecutive ids is one `a-b`. */
export function runRangesText(ids: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < ids.length; ) {
    let j = i
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++
    parts.push(j === i ? `${ids[i]}` : `${ids[i]}-${ids[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

const part = /^\s*(\d{1,15})\s*(?:(?:-|\.\.)\s*(\d{1,15})\s*)?$/

/** The ranges of a text, or the fault that names its first bad part (`'7-3' runs backwards`). */
export function parseRunRanges(text: string): { ranges: RunRange[] } | { fault: string } {
  if (text.length > maxRunRangesLength) return { fault: `${text.length.toLocaleString('en-US')} characters of run ids, more than the limit of ${maxRunRangesLength.toLocaleString('en-US')}` }
  const ranges: RunRange[] = []
  for (const piece of text.split(',')) {
    const match = part.exec(piece)
    const quoted = `'${piece.trim().slice(0, 40)}'`
    if (!match) return { fault: `${quoted} is not a run id or a range of them (1-2460)` }
    const first = Number(match[1])
    const last = match[2] === undefined ? first : Number(match[2])
    if (first < 1 || !Number.isSafeInteger(last)) return { fault: `${quoted}: run ids are whole numbers from 1` }
    if (last < first) return { fault: `${quoted} runs backwards` }
    ranges.push([first, last])
  }
  return { ranges }
}

/** How many ids the ranges name (a range named twice counts twice). */
export const rangesCount = (ranges: readonly RunRange[]): number => ranges.reduce((n, [a, b]) => n + b - a + 1, 0)

/** Whether `id` lies in one of the ranges. */
export function inRanges(ranges: readonly RunRange[], id: number): boolean {
  return ranges.some(([a, b]) => id >= a && id <= b)
}

/** Ranges text as the ids it names, at most `max` of them (else the fault, counted before any list is made). */
function expand(text: string, max: number): number[] | string {
  const parsed = parseRunRanges(text)
  if ('fault' in parsed) return parsed.fault
  const count = rangesCount(parsed.ranges)
  if (count > max) return `${count.toLocaleString('en-US')} runs; a figure draws at most ${max.toLocaleString('en-US')}`
  return parsed.ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i))
}

const id = z.int().positive()

/**
 * A figure's runs: a list of ids or its ranges text, at most maxFigureRuns of them; either way
 * the ids as a list once parsed (what every reader of a spec gets).
 */
export const FigureRunIds = z.union([z.array(id).min(1), z.string().min(1)]).transform((runs, ctx) => {
  const ids = typeof runs === 'string' ? expand(runs, maxFigureRuns) : runs.length > maxFigureRuns ? `${runs.length.toLocaleString('en-US')} runs; a figure draws at most ${maxFigureRuns.toLocaleString('en-US')}` : runs
  if (typeof ids === 'string') {
    ctx.issues.push({ code: 'custom', message: ids, input: runs })
    return z.NEVER
  }
  return ids
})

/** A choice of runs sent as ranges text: bounded by its length, checked to parse; resolved against the lab by main. */
export const RunRangesText = z
  .string()
  .min(1)
  .max(maxRunRangesLength)
  .check((ctx) => {
    const parsed = parseRunRanges(ctx.value)
    if ('fault' in parsed) ctx.issues.push({ code: 'custom', message: parsed.fault, input: ctx.value })
  })
