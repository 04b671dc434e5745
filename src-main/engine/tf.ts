/**
 * The engine's only door to TensorFlow.js. Picks the backend: tfjs-node where its native library
 * loaded, else WebAssembly, else plain JavaScript; `FA_LAB_BACKEND` or a run's `backend` field
 * forces one, and a forced backend that cannot start is an error, not a silent fallback.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs-backend-wasm'
import type { BackendChoice } from '../../src-shared/config'

export { tf }

// PROD silences tfjs's console banner suggesting tfjs-node (the lab reports its backend itself)
// and skips debug-only checks.
tf.env().set('PROD', true)
export type BackendName = 'tensorflow' | 'wasm' | 'cpu'

const preference: BackendName[] = ['tensorflow', 'wasm', 'cpu']
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
  if (value === 'auto' || value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value
  throw new Error(`FA_LAB_BACKEND=${value} is not a backend: use auto, tensorflow, wasm or cpu`)
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

/** Backends that start on this machine, each with the reason when it does not. */
export async function probeBackends(): Promise<{ name: BackendName; available: boolean; reason?: string }[]> {
  const before = tf.getBackend()
  const out = []
  for (const name of preference) {
    const available = await trySetBackend(name)
    out.push({ name, available, reason: available ? undefined : failures.get(name) })
  }
  if (before) await tf.setBackend(before)
  return out
}
