import { describe, expect, it } from 'vitest'
import { ConfigError, parseRunConfig } from '../../src-shared/config'
import { countRuns, expandExperiment } from '../../src-shared/experiment'
import { parseJsonText } from '../../src-shared/input'
import { estimateResources, parseBoundedRunConfig } from '../../src-shared/run-cost'

const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 50, inputDim: 150, teacher: 'two-layer' },
  model: { kind: 'two-layer', hidden: 200, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  steps: 100,
}

function refusal(body: () => unknown): ConfigError {
  try {
    body()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('accepted')
}

describe('prototype keys and paths (defect 1)', () => {
  it('refuses a grid path through __proto__ by name and leaves Object.prototype alone', () => {
    for (const path of ['__proto__.polluted', 'constructor.prototype.polluted', 'data.__proto__.x', 'prototype']) {
      const error = refusal(() => expandExperiment({ name: 'p', base, grid: { [path]: [1] } }))
      expect(error.message).toMatch(/'(__proto__|constructor|prototype)' is not allowed/)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it('refuses the keys anywhere in parsed JSON, which keeps them as own keys', () => {
    const experiment = parseJsonText(`{"name":"p","base":{"seed":1,"__proto__":{"polluted":1}},"grid":{}}`)
    expect(refusal(() => expandExperiment(experiment)).issues[0]).toMatchObject({ path: 'base.__proto__' })
    expect(refusal(() => parseRunConfig(JSON.parse(`{"data":{"constructor":1}}`))).issues[0].path).toBe('data.constructor')
    expect(Object.getPrototypeOf(parseJsonText('{"a":{"b":1}}'))).toBeNull()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('tolerates a byte order mark and refuses nesting deeper than 32 levels without overflowing the stack', () => {
    expect(parseJsonText('\ufeff{"a":1}')).toEqual({ a: 1 })
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000))
    expect(refusal(() => parseRunConfig({ ...base, name: deep })).message).toMatch(/nested more than 32 levels deep/)
    expect(refusal(() => expandExperiment({ name: 'd', base, grid: { seed: [deep] } })).message).toMatch(/nested more than 32 levels/)
  })

  it('prints at most 20 faults and counts the rest', () => {
    const error = refusal(() => parseRunConfig({ ...base, model: { kind: 'mlp', hidden: Array(100).fill(-1) } }))
    expect(error.issues).toHaveLength(20)
    expect(error.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(20)
    expect(error.message).toMatch(/… and \d+ more faults/)
  })
})

describe('sweeps counted before they are expanded (defect 3)', () => {
  it('refuses a 10-axis × 10-value grid (10¹⁰ runs) without expanding it, with the count in the message', () => {
    const grid = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i === 0 ? 'seed' : `optimizer.learningRate${i}`, Array.from({ length: 10 }, (_, k) => k + 1)]))
    // Expanding 10¹⁰ runs would exhaust memory long before answering, so an answer at all shows the
    // count came first (how fast it comes is the bench's business, not a test's).
    const error = refusal(() => expandExperiment({ name: 'huge', base, grid }))
    expect(error.message).toContain('expands to 10,000,000,000 runs, more than the limit of 10,000')
    expect(countRuns({ name: 'huge', base, grid })).toBe(1e10)
  })

  it('accepts up to the limit and honours a raised or lowered one', () => {
    const grid = { seed: [1, 2, 3, 4, 5], 'optimizer.learningRate': [0.1, 0.2] }
    expect(expandExperiment({ name: 'ok', base, grid }).runs).toHaveLength(10)
    expect(refusal(() => expandExperiment({ name: 'low', base, grid }, { maxRuns: 9 })).message).toContain('expands to 10 runs, more than the limit of 9')
    const many = { seed: Array.from({ length: 10_001 }, (_, i) => i) }
    expect(refusal(() => expandExperiment({ name: 'many', base, grid: many })).message).toContain('10,001 runs')
    expect(expandExperiment({ name: 'many', base, grid: many }, { maxRuns: 20_000 }).runs).toHaveLength(10_001)
  })
})

describe('resource bounds (defect 4)', () => {
  it.each([
    ['model.hidden', 1e7],
    ['model.hidden', 2 ** 53 - 1],
    ['data.n', 1e9],
    ['data.inputDim', 1e9],
    ['data.testN', 1e9],
    ['model.outputs', 1e9],
    ['data.teacherWidth', 1e9],
  ])('refuses %s = %d from the estimate, before allocating, with the limit', (path, value) => {
    const [group, key] = path.split('.')
    const config = { ...base, [group]: { ...(base as unknown as Record<string, Record<string, unknown>>)[group], [key]: value } }
    const error = refusal(() => parseBoundedRunConfig(config))
    expect(error.message).toMatch(/needs about [\d.]+ [KMGTPE]?B of memory .* more than the 4\.29 GB a training worker has/)
    expect(refusal(() => expandExperiment({ name: 'big', base: config, grid: {} })).message).toMatch(/needs about/)
  })

  it('refuses a million layers, and a trillion steps logged every step', () => {
    expect(refusal(() => parseRunConfig({ ...base, model: { kind: 'mlp', hidden: Array(1e6).fill(1), outputs: 1 } })).message).toMatch(/model\.hidden: holds more than 200,000 values in all/)
    expect(refusal(() => parseBoundedRunConfig({ ...base, steps: 1e12, evalEvery: 1 })).message).toMatch(/would log 1\.00e\+12 evaluations/)
  })

  it('estimates the paper-sized runs within a worker, counting their parameters exactly', () => {
    const estimate = estimateResources(parseRunConfig(base))
    expect(estimate.parameters).toBe(150 * 200 + 200)
    expect(estimate.memoryBytes).toBeLessThan(50e6)
    const mnist = parseRunConfig({ ...base, data: { kind: 'mnist' }, model: { kind: 'two-layer', hidden: 1000, outputs: 10 }, loss: 'cross-entropy', optimizer: { learningRate: 0.1, batchSize: 600 } })
    expect(estimateResources(mnist).parameters).toBe(784 * 1000 + 1000 * 10)
    expect(estimateResources(mnist).flopsPerStep).toBe(6 * 600 * (784 * 1000 + 1000 * 10))
  })
})
