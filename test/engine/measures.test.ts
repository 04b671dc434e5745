import { beforeAll, describe, expect, it } from 'vitest'
import { cosine, frobeniusNorm, meanRowCosine } from '../../src-main/engine/measures'
import { initBackend, tf } from '../../src-main/engine/tf'

beforeAll(async () => {
  await initBackend('auto')
})

const t = (values: number[][]) => tf.tensor2d(values)

describe('alignment measures on hand-made vectors', () => {
  it('cosine: identical 1, opposite −1, orthogonal 0, 45° √2/2, scale-free', () => {
    expect(cosine(t([[1, 2, 3]]), t([[1, 2, 3]]))).toBeCloseTo(1, 6)
    expect(cosine(t([[1, 2, 3]]), t([[-2, -4, -6]]))).toBeCloseTo(-1, 6)
    expect(cosine(t([[1, 0], [0, 0]]), t([[0, 3], [0, 0]]))).toBeCloseTo(0, 6)
    expect(cosine(t([[1, 0]]), t([[5, 5]]))).toBeCloseTo(Math.SQRT1_2, 6)
  })

  it('cosine flattens matrices (vec) before comparing', () => {
    // ⟨a,b⟩ = 1·2 + 2·0 + 0·1 + 1·1 = 3, ‖a‖ = √6, ‖b‖ = √6
    expect(cosine(t([[1, 2], [0, 1]]), t([[2, 0], [1, 1]]))).toBeCloseTo(3 / 6, 6)
  })

  it('cosine with a zero vector is undefined, not 0', () => {
    expect(cosine(t([[0, 0]]), t([[1, 1]]))).toBeNull()
  })

  it('meanRowCosine averages per-row cosines and skips zero rows', () => {
    const a = t([[1, 0], [1, 1], [0, 0], [0, 2]])
    const b = t([[1, 0], [1, 0], [3, 3], [0, -1]])
    // rows: 1, √2/2, (skipped), −1
    expect(meanRowCosine(a, b)).toBeCloseTo((1 + Math.SQRT1_2 - 1) / 3, 6)
  })

  it('frobeniusNorm', () => {
    expect(frobeniusNorm(t([[3, 0], [0, 4]]))).toBeCloseTo(5, 6)
  })
})
