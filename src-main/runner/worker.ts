/**
 * A training worker thread: trains one run at a time on its own tfjs instance and reports
 * evaluations and progress to the runner. It never touches the store.
 */
import { parentPort } from 'node:worker_threads'
import { createDatasetCache } from '../data/load'
import { setBlasThreads } from '../engine/blas'
import { decodeCheckpoint } from '../engine/checkpoint'
import { train } from '../engine/train'
import { calibrate } from '../estimates/calibrate'
import type { FromWorker, ToWorker } from './messages'

const port = parentPort
if (!port) throw new Error('worker.ts runs only as a worker thread')

const cancelled = new Set<number>()
// Paid once per worker while a sweep's runs share their data, not once per run.
const loadDataset = createDatasetCache()
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer)

async function start({ runId, config, dataDir, blasThreads, checkpoint, resume }: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  try {
    if (blasThreads) setBlasThreads(blasThreads)
    const data = await loadDataset(config, { dataDir })
    const result = await train(config, data, {
      keepArtifacts: true,
      onStart: ({ backend, trainingPath }) => send({ type: 'started', runId, backend, trainingPath, dataset: { ...data.identity } }),
      shouldStop: () => cancelled.has(runId),
      onProgress: (step, totalSteps) => send({ type: 'progress', runId, step, totalSteps }),
      onEvaluation: (evaluation) => send({ type: 'evaluation', runId, evaluation }),
      checkpoint: checkpoint && { ...checkpoint, save: (state, step) => send({ type: 'checkpoint', runId, step, state }, [state.buffer as ArrayBuffer]) },
    }, resume && decodeCheckpoint(resume))
    const artifacts = result.artifacts ?? []
    send(
      { type: 'finished', runId, status: result.status, steps: result.steps, durationMs: result.durationMs, message: result.message, stopReason: result.stopReason, final: result.final, artifacts },
      artifacts.map((a) => a.values.buffer as ArrayBuffer),
    )
  } catch (error) {
    send({ type: 'failed', runId, message: error instanceof Error ? error.message : String(error) })
  } finally {
    cancelled.delete(runId)
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') cancelled.add(message.runId)
  else if (message.type === 'calibrate') {
    if (message.blasThreads) setBlasThreads(message.blasThreads)
    const { family } = message
    void calibrate(family).then(
      (calibration) => send({ type: 'calibrated', family, calibration }),
      (error) => send({ type: 'calibrated', family, calibration: null, message: error instanceof Error ? error.message : String(error) }),
    )
  } else void start(message)
})
send({ type: 'ready' })
