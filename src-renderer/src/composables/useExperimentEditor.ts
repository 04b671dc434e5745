import { computed, reactive, ref, watch } from 'vue'
import type { LabApi, Preset, ValidationResult } from '../../../src-shared/contract'
import { countRuns, defaultMaxRuns, type ExperimentInput } from '../../../src-shared/experiment'
import { blankConfig, chooseAlternative, fieldAt, setPath } from '../../../src-shared/fields'
import { gridToRows, rowsToGrid, type GridRow } from '../lab/grid'


/**
 * The experiment being edited: a base config, a grid and a name, validated by main (debounced)
 * with every issue mapped to the field or grid axis it names.
 */
export function useExperimentEditor(lab: LabApi) {
  const name = ref('new experiment')
  const description = ref('')
  const base = reactive<Record<string, unknown>>(blankConfig())
  const rows = ref<GridRow[]>([{ path: 'regularization.outputL2', values: '0, 0.2' }])
  const validation = ref<ValidationResult>({ ok: false, runCount: 0, issues: [] })
  const starting = ref(false)
  const startError = ref<string | null>(null)
  /** Variants and linked axes (zip) as JSON text, edited as such; empty text is none. */
  const variantsText = ref('')
  const zipText = ref('')
  const sharedInit = ref(false)
  const parseJson = (text: string, what: string): { value?: unknown; issue?: string } => {
    if (!text.trim()) return {}
    try {
      return { value: JSON.parse(text) }
    } catch (error) {
      return { issue: `${what}: not JSON (${(error as Error).message})` }
    }
  }
  const variants = computed(() => parseJson(variantsText.value, 'variants'))
  const zip = computed(() => parseJson(zipText.value, 'zip'))
  const jsonIssues = computed(() => [variants.value.issue, zip.value.issue].filter((i): i is string => !!i))

  // variants and zip are checked by main (validateExperiment), like everything else here
  const experiment = computed((): ExperimentInput => ({
    name: name.value,
    description: description.value,
    base: JSON.parse(JSON.stringify(base)),
    grid: rowsToGrid(rows.value),
    ...(variants.value.value !== undefined ? { variants: variants.value.value as ExperimentInput['variants'] } : {}),
    ...(zip.value.value !== undefined ? { zip: zip.value.value as ExperimentInput['zip'] } : {}),
    ...(sharedInit.value ? { sharedInit: true } : {}),
  }))
  /** Counted from the grid's axis lengths as the user types, before main has validated anything. */
  const runCount = computed(() => countRuns(experiment.value) ?? 0)
  const maxRuns = computed(() => validation.value.maxRuns ?? defaultMaxRuns)
  const overLimit = computed(() => runCount.value > maxRuns.value)
  const fieldIssues = computed(() => {
    const out: Record<string, string> = {}
    for (const issue of validation.value.issues) if (issue.path.startsWith('base.')) out[issue.path.slice(5)] ??= issue.message
    return out
  })
  const gridIssues = computed(() => validation.value.issues.filter((i) => i.path.startsWith('grid') || i.path.startsWith('run ')).map((i) => `${i.path}: ${i.message}`))
  const otherIssues = computed(() => [...jsonIssues.value, ...validation.value.issues.filter((i) => !i.path.startsWith('base.') && !i.path.startsWith('grid') && !i.path.startsWith('run ')).map((i) => `${i.path || 'experiment'}: ${i.message}`)])

  let timer: ReturnType<typeof setTimeout> | null = null
  let sequence = 0
  async function validate(): Promise<void> {
    const mine = ++sequence
    const result = await lab.validateExperiment(experiment.value)
    if (mine === sequence) validation.value = result
  }
  watch(
    experiment,
    () => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => void validate(), 250)
    },
    { deep: true, immediate: true },
  )

  /** Sets a field; choosing another alternative (data.kind, model.kind) starts that part from its blank. */
  function set(path: string, value: unknown): void {
    const field = fieldAt(path)
    if (field?.alternatives && typeof value === 'string') chooseAlternative(base, field, value)
    else setPath(base, path, value)
  }

  function loadPreset(preset: Preset): void {
    const e = preset.experiment as { name: string; description?: string; base: Record<string, unknown>; grid?: Record<string, unknown[]>; variants?: unknown[]; zip?: Record<string, unknown[]>; sharedInit?: boolean }
    name.value = e.name
    description.value = e.description ?? ''
    for (const key of Object.keys(base)) delete base[key]
    Object.assign(base, JSON.parse(JSON.stringify(e.base)))
    rows.value = gridToRows(e.grid ?? {})
    variantsText.value = e.variants?.length ? JSON.stringify(e.variants, null, 1) : ''
    zipText.value = e.zip && Object.keys(e.zip).length ? JSON.stringify(e.zip) : ''
    sharedInit.value = e.sharedInit ?? false
  }

  async function start(): Promise<{ experimentId: number; runIds: number[] } | null> {
    starting.value = true
    startError.value = null
    try {
      await validate()
      if (!validation.value.ok || overLimit.value || jsonIssues.value.length) return null
      return await lab.startExperiment(experiment.value)
    } catch (error) {
      startError.value = (error as Error).message
      return null
    } finally {
      starting.value = false
    }
  }

  return { name, description, base, rows, variantsText, zipText, sharedInit, validation, runCount, maxRuns, overLimit, fieldIssues, gridIssues, otherIssues, starting, startError, set, loadPreset, start, validate }
}
