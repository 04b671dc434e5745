/**
 * The run-config form: every field with its label, unit and default, shown when it applies.
 * Defaults mirror src-shared/config.ts; validation itself stays with the shared schema (main
 * answers validateExperiment and the form shows each issue beside its field).
 */
import { feedbackMagnitudes, rules } from '../../../src-shared/config'
import { getPath } from '../../../src-shared/fields'

export { getPath }

export type FieldKind = 'integer' | 'number' | 'select' | 'boolean' | 'text' | 'integer-list' | 'source'

export interface Field {
  path: string
  label: string
  kind: FieldKind
  unit?: string
  default?: unknown
  options?: readonly string[]
  help?: string
  /** Shown only when this returns true for the current config. */
  when?: (config: Record<string, unknown>) => boolean
}

const dataIs = (...kinds: string[]) => (c: Record<string, unknown>) => kinds.includes(String(getPath(c, 'data.kind')))
const modelIs = (kind: string) => (c: Record<string, unknown>) => getPath(c, 'model.kind') === kind
const activations = ['linear', 'relu', 'tanh', 'sigmoid'] as const

export const fields: Field[] = [
  { path: 'name', label: 'Run name', kind: 'text', help: 'optional' },
  { path: 'seed', label: 'Seed', kind: 'integer', default: 0, help: 'weights, feedback, data and shuffles derive from it' },
  { path: 'data.kind', label: 'Data', kind: 'select', options: ['synthetic', 'mnist', 'fashion-mnist'] },
  { path: 'data.n', label: 'Training samples n', kind: 'integer', unit: 'samples', when: dataIs('synthetic') },
  { path: 'data.inputDim', label: 'Input dimension d', kind: 'integer', unit: 'features', when: dataIs('synthetic') },
  { path: 'data.teacher', label: 'Teacher', kind: 'select', options: ['linear', 'two-layer'], default: 'linear', when: dataIs('synthetic') },
  { path: 'data.teacherWidth', label: 'Teacher width', kind: 'integer', unit: 'units', default: 200, when: (c) => dataIs('synthetic')(c) && getPath(c, 'data.teacher') === 'two-layer' },
  { path: 'data.teacherActivation', label: 'Teacher activation', kind: 'select', options: activations, default: 'relu', when: (c) => dataIs('synthetic')(c) && getPath(c, 'data.teacher') === 'two-layer' },
  { path: 'data.labelNoise', label: 'Label noise', kind: 'number', unit: 'standard deviation', default: 0, when: dataIs('synthetic') },
  { path: 'data.testN', label: 'Test samples', kind: 'integer', unit: 'samples', default: 0, when: dataIs('synthetic') },
  { path: 'data.source', label: 'Source', kind: 'source', default: 'bundled', when: dataIs('mnist', 'fashion-mnist') },
  { path: 'data.normalize', label: 'Normalise pixels', kind: 'select', options: ['standard', 'unit', 'none'], default: 'standard', when: dataIs('mnist', 'fashion-mnist') },
  { path: 'data.trainSize', label: 'Training subset', kind: 'integer', unit: 'images', help: 'all when empty', when: dataIs('mnist', 'fashion-mnist') },
  { path: 'data.testSize', label: 'Test subset', kind: 'integer', unit: 'images', help: 'all when empty', when: dataIs('mnist', 'fashion-mnist') },
  { path: 'data.classes', label: 'Classes', kind: 'integer-list', help: 'e.g. 3, 8; all when empty', when: dataIs('mnist', 'fashion-mnist') },
  { path: 'model.kind', label: 'Model', kind: 'select', options: ['two-layer', 'mlp'] },
  { path: 'model.hidden', label: 'Hidden width p', kind: 'integer', unit: 'units', when: modelIs('two-layer') },
  { path: 'model.hidden', label: 'Hidden widths', kind: 'integer-list', unit: 'units per layer', when: modelIs('mlp') },
  { path: 'model.activation', label: 'Activation ψ', kind: 'select', options: activations, default: 'relu' },
  { path: 'model.outputs', label: 'Outputs k', kind: 'integer', default: 1 },
  { path: 'model.bias', label: 'Biases', kind: 'boolean', default: true, when: modelIs('mlp') },
  { path: 'model.init', label: 'Initialisation', kind: 'select', options: ['standard', 'glorot', 'he'], default: 'he', when: modelIs('mlp') },
  { path: 'rule', label: 'Learning rule', kind: 'select', options: rules },
  { path: 'feedbackMagnitude', label: 'Sign feedback magnitudes', kind: 'select', options: feedbackMagnitudes, default: 'unit', when: (c) => getPath(c, 'rule') === 'sign' },
  { path: 'loss', label: 'Loss', kind: 'select', options: ['mse', 'cross-entropy'], default: 'mse' },
  { path: 'optimizer.learningRate', label: 'Learning rate η', kind: 'number' },
  { path: 'optimizer.batchSize', label: 'Batch size', kind: 'integer', unit: 'samples (0 = full batch)', default: 0 },
  { path: 'optimizer.momentum', label: 'Momentum', kind: 'number', default: 0 },
  { path: 'regularization.outputL2', label: 'Output L2 λ', kind: 'number', default: 0, help: 'adds λβ to the output layer’s update' },
  { path: 'regularization.weightDecay', label: 'Weight decay', kind: 'number', default: 0 },
  { path: 'regularization.dropout', label: 'Dropout', kind: 'number', unit: 'probability', default: 0 },
  { path: 'steps', label: 'Steps', kind: 'integer', unit: 'updates' },
  { path: 'evalEvery', label: 'Evaluate every', kind: 'integer', unit: 'steps', default: 100 },
  { path: 'evalSamples', label: 'Samples for alignment', kind: 'integer', unit: 'samples', default: 1000 },
  { path: 'backend', label: 'Backend', kind: 'select', options: ['auto', 'tensorflow', 'blas', 'wasm', 'cpu'], default: 'auto' },
]

/** Sets (or, for undefined, removes) a value at a dotted path, creating objects on the way. */
export function setPath(config: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = config
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  const last = keys[keys.length - 1]
  if (value === undefined) delete node[last]
  else node[last] = value
}

/** Parses what the user typed into a field's value; undefined means "use the default". */
export function parseFieldInput(field: Field, text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  switch (field.kind) {
    case 'integer':
    case 'number': {
      const n = Number(trimmed)
      return Number.isNaN(n) ? trimmed : n
    }
    case 'integer-list':
      return trimmed.split(/[\s,]+/).filter(Boolean).map((t) => (Number.isNaN(Number(t)) ? t : Number(t)))
    default:
      return trimmed
  }
}

/** The text a field shows for its current value. */
export function formatFieldValue(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (Array.isArray(value)) return value.join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
