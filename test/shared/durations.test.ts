import { describe, expect, it } from 'vitest'
import { formatSeconds, progressFraction } from '../../src-shared/durations'

describe('formatSeconds (estimates, run durations, time left, the CLI: the one duration formatter)', () => {
  it('reads as English at every scale', () => {
    expect(formatSeconds(0.44)).toBe('0.4 s')
    expect(formatSeconds(0.96)).toBe('1 s')
    expect(formatSeconds(3.04)).toBe('3 s')
    expect(formatSeconds(42)).toBe('42 s')
    expect(formatSeconds(150)).toBe('3 min')
    expect(formatSeconds(3900)).toBe('1 h 5 min')
    expect(formatSeconds(86400 * 1.2)).toBe('1 day')
    expect(formatSeconds(86400 * 3)).toBe('3 days')
    expect(formatSeconds(Infinity)).toBe('forever')
  })

  it('progressFraction clamps to [0, 1] and is 0 without a positive max', () => {
    expect(progressFraction(30, 120)).toBe(0.25)
    expect(progressFraction(130, 120)).toBe(1)
    expect(progressFraction(-1, 120)).toBe(0)
    expect(progressFraction(5, 0)).toBe(0)
  })
})
