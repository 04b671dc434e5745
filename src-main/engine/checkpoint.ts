/**
 * Checkpoints: a run's full training state as one byte string, so a killed run continues exactly
 * where it stopped. The session's part (every tensor that changes, the batch order, generator
 * positions) and the loop's part (step, the last logged measures, the convergence check's last
 * loss, wall time). No storage here: the runner hands the bytes to the store.
 *
 * Layout: a 4-byte little-endian header length, the header as UTF-8 JSON, then the arrays' bytes
 * (each 4-byte aligned) in header order.
 */
import { convLayerShapes } from '../../src-shared/conv-shape'
import type { RunConfig } from '../../src-shared/config'
import type { RngState } from '../lib/random'
import type { Metrics } from './evaluation'

/** Defaults: at most one checkpoint every 30 s, on a multiple of 100 steps (overhead: see README, Resume). */
export const defaultCheckpointPolicy = { everySteps: 100, minIntervalMs: 30_000 }

/** Format version; a checkpoint of another version is refused rather than misread. */
export const checkpointVersion = 1

export interface SessionState {
  /** Updates done. */
  step: number
  /** Every variable that changes during training, by name (W1, b1, rule.0, optimizer.0, …). */
  tensors: { name: string; shape: number[]; values: Float32Array }[]
  /** The mini-batch order of the current epoch and the position in it (empty for full batch). */
  order: Int32Array
  cursor: number
  /** Generator positions: the shuffle stream, then the rule's streams. */
  rngs: RngState[]
  /** The theory tracker's position (engine/theory.ts), for runs that have the theory measures on. */
  theory?: unknown
}

export interface LoopState {
  /** The measures of the last evaluation. */
  final: Metrics
  /** The step of the last evaluation. */
  lastReported: number
  /** The watched quantity (training loss, or weight alignment under stopping.on) at the previous convergence check, if there was one. */
  previousCheckLoss: number | null
  /** Under stopping.checksFrom 'start', the step of the first settled check (it latches); absent or null before one. */
  settledAt?: number | null
  /** Milliseconds of training before this checkpoint (wall times continue from here). */
  wallTimeMs: number
}

export interface Checkpoint {
  /** The run config's fingerprint, so a checkpoint is never applied to another run. */
  configKey: string
  session: SessionState
  loop: LoopState
}

interface Header {
  version: number
  configKey: string
  step: number
  cursor: number
  rngs: RngState[]
  theory?: unknown
  loop: LoopState
  tensors: { name: string; shape: number[]; length: number }[]
  orderLength: number
}

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const { session, loop } = checkpoint
  const header: Header = {
    version: checkpointVersion,
    configKey: checkpoint.configKey,
    step: session.step,
    cursor: session.cursor,
    rngs: session.rngs,
    theory: session.theory,
    loop,
    tensors: session.tensors.map((t) => ({ name: t.name, shape: t.shape, length: t.values.length })),
    orderLength: session.order.length,
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const headerBytes = 4 + Math.ceil(json.length / 4) * 4
  const payload = session.tensors.reduce((n, t) => n + t.values.length * 4, 0) + session.order.length * 4
  const bytes = new Uint8Array(headerBytes + payload)
  new DataView(bytes.buffer).setUint32(0, json.length, true)
  bytes.set(json, 4)
  let offset = headerBytes
  for (const t of session.tensors) {
    bytes.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), offset)
    offset += t.values.byteLength
  }
  bytes.set(new Uint8Array(session.order.buffer, session.order.byteOffset, session.order.byteLength), offset)
  return bytes
}

/** A checkpoint's bytes that cannot be read, with what is wrong with them. */
export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CheckpointFormatError'
  }
}

/**
 * Reads a checkpoint's bytes. Every length and offset is checked against the bytes before it is
 * used, so a damaged or crafted blob is refused with a CheckpointFormatError saying what is wrong
 * (never a raw "Offset is outside the bounds of the DataView").
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const fail = (why: string): never => {
    throw new CheckpointFormatError(`the checkpoint (${bytes.byteLength} bytes) is damaged: ${why}`)
  }
  if (bytes.byteLength < 4) fail('it is shorter than its 4-byte header length')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const jsonLength = view.getUint32(0, true)
  if (4 + jsonLength > bytes.byteLength) fail(`its header claims ${jsonLength} bytes, more than the checkpoint holds`)
  let header: Header
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + jsonLength))) as Header
  } catch (error) {
    return fail(`its header is not JSON (${(error as Error).message})`)
  }
  if (!header || typeof header !== 'object') fail('its header is not an object')
  if (header.version !== checkpointVersion) throw new CheckpointFormatError(`checkpoint format ${String(header.version)} is not the one this lab reads (${checkpointVersion})`)
  if (!Number.isSafeInteger(header.step) || header.step < 0) fail(`its step ${String(header.step)} is not a whole number of updates`)
  if (!Array.isArray(header.tensors) || !Array.isArray(header.rngs) || !header.loop || typeof header.loop !== 'object') fail('its header lacks the tensors, generators or loop state')
  if (!Number.isSafeInteger(header.orderLength) || header.orderLength < 0) fail(`its batch order length ${String(header.orderLength)} is not a count`)
  const start = 4 + Math.ceil(jsonLength / 4) * 4
  let needed = start + header.orderLength * 4
  for (const t of header.tensors) {
    if (!t || typeof t.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail('a tensor has no name or a shape that is not a list of sizes')
    const count = t.shape.reduce((n, d) => n * d, 1)
    if (t.length !== count) fail(`tensor ${t.name} has ${String(t.length)} values, its shape ${t.shape.join('×')} needs ${count}`)
    needed += count * 4
  }
  if (needed !== bytes.byteLength) fail(`its header describes ${needed} bytes, it has ${bytes.byteLength}`)
  if (!Number.isSafeInteger(header.cursor) || header.cursor < 0 || header.cursor > header.orderLength) fail(`its batch cursor ${String(header.cursor)} is outside 0..${header.orderLength}`)
  // copy into an aligned buffer so typed views can start anywhere in it
  const aligned = new Uint8Array(bytes.byteLength)
  aligned.set(bytes)
  let offset = start
  const tensors = header.tensors.map((t) => {
    const values = new Float32Array(aligned.buffer, offset, t.length)
    offset += t.length * 4
    return { name: t.name, shape: t.shape, values }
  })
  const order = new Int32Array(aligned.buffer, offset, header.orderLength)
  return {
    configKey: header.configKey,
    session: { step: header.step, tensors, order, cursor: header.cursor, rngs: header.rngs, theory: header.theory },
    loop: header.loop,
  }
}

/** What a checkpoint is checked against before it is applied: the run's config, as stored. */
export function checkpointKey(config: RunConfig): string {
  return JSON.stringify({ ...config, name: undefined, backend: undefined })
}

