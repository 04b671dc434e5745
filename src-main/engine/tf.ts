/**
 * The engine's only door to TensorFlow.js. Picks the backend: tfjs-node where its native library
 * loaded, else WebAssembly, else plain JavaScript; `FA_LAB_BACKEND` or a run's `backend` field
 * forces one, and a forced backend that cannot start is an error, not a silent fallback.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs-backend-wasm'
import { backends, type BackendChoice } from '../../src-shared/config'

export { tf }

// PROD silences tfjs's console banner suggesting tfjs-node (the lab reports its backend itself)
// and skips debug-only checks.
tf.env().set('PROD', true)
/** `blas` is tfjs-wasm with its matrix products done by the machine's BLAS (engine/blas.ts). */
export type BackendName = 'tensorflow' | 'blas' | 'wasm' | 'cpu'

const preference: BackendName[] = ['tensorflow', 'blas', 'wasm', 'cpu']
const failures = new Map<BackendName, string>()
let nodeBindingTried = false

async function loadNodeBinding(): Promise<void> {
  if (nodeBindingTried) return
  nodeBindingTried = true
  try {
    // Optional dependency: absent wherever libtensorflow could not be fetched at install time.
    const name = '@tensorflow/tfjs-node'
    await import(/* @vite-ignore */ name)
  } catch (error) {
    failures.set('tensorflow', `@tensorflow/tfjs-node is not installed or did not load (${firstLine(error)})`)
  }
}

async function trySetBackend(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow') await loadNodeBinding()
  if (failures.has(name)) return false
  if (name === 'blas' || name === 'wasm') {
    if (!(await activateTfjsBackend('wasm'))) {
      if (name === 'blas') failures.set('blas', `needs the wasm backend: ${failures.get('wasm')}`)
      return false
    }
    const { blasUnavailableReason, useBlasMatMul } = await import('./blas')
    if (useBlasMatMul(name === 'blas')) return true
    failures.set('blas', blasUnavailableReason())
    return false
  }
  return activateTfjsBackend(name)
}

async function activateTfjsBackend(name: 'tensorflow' | 'wasm' | 'cpu'): Promise<boolean> {
  if (failures.has(name)) return false
  if (tf.getBackend() === name) return true
  try {
    const ok = await tf.setBackend(name)
    await tf.ready()
    if (!ok) failures.set(name, `tfjs could not initialise the ${name} backend`)
    return ok
  } catch (error) {
    failures.set(name, firstLine(error))
    return false
  }
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]
}

/** The backend named by FA_LAB_BACKEND, if set to a known name. */
export function backendFromEnvironment(): BackendChoice | undefined {
  const value = process.env.FA_LAB_BACKEND?.trim()
  if (!value) return undefined
  if ((backends as readonly string[]).includes(value)) return value as BackendChoice
  throw new Error(`FA_LAB_BACKEND=${value} is not a backend: use ${backends.join(', ')}`)
}

/**
 * Activates a backend and returns its name. `choice` comes from the run config; the environment
 * variable FA_LAB_BACKEND overrides it. With `auto`, the fastest that starts is used.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  const wanted = backendFromEnvironment() ?? choice
  if (wanted !== 'auto') {
    if (await trySetBackend(wanted)) return wanted
    throw new Error(`The ${wanted} backend is not available here: ${failures.get(wanted)}`)
  }
  for (const name of preference) {
    if (await trySetBackend(name)) return name
  }
  throw new Error(
    'No TensorFlow.js backend could start: ' + preference.map((n) => `${n}: ${failures.get(n)}`).join('; '),
  )
}

/**
 * Why each backend the automatic choice prefers over `used` did not start, for telling the user
 * what the run fell back from.
 */
export function fallbackReasons(used: BackendName): { name: BackendName; reason: string }[] {
  return preference.slice(0, preference.indexOf(used)).map((name) => ({ name, reason: failures.get(name) ?? 'not tried' }))
}

/** Backends that start on this machine, each with the reason when it does not. */
export async function probeBackends(): Promise<{ name: BackendName; available: boolean; reason?: string }[]> {
  const out = []
  for (const name of preference) {
    const available = await trySetBackend(name)
    out.push({ name, available, reason: available ? undefined : failures.get(name) })
  }
  return out
}
