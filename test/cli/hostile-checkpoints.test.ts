/**
 * Crafted checkpoint rows and blobs (issue 27 D6): a resume checks the checkpoint whole before it
 * trusts it, names the run and the fault, and deletes no stored point. Through the real CLI in a
 * child process, on a real lab file.
 */
import { execFile } from 'node:child_process'
import Database from 'better-sqlite3'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import { checkpointFault, checkpointKey, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src-main/engine/checkpoint'
import { openStore } from '../../src-main/store/store'

const exec = promisify(execFile)
const cli = new URL('../../src-main/cli/fa-lab.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-hostile-checkpoints-'))
const env = { ...process.env, FA_LAB_HOME: dir }
const fa = (...args: string[]) =>
  exec(process.execPath, [cli, ...args], { env }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

const config = parseRunConfig({
  seed: 1,
  data: { kind: 'synthetic', n: 20, inputDim: 4, teacher: 'linear' },
  model: { kind: 'two-layer', hidden: 3, activation: 'relu', outputs: 1 },
  rule: 'fa',
  optimizer: { learningRate: 0.01 },
  theory: { enabled: false },
  steps: 1000,
  evalEvery: 100,
})

/** A checkpoint of the right shapes for `config` at `step` (the values are not a trained state; only the shapes and counts matter here). */
function checkpointAt(step: number): Checkpoint {
  const tensor = (name: string, shape: number[]) => ({ name, shape, values: new Float32Array(shape.reduce((n, d) => n * d, 1)).fill(0.1) })
  return {
    configKey: checkpointKey(config),
    session: { step, tensors: [tensor('W1', [4, 3]), tensor('b1', [3]), tensor('W2', [3, 1]), tensor('b2', [1])], order: new Int32Array(0), cursor: 0, rngs: [[1, 2, 3, 4, null]] },
    loop: { final: { trainLoss: 0.5 }, lastReported: step, previousCheckLoss: null, wallTimeMs: 10 },
  }
}

const db = join(dir, 'crafted.sqlite')

/** Adds an interrupted run to the lab: 11 evaluations (steps 0..1000) and a checkpoint (by default at step 500). */
function runWithCheckpoint(state = encodeCheckpoint(checkpointAt(500)), rowStep = 500): number {
  const store = openStore(db)
  const [runId] = store.queueRuns([{ config }])
  store.markRunning(runId, 'wasm', { fingerprint: 'f' })
  store.appendMetrics(runId, Array.from({ length: 11 }, (_, i) => ({ step: i * 100, metrics: { trainLoss: 1 / (i + 1) }, wallTimeMs: i })))
  store.saveCheckpoint(runId, rowStep, state)
  store.finishRun(runId, { status: 'interrupted', stepsDone: 1000, error: 'killed' })
  store.close()
  return runId
}

function storedPoints(runId: number): number {
  const store = openStore(db, { mustExist: true })
  try {
    return store.metricSeries(runId, 'trainLoss').steps.length
  } finally {
    store.close()
  }
}

/** Sets the checkpoint row's step by raw SQL, as a crafted file would. */
function craftRowStep(runId: number, step: number): number {
  const raw = new Database(db)
  raw.prepare('UPDATE checkpoints SET step = ? WHERE run_id = ?').run(step, runId)
  raw.close()
  return runId
}

function withHeader(edit: (header: Record<string, unknown>) => void): Uint8Array {
  const bytes = encodeCheckpoint(checkpointAt(500))
  const length = new DataView(bytes.buffer).getUint32(0, true)
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)))
  edit(header)
  const json = new TextEncoder().encode(JSON.stringify(header))
  const padded = 4 + Math.ceil(json.length / 4) * 4
  const out = new Uint8Array(padded + bytes.length - (4 + Math.ceil(length / 4) * 4))
  new DataView(out.buffer).setUint32(0, json.length, true)
  out.set(json, 4)
  out.set(bytes.subarray(4 + Math.ceil(length / 4) * 4), padded)
  return out
}

