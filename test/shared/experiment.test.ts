import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src-shared/config'
import { expandExperiment, gridSize } from '../../src-shared/experiment'

const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer' },
  model: { kind: 'two-layer', hidden: 200, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  steps: 100,
}

function faults(input: unknown): string[] {
  try {
    expandExperiment(input)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)
  }
  throw new Error('accepted')
}

describe('sweep expansion', () => {
  it('expands the issue’s grid to 18 runs, first key slowest, values placed at their paths', () => {
    const { runs } = expandExperiment({ name: 'alignment vs lambda', base, grid: { rule: ['fa', 'bp'], 'regularization.outputL2': [0, 0.1, 0.3], seed: [1, 2, 3] } })
    expect(runs).toHaveLength(18)
    expect(gridSize({ a: [1, 2], b: [1, 2, 3], c: [1, 2, 3] })).toBe(18)
    expect(runs[0].point).toEqual({ rule: 'fa', 'regularization.outputL2': 0, seed: 1 })
    expect(runs[1].point).toEqual({ rule: 'fa', 'regularization.outputL2': 0, seed: 2 })
    expect(runs[17].config).toMatchObject({ rule: 'bp', seed: 3, regularization: { outputL2: 0.3, weightDecay: 0, dropout: 0 } })
    expect(new Set(runs.map((r) => JSON.stringify(r.point))).size).toBe(18)
    expect(runs.map((r) => r.sweepIndex)).toEqual([...Array(18).keys()])
  })

  it('a grid may set nested values such as a list of widths', () => {
    const { runs } = expandExperiment({ name: 'w', base: { ...base, model: { kind: 'mlp', hidden: [10], outputs: 1 } }, grid: { 'model.hidden': [[10], [20, 20]] } })
    expect(runs.map((r) => (r.config.model as { hidden: number[] }).hidden)).toEqual([[10], [20, 20]])
  })

  it('refuses an unknown path, an empty list and a value the schema refuses, naming each', () => {
    const issues = faults({ name: 'bad', base, grid: { 'optimizer.lr': [1], 'nothing.here': [1], seed: [], 'regularization.outputL2': [0.1, -1], rule: ['fa', 'magic'] } })
    expect(issues).toEqual(
      expect.arrayContaining([
        'grid.nothing.here: unknown config path',
        'grid.seed: empty list: a grid axis needs at least one value',
      ]),
    )
    const values = faults({ name: 'bad', base, grid: { 'regularization.outputL2': [0.1, -1], rule: ['fa', 'magic'], 'optimizer.lr': [1] } })
    expect(values.some((i) => i.startsWith('grid.regularization.outputL2 = -1:'))).toBe(true)
    expect(values.some((i) => i.startsWith('grid.rule = "magic":'))).toBe(true)
    expect(values.some((i) => /optimizer: Unrecognized key: "lr"/.test(i))).toBe(true)
  })

  it('refuses an experiment without a name or with a broken base', () => {
    expect(faults({ base, grid: {} })).toEqual(['name: Invalid input: expected string, received undefined'])
    expect(faults({ name: 'x', base: { ...base, steps: 0 } })[0]).toMatch(/^base\.steps:/)
  })
})
