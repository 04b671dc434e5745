/**
 * A bench worker thread: holds one FA Lab training session per task (the LeNet step's conv stepper
 * for `lenet`, lenet.ts), built once on first use and warmed up, and answers `{ task, ms }` by stepping that session for `ms` of wall time. Replies
 * with the step count, the elapsed seconds and the seconds this thread spent inside sgemm.
 */
import { parentPort } from 'node:worker_threads'
import { loadBlas } from '../../src-main/engine/blas'
import { createSession, type TrainingSession } from '../../src-main/engine/session'
import { initBackend } from '../../src-main/engine/tf'
import { createLenetStepper } from './lenet'
import { benchTask, stepPathsOf, type BenchTaskName } from './tasks'

const port = parentPort
if (!port) throw new Error('lab-steps.ts runs only as a worker thread')

await initBackend('blas')
const blas = loadBlas()!
/** Something that takes one training step. */
interface Stepper {
  step(): unknown
}
const sessions = new Map<string, Stepper>()

async function build(name: BenchTaskName | 'lenet'): Promise<Stepper> {
  if (name === 'lenet') return createLenetStepper()
  const { config, data } = await benchTask(name)
  const s: TrainingSession = createSession(config, data, { stepPaths: stepPathsOf(name) })
  if (s.path !== 'fused') throw new Error(`the bench expects the fused path for ${name}, got ${s.path}`)
  const expected = name.endsWith('-dense') ? 'dense' : name === 'mnist' ? 'sparse' : 'kernel'
  if (s.trainingPath !== expected) throw new Error(`the bench expects the ${expected} path for ${name}, got ${s.trainingPath}`)
  return s
}

async function session(name: BenchTaskName | 'lenet'): Promise<Stepper> {
  let s = sessions.get(name)
  if (!s) {
    s = await build(name)
    for (let i = 0; i < 3; i++) s.step()
    sessions.set(name, s)
  }
  return s
}

port.on('message', async ({ task, ms }: { task: BenchTaskName | 'lenet'; ms: number }) => {
  const s = await session(task)
  blas.resetSgemmTime()
  const started = performance.now()
  let count = 0
  while (performance.now() - started < ms) {
    s.step()
    count++
  }
  const seconds = (performance.now() - started) / 1000
  port.postMessage({ count, seconds, sgemmSeconds: blas.sgemmTime().seconds })
})
port.postMessage({ ready: true })
