import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src-shared/config'
import { expandExperiment } from '../../src-shared/experiment'
import { parseBoundedRunConfig } from '../../src-shared/run-cost'
import { experiment, runConfig } from './arbitraries'

/** Runs `body` and says whether it accepted; anything thrown but a ConfigError fails the property. */
function acceptedOrConfigError(body: () => unknown): boolean {
  try {
    body()
    return true
  } catch (error) {
    if (error instanceof ConfigError) return false
    throw error
  }
}

describe('generated configs and experiments (property-based)', () => {
  it('1,000 run configs: each valid or refused with a ConfigError, Object.prototype untouched', () => {
    let accepted = 0
    fc.assert(
      fc.property(runConfig, (config) => {
        if (acceptedOrConfigError(() => parseBoundedRunConfig(config))) accepted++
        expect(Object.prototype).not.toHaveProperty('polluted')
      }),
      { numRuns: 1000, seed: 11 },
    )
    // the generator reaches valid configs too, not only refusals
    expect(accepted).toBeGreaterThan(100)
  })

  it('1,000 experiments: each expanded or refused with a ConfigError, Object.prototype untouched', () => {
    let accepted = 0
    fc.assert(
      fc.property(experiment, (input) => {
        if (acceptedOrConfigError(() => expandExperiment(input))) accepted++
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
        expect(({} as Record<string, unknown>).x).toBeUndefined()
      }),
      { numRuns: 1000, seed: 11 },
    )
    expect(accepted).toBeGreaterThan(50)
  })
})
