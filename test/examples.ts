/** The README's example config (resources/examples/song2021-synthetic.json), as the tests start from it. */
import { readFileSync } from 'node:fs'
import type { RunConfigInput } from '../src-shared/config'

const file = new URL('../resources/examples/song2021-synthetic.json', import.meta.url)

/** A fresh copy of the example with `overrides` (steps, evalEvery, backend, …) laid over it. */
export function syntheticExample(overrides: Partial<RunConfigInput> = {}): RunConfigInput & { seed: number; steps: number } {
  return { ...(JSON.parse(readFileSync(file, 'utf8')) as RunConfigInput & { seed: number; steps: number }), ...overrides }
}
