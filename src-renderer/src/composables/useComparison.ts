import { computed, reactive, ref, watch } from 'vue'
import { compactSpec, comparisonKey } from '../../../src-shared/comparison'
import type { ComparisonReply, LabApi, RequestArgument } from '../../../src-shared/contract'
import { figureSizePt, FigureSpec, type FigureSpecInput } from '../../../src-shared/figure-spec'

/**
 * The comparison being looked at: its spec (every figure setting), and what main computed for it
 * (compareRuns: group statistics at the figure's resolution, the measures and fields on offer,
 * the summary). One request per change of the data, whatever the number of runs; a reply that a
 * newer request overtook is dropped.
 */
export function useComparison(lab: LabApi) {
  const spec = reactive<FigureSpec>(FigureSpec.parse({ runIds: [1], measures: ['trainLoss'] }))
  /** Whether a comparison is open (the spec above is a placeholder until one is). */
  const opened = ref(false)
  const reply = ref<ComparisonReply | null>(null)
  /** The data key (comparisonKey) the reply was computed for. */
  const replyKey = ref('')
  const error = ref<string | null>(null)
  const loading = ref(false)
  /** The summary table per group (where the spec groups) or per run. */
  const summaryPerGroup = ref(true)
  const measures = computed(() => reply.value?.measures ?? [])
  const paths = computed(() => reply.value?.fields ?? [])
  const comparison = computed(() => reply.value?.comparison ?? null)
  const summary = computed(() => reply.value?.summary ?? [])
  const key = () => comparisonKey(spec, figureSizePt(spec).width)
  /** Whether the comparison is the current spec's (else a newer one is on its way): only then may the spec be drawn over it. */
  const fresh = computed(() => reply.value !== null && replyKey.value === key())
  let sequence = 0
  /** The runs the natural figure was asked for, where it opened on one: more than the spec's where a figure cannot draw them all. */
  const runsAsked = ref<number | null>(null)

  async function refresh(): Promise<void> {
    if (!opened.value) return
    const mine = ++sequence
    const asked = key()
    loading.value = true
    try {
      const next = await lab.compareRuns({ spec: compactSpec(spec), summary: summaryPerGroup.value ? 'groups' : 'runs' })
      if (mine !== sequence) return
      reply.value = next
      replyKey.value = asked
      error.value = null
    } catch (e) {
      if (mine !== sequence) return
      reply.value = null
      error.value = (e as Error).message
    } finally {
      if (mine === sequence) loading.value = false
    }
  }
  watch(() => [opened.value, key(), summaryPerGroup.value], () => void refresh())

  function show(next: FigureSpec): void {
    reply.value = null
    runsAsked.value = null
    Object.assign(spec, next)
    opened.value = true
  }

  /** Opens a spec as it is (a link, a saved comparison). */
  async function open(input: FigureSpecInput | unknown): Promise<void> {
    show(FigureSpec.parse(input))
  }

  /**
   * Opens an experiment, or a choice of runs (ids or ranges text, `1-10500`), on its natural figure
   * (main decides: services/figures.ts naturalFigure); `runsAsked` keeps how many runs that named.
   */
  async function openNatural(request: RequestArgument<'naturalFigure'>): Promise<void> {
    try {
      const natural = await lab.naturalFigure(request)
      show(FigureSpec.parse(natural.spec))
      runsAsked.value = natural.runsAsked
    } catch (e) {
      error.value = (e as Error).message
    }
  }

  return { spec, opened, fresh, comparison, measures, paths, summary, summaryPerGroup, error, loading, runsAsked, open, openNatural }
}
