import { ref, watch, type Ref } from 'vue'
import type { LabApi, SeriesData } from '../../../src-shared/contract'
import { useEvent } from './useEvent'
import { useThrottle } from './useThrottle'

/**
 * One measure of one run, whole: metrics:series answers a long series in pages, followed here
 * until the last (a run page draws every stored point). Null when the run has no such series.
 */
export async function wholeSeries(lab: LabApi, runId: number, name: string): Promise<SeriesData | null> {
  const [first] = await lab.getMetricSeries({ runIds: [runId], name })
  if (!first) return null
  const whole = { ...first }
  for (let after = first.next; after !== null; ) {
    const [page] = await lab.getMetricSeries({ runIds: [runId], name, after })
    whole.steps.push(...page.steps)
    whole.values.push(...page.values)
    whole.wallTimesMs.push(...page.wallTimesMs)
    // a page that does not move on would loop for ever: stop there
    after = page.next !== null && page.next > after ? page.next : null
  }
  return { ...whole, next: null }
}

/**
 * A run's measures as [step, value] series: loaded from the store, then extended from progress
 * events while it trains. `version` ticks at most every `intervalMs` so charts redraw at a bounded
 * rate, updating their data rather than rebuilding.
 */
export function useLiveSeries(lab: LabApi, runId: Ref<number>, intervalMs = 250) {
  const series = new Map<string, [number, number][]>()
  const names = ref<string[]>([])
  const version = ref(0)
  const bump = useThrottle(() => version.value++, intervalMs)
  // Progress events carry only the latest evaluation; the stored series fill in the rest.
  const resync = useThrottle(() => void load(), 2000)

  async function load(): Promise<void> {
    const id = runId.value
    const detail = await lab.getRun(id)
    const loaded = await Promise.all(detail.metricNames.map((name) => wholeSeries(lab, id, name)))
    if (id !== runId.value) return
    for (const s of loaded) {
      if (!s) continue
      const stored: [number, number][] = s.steps.map((step, i) => [step, s.values[i]])
      // keep live points newer than what the store has committed so far
      const live = (series.get(s.name) ?? []).filter(([step]) => step > (stored.at(-1)?.[0] ?? -1))
      series.set(s.name, [...stored, ...live])
    }
    names.value = [...series.keys()]
    version.value++
  }

  useEvent(lab, 'runProgress', (p) => {
    // the measures at the step they were taken, not at the run's current step: a live chart
    // ends at its last measurement instead of drawing it flat out to where training is now
    if (p.runId !== runId.value || !p.metrics || p.metricsStep === undefined) return
    const step = p.metricsStep
    let added = false
    for (const [name, value] of Object.entries(p.metrics)) {
      let points = series.get(name)
      if (!points) series.set(name, (points = []))
      if (points.length === 0 || points[points.length - 1][0] < step) {
        points.push([step, value])
        added = true
      }
    }
    if (added) {
      if (names.value.length !== series.size) names.value = [...series.keys()]
      bump()
      resync()
    }
  })

  useEvent(lab, 'runFinished', (f) => {
    if (f.runId === runId.value) void load()
  })

  watch(runId, () => void load(), { immediate: true })
  return { series, names, version, reload: load }
}
