import { computed, reactive, ref, watch } from 'vue'
import type { LabApi, Preset, ValidationResult } from '../../../src-shared/contract'
import { countRuns, defaultMaxRuns, type ExperimentInput } from '../../../src-shared/experiment'
import { blankConfig, chooseAlternative, fieldAt, setPath } from '../../../src-shared/fields'
import { dataClassCount } from '../../../src-shared/config'
import { plainMessage } from '../lab/form'
import { draftsToVariants, gridToRows, rowsToGrid, variantsToDrafts, zipLengthIssue, type GridRow, type VariantDraft } from '../lab/grid'

/** Where the draft is kept across reloads (this browser profile, this lab's origin). */
export const draftKey = 'fa-lab-draft'

/** What the form edits besides the base and the grid: variants, linked axes and sharedInit. */
export interface KeptParts {
  variants?: VariantDraft[]
  zip?: GridRow[]
  sharedInit?: boolean
  /** How runs are named (blank: the default template). */
  nameTemplate?: string
  /** Drafts kept before variants and linked axes were picked: the same as JSON text. */
  variantsText?: string
  zipText?: string
}

interface Draft {
  name: string
  description: string
  base: Record<string, unknown>
  rows: GridRow[]
  /** Variants, linked axes and sharedInit. */
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

/**
 * A validation issue of the sweep in plain words: its variant by number and name, the field it
 * names by label (`Variant 2 “relu”: Learning rate η must be greater than 0, not -1`).
 */
function plainSweepIssue(path: string, message: string, variantNames: string[]): string {
  const v = /^variants\[(\d+)\](?:\.|, )(.*)$/.exec(path)
  const name = v ? variantNames[Number(v[1])] : ''
  const prefix = v ? `Variant ${Number(v[1]) + 1}${name ? ` “${name}”` : ''}: ` : ''
  const rest = v ? v[2] : path
  const m = /^(?:grid|zip|set)\.(.+?)(?: = (.*))?$/.exec(rest)
  if (m && message === 'unknown config path') return `${prefix}No field named “${m[1]}”: pick one from the list`
  if (m) return `${prefix}${fieldAt(m[1]) ? plainMessage(fieldAt(m[1]), message) : `${m[1]}: ${message}`}${m[2] ? `, not ${m[2]}` : ''}`
  const run = /^run \d+ \((.*)\): (.+)$/.exec(rest)
  if (run) return `${prefix}${plainMessage(fieldAt(run[2]), message)} (in the run ${run[1]})`
  return `${prefix}${rest}: ${message}`
}

/** Variants and linked axes as the advanced JSON view shows them. */
function sweepJson(variants: VariantDraft[], zip: GridRow[]): string {
  return JSON.stringify({ variants: draftsToVariants(variants), zip: rowsToGrid(zip) }, null, 1)
}

/** A kept draft's variants and linked axes, also from drafts that held them as JSON text. */
function keptSweep(kept: KeptParts | undefined): { variants: VariantDraft[]; zip: GridRow[] } {
  const parse = (text: string | undefined) => {
    try {
      return text?.trim() ? JSON.parse(text) : undefined
    } catch {
      return undefined
    }
  }
  const zip = kept?.zip ?? gridToRows((parse(kept?.zipText) as Record<string, unknown[]> | undefined) ?? {})
  return { variants: kept?.variants ?? variantsToDrafts(parse(kept?.variantsText)), zip }
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
  /** Variants (named sets of field values, each with its own axes) and linked axes (zip), picked like the grid's axes. */
  const variants = ref<VariantDraft[]>(keptSweep(draft?.kept).variants)
  const zipRows = ref<GridRow[]>(keptSweep(draft?.kept).zip)
  const sharedInit = ref(draft?.kept?.sharedInit ?? false)
  /** How runs are named: `{path}` placeholders filled per run; blank for the default template. */
  const nameTemplate = ref(draft?.kept?.nameTemplate ?? '')
  const kept = computed<KeptParts>(() => ({ variants: variants.value, zip: zipRows.value, sharedInit: sharedInit.value, nameTemplate: nameTemplate.value }))
  /** Linked fields whose lists differ in length, in plain words (null when they agree). */
  const zipIssue = computed(() => zipLengthIssue(zipRows.value))
  /** The advanced view: variants and linked axes as JSON, always what the picked fields say. */
  const advancedJson = computed(() => sweepJson(variants.value, zipRows.value))
  const jsonIssue = ref<string | null>(null)
  const validation = ref<ValidationResult>({ ok: false, runCount: 0, issues: [] })
  const starting = ref(false)
  const startError = ref<string | null>(null)

  // variants and zip are checked by main (validateExperiment), like everything else here
  const experiment = computed((): ExperimentInput => ({
    name: name.value,
    description: description.value,
    base: JSON.parse(JSON.stringify(base)),
    grid: rowsToGrid(rows.value),
    ...(variants.value.length ? { variants: draftsToVariants(variants.value) } : {}),
    ...(zipRows.value.some((r) => r.path.trim()) ? { zip: rowsToGrid(zipRows.value) } : {}),
    ...(sharedInit.value ? { sharedInit: true } : {}),
    ...(nameTemplate.value.trim() ? { nameTemplate: nameTemplate.value } : {}),
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
    // keyed by the paths the user typed: no prototype to write through
    const out = Object.create(null) as Record<string, string>
    for (const issue of validation.value.issues) {
      if (!issue.path.startsWith('base.')) continue
      const path = issue.path.slice(5)
      out[path] ??= plainMessage(fieldAt(path), issue.message)
    }
    return out
  })
  const variantNames = computed(() => variants.value.map((v) => v.name.trim()))
  const sweepIssues = (test: (path: string) => boolean) => computed(() => validation.value.issues.filter((i) => test(i.path)).map((i) => plainSweepIssue(i.path, i.message, variantNames.value)))
  const gridIssues = sweepIssues((p) => p.startsWith('grid') || p.startsWith('run '))
  const variantIssues = sweepIssues((p) => p.startsWith('variants'))
  // the lengths of linked lists are said by zipIssue as the user types
  const zipIssues = sweepIssues((p) => p.startsWith('zip.'))
  const otherIssues = computed(() => validation.value.issues.filter((i) => !/^(base\.|grid|run |variants|zip|nameTemplate)/.test(i.path)).map((i) => `${i.path || 'experiment'}: ${i.message}`))

  /** Replaces the variants and linked axes with what the advanced JSON view says; a fault there changes nothing and is said. */
  function applyJson(text: string): void {
    try {
      const parsed = JSON.parse(text) as { variants?: unknown; zip?: unknown }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected {"variants": [...], "zip": {...}}')
      const zip = parsed.zip ?? {}
      if (!zip || typeof zip !== 'object' || Array.isArray(zip) || !Object.values(zip).every(Array.isArray)) throw new Error('"zip" must map each field to a list of values')
      if (parsed.variants !== undefined && !Array.isArray(parsed.variants)) throw new Error('"variants" must be a list')
      variants.value = variantsToDrafts(parsed.variants ?? [])
      zipRows.value = gridToRows(zip as Record<string, unknown[]>)
      jsonIssue.value = null
    } catch (error) {
      jsonIssue.value = `Not applied: ${(error as Error).message}`
    }
  }

  let timer: ReturnType<typeof setTimeout> | null = null
  let sequence = 0
  async function validate(): Promise<void> {
    const mine = ++sequence
    const result = await lab.validateExperiment(experiment.value)
    if (mine === sequence) validation.value = result
  }
  // kept too: a field added but not yet picked changes no experiment, and is kept all the same
  watch(
    [experiment, kept],
    () => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => void validate(), 250)
      const saved: Draft = { name: name.value, description: description.value, base: JSON.parse(JSON.stringify(base)), rows: rows.value, kept: kept.value, pristine: pristine.value }
      storage?.setItem(draftKey, JSON.stringify(saved))
    },
    { deep: true, immediate: true },
  )