/**
 * The shapes of a run's weights W_l and biases b_l (l from 1), and a name for its network in
 * messages (`784-100-10`, or the conv model's layers `conv 5×5×1×6, …, dense 84×10`).
 */
export function networkShapes(config: RunConfig): { W: number[]; b: number[] }[] {
  if (config.model.kind === 'conv') return convLayerShapes(config.model).layers.map((layer) => ({ W: layer.shape, b: [layer.shape.at(-1)!] }))
  const input = config.data.kind === 'synthetic' ? config.data.inputDim : 784
  const hidden = config.model.kind === 'mlp' ? config.model.hidden : [config.model.hidden]
  const widths = [input, ...hidden, config.model.outputs]
  return widths.slice(1).map((width, i) => ({ W: [widths[i], width], b: [width] }))
}

/** How messages name a run's network: its widths `784-100-10`, or a conv model's weight shapes. */
export function networkLabel(shapes: { W: number[] }[]): string {
  if (shapes.every((s) => s.W.length === 2)) return [shapes[0].W[0], ...shapes.map((s) => s.W[1])].join('-')
  return shapes.map((s) => s.W.join('×')).join(', ')
}

/**
 * Why a stored checkpoint cannot be resumed by the run of `config` (the step its row records is
 * `rowStep`), or null: its bytes are damaged, it was taken from another config, its step is
 * outside 0..steps or differs from the row's, a weight or bias has a shape the config's network
 * does not, a value is not finite, or the batch order is not a permutation's worth of indices.
 * Checked in main before anything of the run is changed.
 */
export function checkpointFault(bytes: Uint8Array, rowStep: number, config: RunConfig): string | null {
  let checkpoint: Checkpoint
  try {
    checkpoint = decodeCheckpoint(bytes)
  } catch (error) {
    return (error as Error).message
  }
  const { session, loop } = checkpoint
  if (checkpoint.configKey !== checkpointKey(config)) return 'the checkpoint was taken from a run with another config'
  if (!Number.isSafeInteger(rowStep) || rowStep < 0 || rowStep > config.steps) return `the checkpoint's recorded step ${rowStep} is outside 0..${config.steps}`
  if (session.step !== rowStep) return `the checkpoint holds step ${session.step}, its record says step ${rowStep}`
  if (session.step > config.steps) return `the checkpoint's step ${session.step} is outside 0..${config.steps}`
  if (!Number.isFinite(loop.wallTimeMs) || loop.wallTimeMs < 0) return `the checkpoint's wall time ${String(loop.wallTimeMs)} ms is not a duration`
  if (!Number.isSafeInteger(loop.lastReported) || loop.lastReported < -1 || loop.lastReported > session.step) return `the checkpoint's last evaluation step ${String(loop.lastReported)} is outside -1..${session.step}`
  const shapes = networkShapes(config)
  for (const t of session.tensors) {
    const layer = /^([Wb])(\d+)$/.exec(t.name)
    if (layer) {
      const l = Number(layer[2])
      const expected = l >= 1 && l <= shapes.length ? shapes[l - 1][layer[1] as 'W' | 'b'] : null
      if (!expected || t.shape.join('x') !== expected.join('x')) return `the checkpoint's ${t.name} has shape ${t.shape.join('×')}, the config's network (${networkLabel(shapes)}) needs ${expected ? expected.join('×') : 'no such layer'}`
    }
    if (!t.values.every(Number.isFinite)) return `the checkpoint's ${t.name} holds a value that is not finite`
  }
  for (let l = 1; l <= shapes.length; l++) if (!session.tensors.some((t) => t.name === `W${l}`)) return `the checkpoint has no W${l}`
  if (session.order.some((i) => i < 0 || i >= session.order.length)) return 'the checkpoint\'s batch order holds an index outside the training set'
  return null
}
