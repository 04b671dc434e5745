import { describe, expect, it } from 'vitest'
import { createSyntheticDataset } from '../../src-main/data/synthetic'
import { createRng, deriveSeed } from '../../src-main/lib/random'
import { parseRunConfig } from '../../src-shared/config'

const draws = (seed: number, stream = 'init.W1') => Array.from(createRng(seed, stream).normalArray(8))

describe('seeds over the whole safe-integer range (defect 10)', () => {
  it('seeds that agree modulo 2³² give different streams and different data', () => {
    for (const [a, b] of [
      [1, 4294967297],
      [0, 2 ** 32],
      [-1, 2 ** 32 - 1],
      [7, 7 + 2 ** 52],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 2 ** 32],
    ]) {
      expect(draws(a)).not.toEqual(draws(b))
      expect(deriveSeed(a, 'x')).not.toBe(deriveSeed(b, 'x'))
    }
    const spec = parseRunConfig({ seed: 0, data: { kind: 'synthetic', n: 5, inputDim: 3 }, model: { kind: 'two-layer', hidden: 2 }, rule: 'fa', optimizer: { learningRate: 0.1 }, steps: 1 }).data
    if (spec.kind !== 'synthetic') throw new Error('synthetic')
    expect(Array.from(createSyntheticDataset(spec, 1, 1).train.x)).not.toEqual(Array.from(createSyntheticDataset(spec, 1, 4294967297).train.x))
  })

  it('no two of many seeds sharing their low word share a generator state', () => {
    const seen = new Set<string>()
    for (let high = -50; high < 50; high++) seen.add(draws(high * 2 ** 32 + 12345, 'same').slice(0, 2).join())
    expect(seen.size).toBe(100)
  })

  it('keeps the streams seeds 0..2³²−1 always had (pinned values stay valid)', () => {
    expect(createRng(1, 'init.W1').uniform()).toBe(createRng(1, 'init.W1').uniform())
    // The first draws of seed 1 before the change, from the previous generator.
    expect(deriveSeed(1, 'init.W1')).toBe(previousDeriveSeed(1, 'init.W1'))
    expect(deriveSeed(3_000_000_000, 'data')).toBe(previousDeriveSeed(3_000_000_000, 'data'))
  })

  it('refuses a seed outside the safe-integer range', () => {
    expect(() => createRng(2 ** 53)).toThrow(/not an integer/)
  })
})

/** The generator's seed derivation as it was, with `seed | 0`. */
function previousDeriveSeed(seed: number, stream: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < stream.length; i++) {
    h ^= stream.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  const state = { s: ((h >>> 0) ^ Math.imul(seed | 0, 0x27d4eb2d)) | 0 }
  const next = () => {
    state.s = (state.s + 0x9e3779b9) | 0
    let z = state.s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  next()
  return next()
}
