/**
 * The measures registry: every measure a run logs, with its label, math symbol, unit, chart group,
 * direction and natural range. The engine names what it logs through it; the run detail charts,
 * the comparison, figures, the runs table and CSV headers read their labels and ranges from it.
 * Adding a measure is one `registerMeasure` entry here (and the engine code that computes it).
 * Pure: no node, electron or DOM imports.
 */

/** Where a measure's values naturally lie: bounds for chart axes, and whether a log axis suits it. */
export interface MeasureRange {
  min?: number
  max?: number
  /** Positive values spanning decades (losses): a log axis is the natural choice. */
  log?: boolean
}

/**
 * How per-layer names are formed from the base name and hidden layer l (1-based):
 * `none`: one value per run; `suffix`: `weightAlignment` for one hidden layer, `weightAlignment.l`
 * for deeper nets; `always`: always `gradientAlignment.l`; `glued`: `norm.Wl`.
 */
export type LayerNaming = 'none' | 'suffix' | 'always' | 'glued'

export interface ChartGroup {
  id: string
  /** The run detail chart's title. */
  title: string
  /** The y axis title shared by its measures. */
  axis: string
  range: MeasureRange
}

export interface MeasureSpec {
  /** The base name, as logged for a one-hidden-layer network. */
  name: string
  layers: LayerNaming
  /** A short human label, lower case: `weight alignment`. */
  label: string
  /** The math symbol, appended to the label; `layer` is null for the unsuffixed name. */
  symbol?: (layer: number | null) => string
  /** What a value is measured in: `cosine`, `fraction correct`. Empty for plain numbers. */
  unit: string
  /** The id of its chart group (see `chartGroups`). */
  group: string
  largerIsBetter: boolean
  range: MeasureRange
  /** Shown as a column of the runs table (its final value). */
  tableColumn?: boolean
  description: string
}

/** A measure name resolved against the registry. */
export interface MeasureInfo {
  name: string
  spec: MeasureSpec | null
  layer: number | null
  /** `weight alignment cos(β, b)`, `gradient alignment, layer 2 cos(ΔW2, ∇W2)`, `norm of W1`. */
  label: string
  symbol: string
  unit: string
  group: ChartGroup
  largerIsBetter: boolean
  range: MeasureRange
}

const cosine: MeasureRange = { min: -1, max: 1 }
const fraction: MeasureRange = { min: 0, max: 1 }

/** The run detail's charts, in display order. Measures of an unknown group land in `other`. */
export const chartGroups: ChartGroup[] = [
  { id: 'loss', title: 'Loss', axis: 'loss', range: { min: 0, log: true } },
  { id: 'accuracy', title: 'Accuracy', axis: 'accuracy (fraction correct)', range: fraction },
  { id: 'alignment', title: 'Weight and signal alignment', axis: 'cosine', range: cosine },
  { id: 'gradientAlignment', title: 'Gradient alignment', axis: 'cosine', range: cosine },
  { id: 'norm', title: 'Norms', axis: 'Frobenius norm', range: { min: 0 } },
  { id: 'schedule', title: 'Schedules', axis: 'value', range: { min: 0 } },
  { id: 'theoryG', title: 'Eigenvalues of G', axis: 'eigenvalue', range: { min: 0, log: true } },
  { id: 'theory', title: 'Eigenvalues of H and G + H', axis: 'eigenvalue', range: {} },
  { id: 'theoryCheck', title: 'Theory checks', axis: 'relative difference', range: { min: 0, log: true } },
  { id: 'other', title: 'Other measures', axis: 'value', range: {} },
]

const registry: MeasureSpec[] = []

/** Adds a measure (or replaces the one of the same name). Later work adds theory measures this way. */
export function registerMeasure(spec: MeasureSpec): void {
  if (!chartGroups.some((g) => g.id === spec.group)) throw new Error(`measure ${spec.name}: unknown chart group '${spec.group}'`)
  const at = registry.findIndex((m) => m.name === spec.name)
  if (at >= 0) registry[at] = spec
  else registry.push(spec)
}

/** Removes a measure (tests that register one clean up with it). */
export function unregisterMeasure(name: string): void {
  const at = registry.findIndex((m) => m.name === name)
  if (at >= 0) registry.splice(at, 1)
}

/** Every registered measure, in registration order. */
export function measureSpecs(): readonly MeasureSpec[] {
  return registry
}

