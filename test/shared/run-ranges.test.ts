import { describe, expect, it } from 'vitest'
import { requestSchemas } from '../../src-shared/contract'
import { FigureSpec } from '../../src-shared/figure-spec'
import { maxFigureRuns, maxRunRangesLength } from '../../src-shared/limits'
import { inRanges, parseRunRanges, rangesCount, runRangesText } from '../../src-shared/run-ranges'

describe('run ids as ranges (links, specs and requests name a sweep in a few characters)', () => {
  it('writes each ascending stretch of consecutive ids as one range, in the given order, and reads it back', () => {
    expect(runRangesText([1, 2, 3, 5, 7, 8, 9, 4])).toBe('1-3,5,7-9,4')
    expect(runRangesText([])).toBe('')
    const ids = Array.from({ length: 10_500 }, (_, i) => i + 1)
    expect(runRangesText(ids)).toBe('1-10500')
    expect(parseRunRanges('1-3,5,7..9, 4')).toEqual({ ranges: [[1, 3], [5, 5], [7, 9], [4, 4]] })
    expect(rangesCount([[1, 3], [5, 5]])).toBe(4)
    expect(inRanges([[1, 3], [7, 9]], 8)).toBe(true)
    expect(inRanges([[1, 3], [7, 9]], 5)).toBe(false)
  })

  it('names what is wrong with a bad part', () => {
    expect(parseRunRanges('1-3,x')).toEqual({ fault: "'x' is not a run id or a range of them (1-2460)" })
    expect(parseRunRanges('9-3')).toEqual({ fault: "'9-3' runs backwards" })
    expect(parseRunRanges('0-3')).toEqual({ fault: "'0-3': run ids are whole numbers from 1" })
    expect(parseRunRanges('1,'.repeat(maxRunRangesLength))).toMatchObject({ fault: expect.stringContaining('more than the limit') })
  })

  it('a figure spec takes ranges text and holds the ids; more runs than a figure draws are refused by count, never listed', () => {
    expect(FigureSpec.parse({ runIds: '1-3,7', measures: ['trainLoss'] }).runIds).toEqual([1, 2, 3, 7])
    // two 5,600-run sweeps side by side are a figure
    expect(FigureSpec.parse({ runIds: '1-11200', measures: ['trainLoss'] }).runIds).toHaveLength(11_200)
    const tooMany = FigureSpec.safeParse({ runIds: '1-999999999', measures: ['trainLoss'] })
    expect(tooMany.success).toBe(false)
    expect(tooMany.error!.issues[0].message).toBe(`999,999,999 runs; a figure draws at most ${maxFigureRuns.toLocaleString('en-US')}`)
    expect(FigureSpec.safeParse({ runIds: Array.from({ length: maxFigureRuns + 1 }, (_, i) => i + 1), measures: ['trainLoss'] }).error!.issues[0].message).toBe(`${(maxFigureRuns + 1).toLocaleString('en-US')} runs; a figure draws at most ${maxFigureRuns.toLocaleString('en-US')}`)
  })

  it('a natural-figure request takes ranges bounded by their length, not the runs they name', () => {
    expect(requestSchemas.naturalFigure.safeParse({ runs: '1-999999999' }).success).toBe(true)
    expect(requestSchemas.naturalFigure.safeParse({ runs: '1-3,x' }).success).toBe(false)
    expect(requestSchemas.naturalFigure.safeParse({ runs: '1'.padEnd(maxRunRangesLength + 1, '0') }).success).toBe(false)
  })
})
