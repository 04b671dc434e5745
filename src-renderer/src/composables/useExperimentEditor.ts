import { computed, reactive, ref, watch } from 'vue'
import type { LabApi, Preset, ValidationResult } from '../../../src-shared/contract'
import { countRuns, defaultMaxRuns, type ExperimentInput } from '../../../src-shared/experiment'
import { blankConfig, chooseAlternative, fieldAt, setPath } from '../../../src-shared/fields'
import { plainMessage } from '../lab/form'
import { gridToRows, rowsToGrid, type GridRow } from '../lab/grid'

/** Where the draft is kept across reloads (this browser profile, this lab's origin). */
export const draftKey = 'fa-lab-draft'

/** What the form edits besides the base and the grid: variants and linked axes as JSON text, and sharedInit. */
export interface KeptParts {
  variantsText?: string
  zipText?: string
  sharedInit?: boolean
}

interface Draft {
  name: string
  description: string
  base: Record<string, unknown>
  rows: GridRow[]
  /** Variants and linked axes (as JSON text) and sharedInit. */
  kept?: KeptParts
  /** The experiment as last loaded (blank or a preset): edits are what differs from it. */
  pristine: string
}

/** Where drafts are kept: the page's localStorage, or none (a test, a locked-down page). */
export type DraftStorage = Pick<Storage, 'getItem' | 'setItem'> | null

function readDraft(storage: DraftStorage): Draft | null {
  try {
    const draft = JSON.parse(storage?.getItem(draftKey) ?? 'null') as Draft | null
    return draft && typeof draft.base === 'object' && Array.isArray(draft.rows) ? draft : null
  } catch {
    return null
  }
}

/** A validation issue's grid path (`grid.model.hidden = 100`) as the field it names and the value. */
function plainGridIssue(path: string, message: string): string {
  const m = /(?:^|\.)(?:grid|zip|set)\.(.+?) = (.*)$/.exec(path)
  if (m) return `${plainMessage(fieldAt(m[1]), message)} (at ${m[2]})`
  const run = /^run \d+ \((.*)\): (.+)$/.exec(path)
  if (run) return `${plainMessage(fieldAt(run[2]), message)} (in the run ${run[1]})`
  return `${path}: ${message}`
}

/**
 * The experiment being edited: a base config, a grid and a name, validated by main (debounced)
 * with every issue in plain words beside the field or axis it names. The draft is kept in
 * localStorage so a reload loses nothing.
 */
export function useExperimentEditor(lab: LabApi, storage: DraftStorage = globalThis.localStorage ?? null) {
  const draft = readDraft(storage)
  const name = ref(draft?.name ?? 'new experiment')
  const description = ref(draft?.description ?? '')
  const base = reactive<Record<string, unknown>>(draft?.base ?? blankConfig())
  const rows = ref<GridRow[]>(draft?.rows ?? [{ path: 'regularization.outputL2', values: '0, 0.2' }])
  /** Variants and linked axes (zip) as JSON text, edited as such; empty text is none. */
  const variantsText = ref(draft?.kept?.variantsText ?? '')
  const zipText = ref(draft?.kept?.zipText ?? '')
  const sharedInit = ref(draft?.kept?.sharedInit ?? false)
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
  const kept = computed<KeptParts>(() => ({ variantsText: variantsText.value, zipText: zipText.value, sharedInit: sharedInit.value }))
  const validation = ref<ValidationResult>({ ok: false, runCount: 0, issues: [] })
  const starting = ref(false)
  const startError = ref<string | null>(null)

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
  const snapshot = () => JSON.stringify({ name: name.value, description: description.value, base, rows: rows.value, kept: kept.value })
  const pristine = ref(draft?.pristine ?? snapshot())
  /** True once the user has changed anything since the last preset or blank form. */
  const edited = computed(() => snapshot() !== pristine.value)

  /** Counted from the grid's axis lengths as the user types, before main has validated anything. */
  const runCount = computed(() => countRuns(experiment.value) ?? 0)
  const maxRuns = computed(() => validation.value.maxRuns ?? defaultMaxRuns)
  const overLimit = computed(() => runCount.value > maxRuns.value)
  const fieldIssues = computed(() => {
    const out: Record<string, string> = {}
    for (const issue of validation.value.issues) {
      if (!issue.path.startsWith('base.')) continue
      const path = issue.path.slice(5)
      out[path] ??= plainMessage(fieldAt(path), issue.message)
    }
    return out
  })
  const gridIssues = computed(() => validation.value.issues.filter((i) => i.path.startsWith('grid') || i.path.startsWith('run ')).map((i) => plainGridIssue(i.path, i.message)))
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
      const saved: Draft = { name: name.value, description: description.value, base: JSON.parse(JSON.stringify(base)), rows: rows.value, kept: kept.value, pristine: pristine.value }
      storage?.setItem(draftKey, JSON.stringify(saved))
    },
    { deep: true, immediate: true },
  )

  /** Sets a field; choosing another alternative (data.kind, model.kind) starts that part from its blank. */
  function set(path: string, value: unknown): void {
    const field = fieldAt(path)
    if (field?.alternatives && typeof value === 'string') chooseAlternative(base, field, value)
    else setPath(base, path, value)
  }

  function replace(next: { name: string; description?: string; base: Record<string, unknown>; grid?: Record<string, unknown[]>; variants?: unknown[]; zip?: Record<string, unknown[]>; sharedInit?: boolean }): void {
    name.value = next.name
    description.value = next.description ?? ''
    for (const key of Object.keys(base)) delete base[key]
    Object.assign(base, JSON.parse(JSON.stringify(next.base)))
    rows.value = gridToRows(next.grid ?? {})
    variantsText.value = next.variants?.length ? JSON.stringify(next.variants, null, 1) : ''
    zipText.value = next.zip && Object.keys(next.zip).length ? JSON.stringify(next.zip) : ''
    sharedInit.value = next.sharedInit ?? false
    pristine.value = snapshot()
  }

  /** Loads a preset over the form (the view asks first when `edited`). */
  function loadPreset(preset: Preset): void {
    replace(preset.experiment as unknown as Parameters<typeof replace>[0])
  }

  /** Back to a blank form. */
  function clear(): void {
    replace({ name: 'new experiment', base: blankConfig(), grid: {} })
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

  return { name, description, base, rows, variantsText, zipText, sharedInit, experiment, validation, runCount, maxRuns, overLimit, fieldIssues, gridIssues, otherIssues, starting, startError, edited, set, loadPreset, clear, start, validate }
}
