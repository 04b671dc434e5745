import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseRunConfig } from '../../src-shared/config'

const syntheticExample = JSON.parse(readFileSync(new URL('../../resources/examples/song2021-synthetic.json', import.meta.url), 'utf8'))

function issuesOf(input: unknown): string[] {
  try {
    parseRunConfig(input)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues.map((i) => i.path)
  }
  throw new Error('config was accepted')
}

describe('run config', () => {
  it('accepts the shipped synthetic example config exactly as written and fills defaults', () => {
    const config = parseRunConfig(syntheticExample)
    expect(config.rule).toBe('fa')
    expect(config.regularization).toEqual({ outputL2: 0.2, weightDecay: 0, dropout: 0 })
    expect(config.optimizer).toEqual({ learningRate: 0.01, batchSize: 0, momentum: 0 })
    expect(config.backend).toBe('auto')
    expect(config.data).toMatchObject({ kind: 'synthetic', labelNoise: 0, testN: 0 })
  })

  it('refuses an invalid config naming each bad field', () => {
    const bad = {
      ...syntheticExample,
      rule: 'magic',
      steps: -5,
      optimizer: { learningRate: 0, batchSize: 0, lerningRate: 1 },
      model: { ...syntheticExample.model, activation: 'swish' },
    }
    const paths = issuesOf(bad)
    expect(paths).toEqual(expect.arrayContaining(['rule', 'steps', 'optimizer.learningRate', 'optimizer', 'model.activation']))
    expect(() => parseRunConfig(bad)).toThrow(/optimizer: Unrecognized key: "lerningRate"/)
  })

  it('checks fields against each other', () => {
    expect(issuesOf({ ...syntheticExample, loss: 'cross-entropy' })).toEqual(expect.arrayContaining(['model.outputs', 'loss']))
    expect(issuesOf({ ...syntheticExample, data: { kind: 'mnist' }, model: { kind: 'two-layer', hidden: 10, outputs: 3 } })).toEqual(['model.outputs'])
    expect(() => parseRunConfig({ ...syntheticExample, data: { kind: 'mnist', classes: [3, 8] }, model: { kind: 'two-layer', hidden: 10, outputs: 1 } })).not.toThrow()
  })
})
