import { describe, expect, it } from 'vitest'
import { ConfigError, parseRunConfig } from '../../src-shared/config'
import { convLayerShapes, featureShapes, lenet5Features, outputSide } from '../../src-shared/conv-shape'
import { describeFields, fieldAt } from '../../src-shared/fields'
import { estimateResources } from '../../src-shared/run-cost'
import { formatFieldValue, parseFieldInput } from '../../src-renderer/src/lab/form'

const lenet = {
  data: { kind: 'mnist' },
  model: { kind: 'conv', features: lenet5Features, hidden: [84], outputs: 10 },
  rule: 'fa',
  loss: 'cross-entropy',
  optimizer: { learningRate: 0.01, batchSize: 64 },
  steps: 10,
}

function faults(input: unknown): { path: string; message: string }[] {
  try {
    parseRunConfig(input)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues
  }
  throw new Error('config was accepted')
}

describe('conv model config', () => {
  it('accepts LeNet-5 and fills each stage’s defaults', () => {
    const config = parseRunConfig(lenet)
    expect(config.model.kind).toBe('conv')
    if (config.model.kind !== 'conv') return
    expect(config.model.features[2]).toEqual({ kind: 'conv', channels: 16, kernel: 5, stride: 1, padding: 0 })
    expect(config.model).toMatchObject({ activation: 'relu', bias: true, init: 'he' })
  })

  it('works out LeNet-5’s maps (28, 14, 10, 5, 1) and its weight layers as PyTorch sizes them', () => {
    const { shapes, fault } = featureShapes(lenet5Features)
    expect(fault).toBeNull()
    expect(shapes.map((s) => s.output)).toEqual([[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [1, 1, 120]])
    const { layers, flatWidth } = convLayerShapes({ features: lenet5Features, hidden: [84], outputs: 10 })
    expect(flatWidth).toBe(120)
    expect(layers.map((l) => l.shape)).toEqual([[5, 5, 1, 6], [5, 5, 6, 16], [5, 5, 16, 120], [120, 84], [84, 10]])
    expect(layers.map((l) => l.pools.length)).toEqual([1, 1, 0, 0, 0])
    // torch: floor((H + 2p − k)/s) + 1
    expect(outputSide(28, 3, 2, 1)).toBe(14)
    expect(outputSide(7, 2, 2)).toBe(3)
  })

  it('names the stage whose window does not fit, and why', () => {
    const noPad = faults({ ...lenet, model: { ...lenet.model, features: lenet5Features.map((s, i) => (i === 0 ? { ...s, padding: 0 } : s)) } })
    expect(noPad).toEqual([{ path: 'model.features.4.kernel', message: expect.stringMatching(/5×5 kernel does not fit the 4×4 map/) }])
    const pool = faults({ ...lenet, model: { ...lenet.model, features: [{ kind: 'maxPool', size: 2 }, ...lenet5Features] } })
    expect(pool[0]).toMatchObject({ path: 'model.features.0.kind', message: expect.stringMatching(/first stage must be a convolution/) })
    const pad = faults({ ...lenet, model: { ...lenet.model, features: [{ kind: 'conv', channels: 2, kernel: 3, padding: 3 }] } })
    expect(pad[0]).toMatchObject({ path: 'model.features.0.padding', message: expect.stringMatching(/less than the kernel/) })
    const badKind = faults({ ...lenet, model: { ...lenet.model, features: [{ kind: 'conv', channels: 2, kernel: 3 }, { kind: 'minPool', size: 2 }] } })
    expect(badKind).toContainEqual({ path: 'model.features.1.kind', message: expect.stringMatching(/conv.*maxPool.*avgPool/) })
  })

  it('refuses a conv model on synthetic data and with dropout', () => {
    const synthetic = faults({ ...lenet, data: { kind: 'synthetic', n: 10, inputDim: 784 }, loss: 'mse', model: { ...lenet.model, outputs: 1 } })
    expect(synthetic).toContainEqual({ path: 'model.kind', message: expect.stringMatching(/needs image data/) })
    const dropout = faults({ ...lenet, regularization: { dropout: 0.5 } })
    expect(dropout).toEqual([{ path: 'regularization.dropout', message: expect.stringMatching(/not available for convolutional/) }])
  })

  it('estimates LeNet’s parameters, multiply-adds and memory', () => {
    const estimate = estimateResources(parseRunConfig(lenet))
    const weights = 5 * 5 * 6 + 5 * 5 * 6 * 16 + 5 * 5 * 16 * 120 + 120 * 84 + 84 * 10
    expect(estimate.parameters).toBe(weights + 6 + 16 + 120 + 84 + 10)
    const macs = 5 * 5 * 6 * 28 * 28 + 5 * 5 * 6 * 16 * 10 * 10 + 5 * 5 * 16 * 120 + 120 * 84 + 84 * 10
    expect(estimate.flopsPerStep).toBe(6 * 64 * macs)
    // activations grow with the batch
    const bigger = estimateResources(parseRunConfig({ ...lenet, optimizer: { learningRate: 0.01, batchSize: 640 } }))
    expect(bigger.memoryBytes).toBeGreaterThan(estimate.memoryBytes)
  })

  it('puts the stages in the form as JSON, LeNet-5 to start from, and reads typed JSON back', () => {
    const field = fieldAt('model.features', describeFields())!
    expect(field).toMatchObject({ kind: 'text', label: 'Convolution and pooling layers', required: true })
    expect(field.example).toEqual(lenet5Features)
    const denseWidths = describeFields().find((f) => f.path === 'model.hidden' && f.when.some((c) => c.is.includes('conv')))!
    expect(denseWidths).toMatchObject({ kind: 'integer-list', label: 'Dense widths' })
    const text = formatFieldValue(lenet5Features)
    expect(text.startsWith('[{"kind":"conv"')).toBe(true)
    expect(parseFieldInput(field, text)).toEqual(lenet5Features)
  })
})
