/**
 * The paper's synthetic regression tasks: x ~ N(0, I_d) and a seeded teacher,
 *   linear:    y = θᵀx,                       θ ~ N(0, I_d) per output
 *   two-layer: y = (1/√p_t) Σ_r β_r ψ(w_r·x),  w_r ~ N(0, I_d), β_r ~ N(0, 1)
 * with optional Gaussian label noise on the training targets and a held-out test split.
 */
import type { Activation, SyntheticDataConfig } from '../../src-shared/config'
import { createRng } from '../lib/random'
import { fingerprintSplits, type Dataset, type Split } from './dataset'

const activationFunctions: Record<Activation, (a: number) => number> = {
  linear: (a) => a,
  relu: (a) => (a > 0 ? a : 0),
  tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
}

type Teacher = (x: Float32Array, offset: number, out: Float32Array, outOffset: number) => void

function createTeacher(spec: SyntheticDataConfig, outputs: number, seed: number): Teacher {
  const d = spec.inputDim
  if (spec.teacher === 'linear') {
    const theta = createRng(seed, 'data.teacher.theta').normalArray(d * outputs) // [outputs, d]
    return (x, offset, out, outOffset) => {
      for (let k = 0; k < outputs; k++) {
        let sum = 0
        for (let j = 0; j < d; j++) sum += theta[k * d + j] * x[offset + j]
        out[outOffset + k] = sum
      }
    }
  }
  const p = spec.teacherWidth
  const psi = activationFunctions[spec.teacherActivation]
  const W = createRng(seed, 'data.teacher.W').normalArray(p * d) // [p, d]
  const beta = createRng(seed, 'data.teacher.beta').normalArray(outputs * p) // [outputs, p]
  const hidden = new Float64Array(p)
  const scale = 1 / Math.sqrt(p)
  return (x, offset, out, outOffset) => {
    for (let r = 0; r < p; r++) {
      let a = 0
      for (let j = 0; j < d; j++) a += W[r * d + j] * x[offset + j]
      hidden[r] = psi(a)
    }
    for (let k = 0; k < outputs; k++) {
      let sum = 0
      for (let r = 0; r < p; r++) sum += beta[k * p + r] * hidden[r]
      out[outOffset + k] = sum * scale
    }
  }
}

function drawSplit(n: number, spec: SyntheticDataConfig, outputs: number, teacher: Teacher, seed: number, name: string, noise: number): Split {
  const d = spec.inputDim
  const x = createRng(seed, `data.${name}.x`).normalArray(n * d)
  const targets = new Float32Array(n * outputs)
  for (let i = 0; i < n; i++) teacher(x, i * d, targets, i * outputs)
  if (noise > 0) {
    const rng = createRng(seed, `data.${name}.noise`)
    for (let i = 0; i < targets.length; i++) targets[i] += noise * rng.normal()
  }
  return { n, x, targets }
}

/** Draws the dataset; `outputs` is the model's output count (the teacher's output count). */
export function createSyntheticDataset(spec: SyntheticDataConfig, outputs: number, seed: number): Dataset {
  const teacher = createTeacher(spec, outputs, seed)
  const train = drawSplit(spec.n, spec, outputs, teacher, seed, 'train', spec.labelNoise)
  const test = spec.testN > 0 ? drawSplit(spec.testN, spec, outputs, teacher, seed, 'test', 0) : null
  return {
    name: `synthetic ${spec.teacher} teacher, n=${spec.n}, d=${spec.inputDim}`,
    task: 'regression',
    inputDim: spec.inputDim,
    outputDim: outputs,
    train,
    test,
    identity: {
      kind: 'synthetic',
      source: 'synthetic',
      files: [],
      trainSize: spec.n,
      testSize: spec.testN,
      preprocessing: { ...spec, outputs, seed },
      fingerprint: fingerprintSplits(train, test),
    },
  }
}
