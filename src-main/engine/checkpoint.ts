/**
 * Checkpoints: a run's full training state as one byte string, so a killed run continues exactly
 * where it stopped. The session's part (every tensor that changes, the batch order, generator
 * positions) and the loop's part (step, the last logged measures, the convergence check's last
 * loss, wall time). No storage here: the runner hands the bytes to the store.
 *
 * Layout: a 4-byte little-endian header length, the header as UTF-8 JSON, then the arrays' bytes
 * (each 4-byte aligned) in header order.
 */
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

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const jsonLength = view.getUint32(0, true)
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + jsonLength))) as Header
  if (header.version !== checkpointVersion) throw new Error(`checkpoint format ${header.version} is not the one this lab reads (${checkpointVersion})`)
  // copy into an aligned buffer so typed views can start anywhere in it
  const aligned = new Uint8Array(bytes.byteLength)
  aligned.set(bytes)
  let offset = 4 + Math.ceil(jsonLength / 4) * 4
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
