import { describe, expect, it } from 'vitest'
import { formatSeconds } from '../../src-shared/resources'

describe('formatSeconds (estimates on the preset cards and in the form)', () => {
  it('reads as English at every scale', () => {
    expect(formatSeconds(42)).toBe('42 s')
    expect(formatSeconds(150)).toBe('3 min')
    expect(formatSeconds(3900)).toBe('1 h 5 min')
    expect(formatSeconds(86400 * 1.2)).toBe('1 day')
    expect(formatSeconds(86400 * 3)).toBe('3 days')
    expect(formatSeconds(Infinity)).toBe('forever')
  })
})
