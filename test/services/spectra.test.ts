import { describe, expect, it } from 'vitest'
import { theorySpectra } from '../../src-main/services/summaries'

describe('stored spectra', () => {
  const steps = { name: 'spectrum.steps', shape: [2], values: Float32Array.from([0, 100]) }
  const G = { name: 'spectrum.G', shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }
  const H = { name: 'spectrum.H', shape: [2, 3], values: Float32Array.from([-1, 0, 1, -2, 0, 2]) }

  it('come back as one row per kept step', () => {
    expect(theorySpectra(7, [steps, G, H])).toEqual({ runId: 7, steps: [0, 100], G: [[1, 2, 3], [4, 5, 6]], H: [[-1, 0, 1], [-2, 0, 2]] })
    expect(theorySpectra(7, [steps, G])!.H).toBeNull()
    expect(theorySpectra(7, [{ name: 'W1', shape: [1, 1], values: Float32Array.from([1]) }])).toBeNull()
  })

  it('refuse a stored shape that does not fit the data, naming the run and artifact', () => {
    expect(() => theorySpectra(7, [steps, { ...G, shape: [2, 1e9] }])).toThrow(/run 7's spectrum\.G is damaged: shape \[2,1000000000\] with 6 values for 2 steps/)
    expect(() => theorySpectra(7, [steps, { ...G, shape: [3, 2] }])).toThrow(/damaged/)
  })
})
