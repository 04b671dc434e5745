import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src-shared/config'
import { experimentSize, expandExperiment, gridSize } from '../../src-shared/experiment'

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
  it('expands a 2 × 3 × 3 grid to 18 runs, first key slowest, values placed at their paths', () => {
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
        'grid.seed: empty list: an axis needs at least one value',
      ]),
    )
    const values = faults({ name: 'bad', base, grid: { 'regularization.outputL2': [0.1, -1], rule: ['fa', 'magic'], 'optimizer.lr': [1] } })
    expect(values.some((i) => i.startsWith('grid.regularization.outputL2 = -1:'))).toBe(true)
    expect(values.some((i) => i.startsWith('grid.rule = "magic":'))).toBe(true)
    expect(values).toContain('grid.optimizer.lr = 1: Unrecognized key: "lr"')
  })

  it('refuses an experiment without a name or with a broken base', () => {
    expect(faults({ base, grid: {} })).toEqual(['name: Invalid input: expected string, received undefined'])
    expect(faults({ name: 'x', base: { ...base, steps: 0 } })[0]).toMatch(/^base\.steps:/)
  })
})

describe('variants and linked axes', () => {
  const perActivation = {
    name: 'width',
    base: { ...base, steps: 20000, stopping: { minSteps: 0, checkEvery: 1000, lossTolerance: 1e-3 } },
    variants: [
      { name: 'linear', set: { 'model.activation': 'linear', 'optimizer.learningRate': 0.001 }, grid: { 'regularization.outputL2': [0, 0.2, 0.3] } },
      { name: 'relu', set: { 'model.activation': 'relu', 'data.teacherActivation': 'relu' }, grid: { 'regularization.outputL2': [0, 0.05] } },
    ],
    grid: { seed: [1, 2] },
    zip: { 'model.hidden': [200, 800], 'stopping.minSteps': [5050, 10101] },
  }

  it('counts Σ over variants of its grid × the shared grid × the zip length, variant slowest and zip fastest', () => {
    const { runs, experiment } = expandExperiment(perActivation)
    expect(runs).toHaveLength((3 + 2) * 2 * 2)
    expect(experimentSize(experiment)).toBe(20)
    expect(runs.map((r) => r.sweepIndex)).toEqual([...Array(20).keys()])
    expect(runs.slice(0, 4).map((r) => [r.config.regularization.outputL2, r.config.seed, r.config.model.hidden, r.config.stopping?.minSteps])).toEqual([
      [0, 1, 200, 5050],
      [0, 1, 800, 10101],
      [0, 2, 200, 5050],
      [0, 2, 800, 10101],
    ])
    expect(runs[0].point).toEqual({ 'model.activation': 'linear', 'optimizer.learningRate': 0.001, 'regularization.outputL2': 0, seed: 1, 'model.hidden': 200, 'stopping.minSteps': 5050 })
    expect(runs[0].label).toBe('linear')
    expect(runs.filter((r) => r.variant === 0)).toHaveLength(12)
    const relu = runs[12]
    expect(relu).toMatchObject({ variant: 1, label: 'relu' })
    expect(relu.config).toMatchObject({ model: { activation: 'relu', hidden: 200 }, optimizer: { learningRate: 0.01 }, data: { teacherActivation: 'relu' } })
    // a variant's set does not leak into the next variant
    expect(runs.filter((r) => r.variant === 1).every((r) => r.config.optimizer.learningRate === 0.01)).toBe(true)
    expect(runs.filter((r) => r.variant === 0).every((r) => r.config.optimizer.learningRate === 0.001)).toBe(true)
  })

  it('names runs with the variant label and its settings', () => {
    const { runs } = expandExperiment(perActivation)
    expect(runs[12].name).toBe('width relu λ=0 seed=1 p=200 minSteps=5050')
  })

  it('a zip alone links its lists one to one', () => {
    const { runs } = expandExperiment({ name: 'z', base, zip: { 'model.hidden': [10, 20, 30], steps: [5, 6, 7] } })
    expect(runs.map((r) => [r.config.model.hidden, r.config.steps])).toEqual([[10, 5], [20, 6], [30, 7]])
  })

  it('names the variant and path of every fault', () => {
    const issues = faults({
      name: 'bad',
      base,
      grid: { seed: [1, 2], 'model.hidden': [10] },
      zip: { 'model.hidden': [1, 2], steps: [1, 2, 3], 'optimizer.momentum': [] },
      variants: [
        { set: { 'model.hiden': 3 }, grid: { 'regularization.outputL2': [0, -1] } },
        { set: { 'optimizer.learningRate': -2, seed: 4 }, grid: { 'optimizer.learningRate': [1], 'nope.x': [1] } },
      ],
    })
    expect(issues).toEqual(
      expect.arrayContaining([
        'zip: linked lists must have one length: model.hidden has 2, steps has 3, optimizer.momentum has 0',
        'zip.optimizer.momentum: empty list: an axis needs at least one value',
        'zip.model.hidden: also an axis of grid: give a path in one place only',
        'variants[1].grid.nope.x: unknown config path',
        'variants[1].grid.optimizer.learningRate: also set by the variant: give a path in one place only',
        'variants[1].set.seed: also an axis of the shared grid: give a path in one place only',
      ]),
    )
    const values = faults({ name: 'bad', base, variants: [{ grid: { 'regularization.outputL2': [0, -1] } }, { set: { 'optimizer.learningRate': -2, 'model.hiden': 3 } }], zip: { steps: [1, 0] } })
    expect(values).toEqual(
      expect.arrayContaining([
        'variants[1].set.model.hiden = 3: Unrecognized key: "hiden"',
        expect.stringMatching(/^variants\[0\]\.grid\.regularization\.outputL2 = -1: /),
        expect.stringMatching(/^variants\[1\]\.set\.optimizer\.learningRate = -2: /),
        expect.stringMatching(/^zip\.steps = 0: /),
      ]),
    )
  })

  it('refuses a path with a reserved segment', () => {
    expect(faults({ name: 'p', base, variants: [{ grid: { 'data.__proto__.x': [1] } }] })[0]).toMatch(/^variants\[0\]\.grid\.data\.__proto__\.x: the key '__proto__' is not allowed/)
  })

  it('sharedInit refuses sweeping what changes the initial weights, and λ runs of one seed start alike', () => {
    expect(faults({ name: 's', base, sharedInit: true, grid: { 'model.hidden': [10, 20], 'regularization.outputL2': [0, 1] } })).toEqual([
      'model.hidden: sharedInit: this field changes the initial weights or feedback matrices, so the runs cannot share one initialisation',
    ])
    const { runs } = expandExperiment({ name: 's', base, sharedInit: true, grid: { seed: [1, 2], 'regularization.outputL2': [0, 0.1] } })
    expect(runs).toHaveLength(4)
  })
})
