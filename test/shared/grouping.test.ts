import { describe, expect, it } from 'vitest'
import { differingPaths, holdsNumbers } from '../../src-shared/grouping'

describe('the config paths a comparison can group or sweep by (one differ for the renderer and figures)', () => {
  const configs = [
    { name: 'a', seed: 1, rule: 'fa', model: { hidden: [10, 10] }, regularization: { outputL2: 0 } },
    { name: 'b', seed: 2, rule: 'dfa', model: { hidden: [20, 10] }, regularization: { outputL2: { kind: 'exp', initial: 1, rate: 0.1 } } },
  ]
  it('lists the leaves that differ, arrays as leaves, the name left out', () => {
    expect(differingPaths(configs)).toEqual(['model.hidden', 'regularization.outputL2', 'regularization.outputL2.initial', 'regularization.outputL2.kind', 'regularization.outputL2.rate', 'rule', 'seed'])
  })
  it('only fields holding a number in every config can be a sweep axis', () => {
    expect(holdsNumbers(configs, 'seed')).toBe(true)
    expect(holdsNumbers(configs, 'rule')).toBe(false)
    expect(holdsNumbers(configs, 'model.hidden')).toBe(false)
    // a number in one run and a schedule in the other
    expect(holdsNumbers(configs, 'regularization.outputL2')).toBe(false)
    expect(holdsNumbers(configs, 'regularization.outputL2.rate')).toBe(false)
  })
})
