/**
 * The theory measures' spectra from LAPACK equal ml-matrix's. What measuring costs against
 * training (at most 10% at the presets' evalEvery) is a speed figure, measured by the bench:
 * `npm run bench -- --sections evaluation`.
 */
import { describe, expect, it } from 'vitest'
import { symmetricEigenvalues, symmetricEigenvaluesInJs } from '../../src-main/engine/theory'
import { createRng } from '../../src-main/lib/random'

describe('spectra for the theory measures', () => {
  it('LAPACK (through the addon) gives ml-matrix’s eigenvalues of (A + Aᵀ)/2', () => {
    const rng = createRng(3, 'eigen')
    for (const size of [1, 2, 7, 50]) {
      const a = Float64Array.from(rng.normalArray(size * size))
      const fast = symmetricEigenvalues(a, size)
      const reference = symmetricEigenvaluesInJs(a, size)
      const scale = Math.max(...reference.map(Math.abs))
      fast.forEach((v, i) => expect(Math.abs(v - reference[i])).toBeLessThan(1e-9 * scale))
    }
  })
})
