import { computed, reactive, ref, watch } from 'vue'
import type { RunSeries } from '../../../src-shared/analysis'
import type { LabApi, RunDetail } from '../../../src-shared/contract'
import { FigureSpec, type FigureSpecInput } from '../../../src-shared/figure'
import { varyingPaths } from '../lab/config-paths'

/** The comparison being looked at: its runs, their series of the chosen measure, and the figure settings. */
export function useComparison(lab: LabApi) {
  const spec = reactive<FigureSpec>(FigureSpec.parse({ runIds: [1], measure: 'trainLoss' }))
  const runs = ref<RunDetail[]>([])
  const series = ref<RunSeries[]>([])
  const error = ref<string | null>(null)
  const measures = computed(() => [...new Set(runs.value.flatMap((r) => r.metricNames))].sort())
  const paths = computed(() => varyingPaths(runs.value.map((r) => r.config)))

  async function loadRuns(runIds: number[]): Promise<void> {
    runs.value = await Promise.all(runIds.map((id) => lab.getRun(id)))
    spec.runIds = runIds
    if (!measures.value.includes(spec.measure) && measures.value.length) spec.measure = measures.value.includes('weightAlignment') ? 'weightAlignment' : measures.value[0]
  }

  async function loadSeries(): Promise<void> {
    try {
      const data = await lab.getMetricSeries({ runIds: spec.runIds, name: spec.measure })
      const configs = new Map(runs.value.map((r) => [r.id, r.config]))
      series.value = data.map((d) => ({ runId: d.runId, config: configs.get(d.runId) ?? {}, steps: d.steps, values: d.values, wallTimesMs: d.wallTimesMs }))
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }
  watch(() => [spec.measure, spec.runIds.join(',')], () => void loadSeries())

  async function open(input: FigureSpecInput): Promise<void> {
    const parsed = FigureSpec.parse(input)
    await loadRuns(parsed.runIds)
    Object.assign(spec, parsed)
  }

  return { spec, runs, series, measures, paths, error, loadRuns, open }
}
