import { computed, reactive, ref, watch } from 'vue'
import type { RunSeries } from '../../../src-shared/analysis'
import type { LabApi, RunDetail } from '../../../src-shared/contract'
import { FigureSpec, type FigureSpecInput } from '../../../src-shared/figure-spec'
import { differingPaths, holdsNumbers } from '../../../src-shared/grouping'

/** The measure a new comparison opens on: alignment where there is one. */
function defaultMeasure(measures: string[]): string {
  return ['signalAlignment', 'weightAlignment', 'testAccuracy', 'trainLoss'].find((m) => measures.includes(m)) ?? measures[0] ?? 'trainLoss'
}

/** The comparison being looked at: its runs, the series of every measure on its panels, and the figure settings. */
export function useComparison(lab: LabApi) {
  const spec = reactive<FigureSpec>(FigureSpec.parse({ runIds: [1], measures: ['trainLoss'] }))
  const runs = ref<RunDetail[]>([])
  /** Series per measure, for the spec's runs. */
  const series = ref<Record<string, RunSeries[]>>({})
  const error = ref<string | null>(null)
  const measures = computed(() => [...new Set(runs.value.flatMap((r) => r.metricNames))].sort())
  const paths = computed(() => {
    const configs = runs.value.map((r) => r.config)
    return differingPaths(configs).map((path) => ({ path, numeric: holdsNumbers(configs, path) }))
  })
  const ready = computed(() => spec.measures.every((m) => series.value[m] !== undefined) && spec.measures.length > 0)

  /** Opens runs with a fresh spec: settings of the previous comparison (its grouping above all) do not carry over. */
  async function loadRuns(runIds: number[]): Promise<void> {
    runs.value = await Promise.all(runIds.map((id) => lab.getRun(id)))
    series.value = {}
    Object.assign(spec, FigureSpec.parse({ runIds, measures: [defaultMeasure(measures.value)] }))
  }

  async function loadSeries(): Promise<void> {
    try {
      const configs = new Map(runs.value.map((r) => [r.id, r.config]))
      const names = new Map(runs.value.filter((r) => r.renamed && r.name).map((r) => [r.id, r.name as string]))
      const key = spec.runIds.join(',')
      // keyed by the spec's measures, which the user names: no prototype to write through
      const next = Object.create(null) as Record<string, RunSeries[]>
      for (const measure of spec.measures) {
        const known = series.value[measure]
        if (known && known.map((s) => s.runId).join(',') === key) {
          next[measure] = known
          continue
        }
        const data = await lab.getMetricSeries({ runIds: spec.runIds, name: measure })
        next[measure] = data.map((d) => ({ runId: d.runId, config: configs.get(d.runId) ?? {}, ...(names.has(d.runId) ? { name: names.get(d.runId) } : {}), steps: d.steps, values: d.values, wallTimesMs: d.wallTimesMs }))
      }
      series.value = next
      error.value = null
    } catch (e) {
      error.value = (e as Error).message
    }
  }
  watch(() => [spec.measures.join(','), spec.runIds.join(',')], () => void loadSeries())

  async function open(input: FigureSpecInput | unknown): Promise<void> {
    const parsed = FigureSpec.parse(input)
    runs.value = await Promise.all(parsed.runIds.map((id) => lab.getRun(id)))
    series.value = {}
    Object.assign(spec, parsed)
  }

  return { spec, runs, series, measures, paths, error, ready, loadRuns, open }
}