for (const spec of [
  { name: 'trainLoss', layers: 'none', label: 'training loss', unit: '', group: 'loss', largerIsBetter: false, range: { min: 0, log: true }, tableColumn: true, description: 'on the whole training set (full batch) or its first evalSamples samples' },
  { name: 'testLoss', layers: 'none', label: 'test loss', unit: '', group: 'loss', largerIsBetter: false, range: { min: 0, log: true }, description: 'on the test set, when there is one' },
  { name: 'trainAccuracy', layers: 'none', label: 'training accuracy', unit: 'fraction correct', group: 'accuracy', largerIsBetter: true, range: fraction, description: 'classification runs only' },
  { name: 'testAccuracy', layers: 'none', label: 'test accuracy', unit: 'fraction correct', group: 'accuracy', largerIsBetter: true, range: fraction, tableColumn: true, description: 'classification runs with a test set' },
  {
    name: 'weightAlignment',
    layers: 'suffix',
    label: 'weight alignment',
    symbol: (l) => (l === null ? 'cos(β, b)' : `cos(W${l + 1}, B${l})`),
    unit: 'cosine',
    group: 'alignment',
    largerIsBetter: true,
    range: cosine,
    tableColumn: true,
    description: 'cos(vec W_{l+1}, vec B_l); for DFA, W_{l+1}⋯W_L against B_l',
  },
  {
    name: 'disentangledAlignment',
    layers: 'suffix',
    label: 'disentangled alignment',
    symbol: (l) => (l === null ? 'cos(β − β₀, b)' : `cos(W${l + 1} − W${l + 1}(0), B${l})`),
    unit: 'cosine',
    group: 'alignment',
    largerIsBetter: true,
    range: cosine,
    description: 'how much of what was learned points along B, apart from λ shrinking β₀',
  },
  {
    name: 'signalAlignment',
    layers: 'suffix',
    label: 'signal alignment',
    symbol: (l) => (l === null ? 'cos(e b, e β)' : `cos(δ${l} rule, δ${l} bp)`),
    unit: 'cosine',
    group: 'alignment',
    largerIsBetter: true,
    range: cosine,
    tableColumn: true,
    description: 'mean over samples of the cosine between the signal the rule sends the hidden layer and backprop’s',
  },
  {
    name: 'gradientAlignment',
    layers: 'always',
    label: 'gradient alignment',
    symbol: (l) => `cos(ΔW${l ?? ''}, ∇W${l ?? ''})`,
    unit: 'cosine',
    group: 'gradientAlignment',
    largerIsBetter: true,
    range: cosine,
    description: 'cosine between the rule’s update of W_l and the true gradient (loss terms only)',
  },
  { name: 'norm.W', layers: 'glued', label: 'norm of W', unit: 'Frobenius norm', group: 'norm', largerIsBetter: false, range: { min: 0 }, description: 'Frobenius norm of a weight matrix' },
  { name: 'norm.B', layers: 'glued', label: 'norm of B', unit: 'Frobenius norm', group: 'norm', largerIsBetter: false, range: { min: 0 }, description: 'Frobenius norm of a feedback matrix' },
  { name: 'outputL2', layers: 'none', label: 'output L2', symbol: () => 'λ_t', unit: '', group: 'schedule', largerIsBetter: false, range: { min: 0 }, description: 'λ at this step, from regularization.outputL2 (a number or a schedule)' },
  // The two-layer theory (src-main/engine/theory.ts): G from β's update, H from W's through b.
  { name: 'lambdaMinG', layers: 'none', label: 'smallest eigenvalue of G', symbol: () => 'λ_min(G)', unit: '', group: 'theoryG', largerIsBetter: true, range: {}, description: 'G_ij = (1/p) Σ_r ψ(w_r·x_i) ψ(w_r·x_j); the convergence argument needs it bounded away from 0' },
  { name: 'lambdaMaxG', layers: 'none', label: 'largest eigenvalue of G', symbol: () => 'λ_max(G)', unit: '', group: 'theoryG', largerIsBetter: false, range: {}, description: 'G_ij = (1/p) Σ_r ψ(w_r·x_i) ψ(w_r·x_j)' },
  { name: 'lambdaMinH', layers: 'none', label: 'smallest eigenvalue of H', symbol: () => 'λ_min(H)', unit: '', group: 'theory', largerIsBetter: true, range: {}, description: 'H_ij = (1/p) Σ_r β_r b_r ψ′(w_r·x_i) ψ′(w_r·x_j) x_i·x_j; negative under FA, ≥ 0 under BP' },
  { name: 'lambdaMaxH', layers: 'none', label: 'largest eigenvalue of H', symbol: () => 'λ_max(H)', unit: '', group: 'theory', largerIsBetter: false, range: {}, description: 'H_ij = (1/p) Σ_r β_r b_r ψ′(w_r·x_i) ψ′(w_r·x_j) x_i·x_j' },
  { name: 'lambdaMinGH', layers: 'none', label: 'smallest eigenvalue of G + H', symbol: () => 'λ_min(G + H)', unit: '', group: 'theory', largerIsBetter: true, range: {}, description: 'the rate of df/dt = −η[(2/(nk))(G + H)e + λf] along its slowest direction' },
  { name: 'driftG', layers: 'none', label: 'drift of G', symbol: () => '‖G(t) − G(0)‖_F / ‖G(0)‖_F', unit: 'relative', group: 'theoryCheck', largerIsBetter: false, range: { min: 0, log: true }, description: 'how far G has moved from its value at step 0' },
  { name: 'oneStepError', layers: 'none', label: 'one-step check', symbol: () => '‖Δf − Δf̂‖ / ‖Δf̂‖', unit: 'relative', group: 'theoryCheck', largerIsBetter: false, range: { min: 0, log: true }, description: 'one gradient step’s change of f against −η[(2/(nk))(G + H)e + λf]; first order in η' },
] satisfies MeasureSpec[])
  registerMeasure(spec)

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The layer a name carries for `spec`, null for none, or undefined when the name is not of `spec`. */
function matchLayer(spec: MeasureSpec, name: string): number | null | undefined {
  const base = escape(spec.name)
  const pattern = { none: `^${base}$`, suffix: `^${base}(?:\\.(\\d+))?$`, always: `^${base}\\.(\\d+)$`, glued: `^${base}(\\d+)$` }[spec.layers]
  const match = new RegExp(pattern).exec(name)
  if (!match) return undefined
  return match[1] === undefined ? null : Number(match[1])
}