  /** Sets a field; choosing another alternative (data.kind, model.kind) starts that part from its blank. */
  /**
   * Sets a field. Choosing the data (its kind or its classes) sets Outputs to its class count, the
   * only value the schema takes for image data with cross-entropy (10 for MNIST).
   */
  function set(path: string, value: unknown): void {
    const field = fieldAt(path)
    if (field?.alternatives && typeof value === 'string') chooseAlternative(base, field, value)
    else setPath(base, path, value)
    if (path === 'data.kind' || path === 'data.classes') {
      const classes = dataClassCount((base.data ?? { kind: 'synthetic' }) as { kind: string; classes?: number[] })
      if (classes !== null) setPath(base, 'model.outputs', classes)
    }
  }

  function replace(next: { name: string; description?: string; base: Record<string, unknown>; grid?: Record<string, unknown[]>; variants?: unknown[]; zip?: Record<string, unknown[]>; sharedInit?: boolean; nameTemplate?: string }): void {
    name.value = next.name
    description.value = next.description ?? ''
    for (const key of Object.keys(base)) delete base[key]
    Object.assign(base, JSON.parse(JSON.stringify(next.base)))
    rows.value = gridToRows(next.grid ?? {})
    variants.value = variantsToDrafts(next.variants ?? [])
    zipRows.value = gridToRows(next.zip ?? {})
    jsonIssue.value = null
    sharedInit.value = next.sharedInit ?? false
    nameTemplate.value = next.nameTemplate ?? ''
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
      if (!validation.value.ok || overLimit.value || zipIssue.value) return null
      return await lab.startExperiment(experiment.value)
    } catch (error) {
      startError.value = (error as Error).message
      return null
    } finally {
      starting.value = false
    }
  }

  return { name, description, base, rows, variants, zipRows, sharedInit, nameTemplate, zipIssue, advancedJson, jsonIssue, applyJson, experiment, validation, runCount, maxRuns, overLimit, fieldIssues, gridIssues, variantIssues, zipIssues, otherIssues, starting, startError, edited, set, loadPreset, clear, start, validate }
}