describe('a crafted checkpoint is refused before resume trusts it (issue 27 D6)', () => {
  it('accepts the well-formed checkpoint it is crafted from', () => {
    expect(checkpointFault(encodeCheckpoint(checkpointAt(500)), 500, config)).toBeNull()
    expect(decodeCheckpoint(encodeCheckpoint(checkpointAt(500))).session.step).toBe(500)
  })

  const cases: [string, () => number, RegExp][] = [
    ['row step -5', () => craftRowStep(runWithCheckpoint(), -5), /recorded step -5 is outside 0\.\.1000/],
    ['row step 1e15', () => craftRowStep(runWithCheckpoint(), 1e15), /recorded step 1000000000000000 is outside 0\.\.1000/],
    ['row and blob steps differ', () => runWithCheckpoint(encodeCheckpoint(checkpointAt(500)), 100), /holds step 500, its record says step 100/],
    ['blob step -1e15', () => runWithCheckpoint(withHeader((h) => (h.step = -1e15))), /step -1000000000000000 is not a whole number of updates/],
    ['blob step 1e15', () => runWithCheckpoint(withHeader((h) => (h.step = 1e15)), 500), /holds step 1000000000000000, its record says step 500/],
    ['blob and row step 1e15', () => craftRowStep(runWithCheckpoint(withHeader((h) => (h.step = 1e15))), 1e15), /recorded step 1000000000000000 is outside 0\.\.1000/],
    ['truncated blob', () => runWithCheckpoint(encodeCheckpoint(checkpointAt(500)).subarray(0, 40)), /is damaged: its header claims \d+ bytes, more than the checkpoint holds/],
    ['three bytes', () => runWithCheckpoint(new Uint8Array([1, 2, 3])), /is damaged: it is shorter than its 4-byte header length/],
    ['header not JSON', () => runWithCheckpoint(new Uint8Array([8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])), /is damaged: its header is not JSON/],
    ['tensor longer than the bytes', () => runWithCheckpoint(withHeader((h) => ((h.tensors as { length: number }[])[0].length = 1e9))), /tensor W1 has 1000000000 values, its shape 4×3 needs 12/],
    ['weights of another network', () => runWithCheckpoint(withHeader((h) => Object.assign((h.tensors as { shape: number[] }[])[0], { shape: [3, 4] }))), /W1 has shape 3×4, the config's network \(4-3-1\) needs 4×3/],
    ["another run's config", () => runWithCheckpoint(withHeader((h) => (h.configKey = '{}'))), /taken from a run with another config/],
  ]

  it('refuses each crafted checkpoint, naming the run and the fault, and keeps every stored point (one resume of all of them)', async () => {
    const runIds = cases.map(([, make]) => make())
    for (const runId of runIds) expect(storedPoints(runId)).toBe(11)
    const resumed = await fa('resume', '--db', db, '--runs', runIds.join(','))
    expect(resumed.code).toBe(1)
    expect(resumed.stderr).not.toMatch(/DataView|RangeError|at .*\.ts:\d+/)
    // the not-JSON header's bytes are quoted as escapes, never sent raw to the terminal
    expect(resumed.stderr.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f]/)
    const lines = resumed.stderr.trim().split('\n')
    cases.forEach(([name, , fault], i) => {
      const line = lines.find((l) => l.startsWith(`run ${runIds[i]} cannot be resumed: `))
      expect(line, name).toMatch(fault)
      expect(line, name).toMatch(/nothing was changed/)
    })
    const store = openStore(db, { mustExist: true })
    for (const runId of runIds) {
      expect(store.metricSeries(runId, 'trainLoss').steps.length).toBe(11)
      expect(store.getRun(runId)!.status).toBe('interrupted')
      expect(store.checkpointStep(runId)).not.toBeNull()
    }
    store.close()
  })
})
