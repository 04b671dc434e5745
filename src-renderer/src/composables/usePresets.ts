import { getCurrentScope, onScopeDispose, ref } from 'vue'
import type { LabApi, Preset } from '../../../src-shared/contract'
import type { ExperimentInput } from '../../../src-shared/experiment'

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * The lab's presets, and for the cards each one's run count and estimated time here (asked one
 * preset at a time, so the first cards fill while the rest are estimated). A failed list or
 * estimate says so in `error`; starting a preset answers its refusal in `startError`. The estimates
 * stop when the page is left: each one costs main seconds on a busy machine, and a page that
 * kept asking made the next page's requests (a Compare link's figure and its fonts) wait behind them.
 */
export function usePresets(lab: LabApi) {
  const presets = ref<Preset[]>([])
  const sizes = ref(new Map<string, { runCount: number; seconds?: number }>())
  /** Where the estimates come from: "from 12 runs on this machine", "from a 0.4 s calibration". */
  const basis = ref<string | null>(null)
  const error = ref<string | null>(null)
  const startError = ref<string | null>(null)
  let left = false
  if (getCurrentScope()) onScopeDispose(() => (left = true))

  async function load(): Promise<Preset[]> {
    try {
      presets.value = await lab.listPresets()
      error.value = null
    } catch (e) {
      error.value = `The presets could not be listed: ${message(e)}`
    }
    return presets.value
  }

  async function estimate(): Promise<void> {
    for (const preset of presets.value) {
      if (left) return
      try {
        const result = await lab.validateExperiment(preset.experiment as ExperimentInput)
        sizes.value = new Map(sizes.value).set(preset.name, { runCount: result.runCount, seconds: result.estimatedSeconds })
        if (result.estimateBasis) basis.value = result.estimateBasis
      } catch (e) {
        error.value = `${preset.title} could not be estimated: ${message(e)}`
      }
    }
  }

  /** Starts a preset's experiment; resolves to what started, or null with the refusal in `startError`. */
  async function start(preset: Preset): Promise<{ experimentId: number; runIds: number[] } | null> {
    startError.value = null
    try {
      return await lab.startExperiment(preset.experiment as ExperimentInput)
    } catch (e) {
      startError.value = `${preset.title} could not start: ${message(e)}`
      return null
    }
  }

  return { presets, sizes, basis, error, startError, load, estimate, start }
}