/**
 * The name a measure is logged under: `measureName('weightAlignment', 1, false)` is
 * `weightAlignment`, with `deep` (more than one hidden layer) `weightAlignment.1`; throws for a
 * name not in the registry, so nothing is logged that the charts cannot label.
 */
export function measureName(base: string, layer?: number, deep = false): string {
  const spec = registry.find((m) => m.name === base)
  if (!spec) throw new Error(`measure '${base}' is not registered in src-shared/measures.ts`)
  if (spec.layers === 'none') return base
  if (layer === undefined) throw new Error(`measure '${base}' needs a layer`)
  if (spec.layers === 'glued') return `${base}${layer}`
  if (spec.layers === 'suffix' && !deep) return base
  return `${base}.${layer}`
}

/** Resolves any measure name; names not in the registry get a plain label in the `other` group. */
export function measureInfo(name: string): MeasureInfo {
  for (const spec of registry) {
    const layer = matchLayer(spec, name)
    if (layer === undefined) continue
    const symbol = spec.symbol?.(layer) ?? ''
    const plain = layer === null ? spec.label : spec.layers === 'glued' ? `${spec.label}${layer}` : `${spec.label}, layer ${layer}`
    return {
      name,
      spec,
      layer,
      label: symbol ? `${plain} ${symbol}` : plain,
      symbol,
      unit: spec.unit,
      group: chartGroups.find((g) => g.id === spec.group)!,
      largerIsBetter: spec.largerIsBetter,
      range: spec.range,
    }
  }
  return { name, spec: null, layer: null, label: name, symbol: '', unit: '', group: chartGroups.at(-1)!, largerIsBetter: true, range: {} }
}

/** Whether `name` is a registered measure (with a valid layer form). */
export function isMeasure(name: string): boolean {
  return measureInfo(name).spec !== null
}

/** An axis title: the label with its unit, `weight alignment cos(β, b) (cosine)`. */
export function measureTitle(name: string): string {
  const info = measureInfo(name)
  return info.unit ? `${info.label} (${info.unit})` : info.label
}

/** Measures grouped into the run detail's charts, in the groups' order; empty groups left out. */
export function groupMeasures(names: string[]): { group: ChartGroup; names: string[] }[] {
  const byGroup = new Map<string, string[]>()
  for (const name of names) {
    const id = measureInfo(name).group.id
    byGroup.set(id, [...(byGroup.get(id) ?? []), name])
  }
  const order = (name: string) => {
    const info = measureInfo(name)
    return [info.spec ? registry.indexOf(info.spec) : registry.length, info.layer ?? 0] as const
  }
  return chartGroups
    .filter((g) => byGroup.has(g.id))
    .map((group) => ({ group, names: byGroup.get(group.id)!.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]) }))
}

/** The measures the runs table shows as columns, in registry order. */
export function tableMeasures(): string[] {
  return registry.filter((m) => m.tableColumn).map((m) => m.name)
}
