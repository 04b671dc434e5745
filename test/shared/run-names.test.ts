import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src-shared/config'
import { expandExperiment } from '../../src-shared/experiment'
import { defaultNameTemplate, fillTemplate, formatNumber, maxNameLength, maxTemplateLength, NameSchema, parseTemplate } from '../../src-shared/run-names'

const base = {
  seed: 1,
  data: { kind: 'synthetic', n: 20, inputDim: 10, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 8, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  steps: 10,
}

function refusal(input: unknown): { path: string; message: string }[] {
  try {
    expandExperiment(input)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues
  }
  throw new Error('accepted')
}

describe('run name templates', () => {
  it('fills the placeholders with each run’s swept values', () => {
    const { runs } = expandExperiment({
      name: 'width',
      base,
      nameTemplate: 'FA λ={regularization.outputL2} p={model.hidden} {rule}',
      grid: { 'regularization.outputL2': [0.1, 0.00001], 'model.hidden': [400, 12800], rule: ['fa', 'bp'] },
    })
    expect(runs.map((r) => r.name).slice(0, 3)).toEqual(['FA λ=0.1 p=400 FA', 'FA λ=0.1 p=400 BP', 'FA λ=0.1 p=12800 FA'])
    expect(runs[4].name).toBe('FA λ=1e-5 p=400 FA')
    // the name is also the run config's name, so every front door stores it
    expect(runs[4].config.name).toBe('FA λ=1e-5 p=400 FA')
  })

  it('builds a default template from the experiment’s name and the symbols of its swept fields', () => {
    const experiment = { name: 'FA', base, grid: { 'regularization.outputL2': [0, 0.3] }, zip: { 'model.hidden': [100, 400] } }
    expect(defaultNameTemplate(experiment)).toBe('FA λ={regularization.outputL2} p={model.hidden}')
    expect(expandExperiment(experiment).runs.map((r) => r.name)).toEqual(['FA λ=0 p=100', 'FA λ=0 p=400', 'FA λ=0.3 p=100', 'FA λ=0.3 p=400'])
    // a single run is named after the experiment, or the base's own run name
    expect(expandExperiment({ name: 'one', base }).runs[0].name).toBe('one')
    expect(expandExperiment({ name: 'one', base: { ...base, name: 'mine {x}' } }).runs[0].name).toBe('mine {x}')
    // named variants lead with their name
    const variants = { name: 'act', base, variants: [{ name: 'linear', set: { 'model.activation': 'linear' } }, { name: 'tanh', set: { 'model.activation': 'tanh' } }], grid: { seed: [1, 2] } }
    expect(expandExperiment(variants).runs.map((r) => r.name)).toEqual(['act linear seed=1', 'act linear seed=2', 'act tanh seed=1', 'act tanh seed=2'])
  })

  it('writes numbers compactly and strings without quotes', () => {
    expect([0.1, 0.001, 1e-5, 12800, 1000, 1e6, 0.30000000000000004, 1 / 3, -2, 0].map(formatNumber)).toEqual(['0.1', '0.001', '1e-5', '12800', '1000', '1e6', '0.3', '0.333333', '-2', '0'])
    const { runs } = expandExperiment({ name: 'a', base, grid: { 'model.activation': ['tanh'], 'data.teacher': ['two-layer'] } })
    expect(runs[0].name).toBe('a ψ=tanh teacher=two-layer')
    expect(runs[0].name).not.toMatch(/"/)
  })

  it('keeps literal braces written twice and fills defaults of unset fields', () => {
    const parsed = parseTemplate('{{x}} m={optimizer.momentum}')
    expect('parts' in parsed && fillTemplate(parsed.parts, base)).toBe('{x} m=0')
  })

  it('refuses an unknown placeholder, naming it and the nearest field', () => {
    const issues = refusal({ name: 'w', base, grid: { 'model.hidden': [1, 2] }, nameTemplate: 'p={model.hiden}' })
    expect(issues).toEqual([{ path: 'nameTemplate', message: 'the name template names {model.hiden}, which is not a config field: did you mean {model.hidden}?' }])
    expect(refusal({ name: 'w', base, nameTemplate: 'λ={outputL2}' })[0].message).toMatch(/did you mean \{regularization\.outputL2\}\?/)
    expect(refusal({ name: 'w', base, nameTemplate: 'a {rule' })[0].message).toMatch(/never closed/)
    expect(refusal({ name: 'w', base, nameTemplate: 'a } b' })[0].message).toMatch(/no "\{" before it/)
  })

  it('bounds the template and the names it makes', () => {
    expect(refusal({ name: 'w', base, nameTemplate: 'x'.repeat(maxTemplateLength + 1) })[0].message).toMatch(/at most 300 are allowed/)
    // names given are refused above 200 characters (D10); a template may make a longer one, which is cut
    expect(refusal({ name: 'n'.repeat(maxNameLength + 1), base })[0].message).toBe(`a name has at most ${maxNameLength} characters`)
    const { runs } = expandExperiment({ name: 'w', base, nameTemplate: `${'n'.repeat(maxTemplateLength - 10)} {seed}` })
    expect(runs[0].name).toHaveLength(maxNameLength)
    expect(runs[0].name.endsWith('…')).toBe(true)
  })

  it('never reaches an object’s prototype through a placeholder', () => {
    for (const placeholder of ['__proto__', 'constructor.prototype', 'constructor', 'toString', 'model.__proto__', '__proto__.polluted'])
      expect(refusal({ name: 'w', base, nameTemplate: `x={${placeholder}}` })[0].message).toMatch(/not a config field/)
    // filling reads own properties only
    const parsed = parseTemplate('{rule}')
    expect('parts' in parsed && fillTemplate([{ path: 'constructor.prototype' }], {})).toBe('—')
    expect('parts' in parsed && fillTemplate([{ path: 'toString' }], {})).toBe('—')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype.toString.call([])).toBe('[object Array]')
  })

  it('checks names given by a rename: trimmed, not empty, bounded', () => {
    expect(NameSchema.parse('  mine  ')).toBe('mine')
    expect(NameSchema.safeParse('   ').error?.issues[0].message).toBe('a name cannot be empty')
    expect(NameSchema.safeParse('x'.repeat(maxNameLength + 1)).error?.issues[0].message).toBe('a name has at most 200 characters')
  })
})
