/**
 * fast-check generators of configs and experiments, from nearly valid to hostile: every field
 * optional, numbers at the edges (0, negatives, 1e9, 2⁵³, NaN, ∞), wrong types, unknown keys and
 * the prototype keys.
 */
import fc from 'fast-check'
import { activations, backends, losses, rules } from '../../src-shared/config'

const edgeNumber = fc.oneof(
  fc.integer({ min: -3, max: 300 }),
  fc.double({ noDefaultInfinity: false }),
  fc.constantFrom(0, -1, 0.5, 1e9, 1e12, 2 ** 53 - 1, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, -0),
)
const wrong = fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.array(edgeNumber, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }))
const value = fc.oneof({ weight: 3, arbitrary: edgeNumber }, { weight: 1, arbitrary: wrong })
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'nope', 'hidden', 'toString')

/** An object with the given fields, each optional, sometimes with an extra hostile key. */
function loose<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.tuple(hostileKey, value), { freq: 5 })).map(([record, extra]) => {
    const out: Record<string, unknown> = { ...record }
    if (extra) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true })
    return out
  })
}

const pick = <T>(values: readonly T[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: wrong })

const synthetic = loose({ kind: fc.constant('synthetic'), n: value, inputDim: value, teacher: pick(['linear', 'two-layer']), teacherWidth: value, teacherActivation: pick(activations), labelNoise: value, testN: value })
const image = loose({
  kind: pick(['mnist', 'fashion-mnist']),
  source: fc.oneof(pick(['bundled', 'download']), loose({ dir: fc.string({ maxLength: 8 }) })),
  normalize: pick(['standard', 'unit', 'none']),
  trainSize: value,
  testSize: value,
  classes: fc.array(value, { maxLength: 4 }),
  bundledTrainSplit: value,
})
const twoLayer = loose({ kind: fc.constant('two-layer'), hidden: value, activation: pick(activations), outputs: value })
const mlp = loose({ kind: fc.constant('mlp'), hidden: fc.array(value, { maxLength: 4 }), activation: pick(activations), outputs: value, bias: fc.boolean(), init: pick(['standard', 'glorot', 'he']) })

/** A run config valid by construction (synthetic data), sized to stay cheap. */
const validRunConfig = fc
  .record({
    seed: fc.maxSafeInteger().map((s) => s * (s % 2 ? -1 : 1)),
    n: fc.integer({ min: 1, max: 200 }),
    inputDim: fc.integer({ min: 1, max: 200 }),
    hidden: fc.integer({ min: 1, max: 500 }),
    rule: fc.constantFrom('bp', 'fa', 'dfa', 'sign'),
    learningRate: fc.double({ min: 1e-4, max: 1, noNaN: true }),
    steps: fc.integer({ min: 1, max: 1e6 }),
    evalEvery: fc.integer({ min: 1, max: 1000 }),
  })
  .map((v) => ({
    seed: v.seed,
    data: { kind: 'synthetic', n: v.n, inputDim: v.inputDim },
    model: { kind: 'two-layer', hidden: v.hidden },
    rule: v.rule,
    optimizer: { learningRate: v.learningRate },
    steps: v.steps,
    evalEvery: Math.min(v.evalEvery, v.steps),
  }))

const configPaths = ['seed', 'rule', 'steps', 'evalEvery', 'data.n', 'data.inputDim', 'data.testN', 'model.hidden', 'model.outputs', 'optimizer.learningRate', 'optimizer.batchSize', '__proto__', 'constructor', 'model.prototype', 'extra']

/** A valid config with one field replaced by an edge value or a wrong type (or left as it is). */
const nearlyValid = fc.tuple(validRunConfig, fc.option(fc.tuple(fc.constantFrom(...configPaths), value), { freq: 3 })).map(([config, change]) => {
  if (!change) return config as Record<string, unknown>
  const out = structuredClone(config) as Record<string, unknown>
  const [path, replacement] = change
  const segments = path.split('.')
  const parent = segments.length === 2 ? (out[segments[0]] as Record<string, unknown>) : out
  Object.defineProperty(parent, segments.at(-1)!, { value: replacement, enumerable: true, writable: true, configurable: true })
  return out
})

const hostileRunConfig = loose({
  name: fc.string({ maxLength: 8 }),
  seed: value,
  data: fc.oneof(synthetic, image, wrong),
  model: fc.oneof(twoLayer, mlp, wrong),
  rule: pick(rules),
  loss: pick(losses),
  optimizer: fc.oneof(loose({ learningRate: value, batchSize: value, momentum: value }), wrong),
  regularization: fc.oneof(loose({ outputL2: value, weightDecay: value, dropout: value }), wrong),
  steps: value,
  evalEvery: value,
  evalSamples: value,
  backend: pick(backends),
})

/** A run config, valid or not: half nearly valid, half hostile. */
export const runConfig = fc.oneof(nearlyValid, hostileRunConfig)

const paths = fc.constantFrom('seed', 'rule', 'model.hidden', 'optimizer.learningRate', 'regularization.outputL2', 'data.n', 'steps', '__proto__.polluted', 'constructor.prototype.x', 'model.nope', 'a..b', '')
const axes = fc.dictionary(paths, fc.array(value, { maxLength: 4 }), { maxKeys: 3 })

const validAxes = fc.record(
  {
    seed: fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 3 }),
    rule: fc.array(fc.constantFrom('bp', 'fa', 'dfa', 'sign'), { minLength: 1, maxLength: 3 }),
    'regularization.outputL2': fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }),
    'optimizer.learningRate': fc.array(fc.double({ min: 1e-4, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: [] },
)

/** A valid experiment, or one with a single hostile axis or key added. */
const nearlyValidExperiment = fc
  .tuple(validRunConfig, validAxes, fc.option(fc.tuple(paths, fc.array(value, { maxLength: 3 })), { freq: 3 }))
  .map(([base, grid, extra]) => {
    const out: Record<string, unknown[]> = { ...grid }
    if (extra) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true })
    return { name: 'generated', base, grid: out }
  })

const hostileExperiment = loose({
  name: fc.oneof(fc.string({ maxLength: 8 }), wrong),
  description: fc.string({ maxLength: 8 }),
  base: fc.oneof({ weight: 4, arbitrary: runConfig }, { weight: 1, arbitrary: wrong }),
  grid: fc.oneof({ weight: 4, arbitrary: axes }, { weight: 1, arbitrary: wrong }),
  variants: fc.array(loose({ name: fc.string({ maxLength: 4 }), set: fc.dictionary(paths, value, { maxKeys: 2 }), grid: axes }), { maxLength: 2 }),
  zip: axes,
  sharedInit: fc.boolean(),
})

/** An experiment, valid or not; small enough to expand in milliseconds. */
export const experiment = fc.oneof(nearlyValidExperiment, hostileExperiment)
