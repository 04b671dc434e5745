/**
 * The measures registry: every measure a run logs, with its label, math symbol, unit, chart group,
 * direction and natural range. The engine names what it logs through it; the run detail charts,
 * the comparison, figures, the runs table and CSV headers read their labels and ranges from it.
 * A measure of the network's state carries its computation (`compute`), written once over the
 * primitives each engine path supplies (`MeasurePrimitives`: cosine, norm, row cosines, the
 * forward maps, feedback matrices, signals and gradients), and both the reference evaluator
 * (engine/evaluation.ts) and the fused one (engine/fused.ts) compute every such entry through
 * `computeMeasures`. Adding a measure is one `registerMeasure` entry here, plus at most the
 * primitive it needs. Measures without `compute` are logged by their own code: `outputL2` by the
 * session, the theory measures by engine/theory.ts.
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

/** Loss (mean over the split's samples) and accuracy (fraction correct, null without labels) on a split. */
export interface SplitFit {
  loss: number
  accuracy: number | null
}

/**
 * What an engine path supplies for the measures to be computed over; `M` is its matrix (a tf
 * tensor on the reference path, a float32 buffer on the fused one). Layers count from 1: weight
 * layers W_l for l = 1..L, hidden layers l = 1..L−1 each with its feedback matrix B_l. Signals and
 * gradients are those of one backward pass on the probe batch, by the run's rule or by backprop
 * from the same forward pass.
 */
export interface MeasurePrimitives<M> {
  /** Number of weight layers L. */
  readonly layers: number
  /** Fit on the fit split (the training set, or its probe). */
  fit(): SplitFit
  /** Fit on the test split; null when the run has none. */
  test(): SplitFit | null
  /** W_l [fanIn_l, fanOut_l]. */
  weights(l: number): M
  /** The rule's B_l for hidden layer l (bp reports its fixed B, the null baseline); shaped like `forwardMap(l)`. */
  feedback(l: number): M
  /** The forward map B_l stands in for: W_{l+1}, or W_{l+1}⋯W_L for DFA and DRTP. */
  forwardMap(l: number): M
  /** `forwardMap(l)` at step 0. */
  initialForwardMap(l: number): M
  /** The signal sent to hidden layer l by the rule or by backprop. [probe rows, width_l] */
  signal(l: number, by: 'rule' | 'bp'): M
  /** The gradient of W_l (loss terms only) by the rule or by backprop. [fanIn_l, fanOut_l] */
  gradient(l: number, by: 'rule' | 'bp'): M
  /** cos(vec a, vec b) in [−1, 1]; null where either is zero. */
  cosine(a: M, b: M): number | null
  /** Mean over rows of cos(a_i, b_i), rows where either is zero left out; null where all are. */
  meanRowCosine(a: M, b: M): number | null
  /** Frobenius norm. */
  norm(a: M): number
  /** a − b, of equal shapes. */
  difference(a: M, b: M): M
}

/**
 * How a measure is computed from an engine path's primitives. A per-layer measure (`layers` other
 * than `none`) says which layers it is taken at: each `hidden` layer (1..L−1) or each weight layer
 * (`weights`, 1..L); `value` receives that layer. A null or non-finite value is not logged.
 */
export interface MeasureComputation {
  over: 'run' | 'hidden' | 'weights'
  value: <M>(p: MeasurePrimitives<M>, layer: number) => number | null
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
  /** Its computation over the engine paths' primitives; absent for measures logged by their own code. */
  compute?: MeasureComputation
  /**
   * The measure this one is 1 − of (`testAccuracy` for testError): its value is computed by that
   * measure's own entry, and a number given as either converts to the other (measureConversion).
   */
  complementOf?: string
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
  { id: 'error', title: 'Error', axis: 'error (fraction wrong)', range: fraction },
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
  if (spec.complementOf !== undefined) spec = { ...spec, compute: complement(spec.complementOf) }
  if (!chartGroups.some((g) => g.id === spec.group)) throw new Error(`measure ${spec.name}: unknown chart group '${spec.group}'`)
  if (spec.compute && (spec.compute.over === 'run') !== (spec.layers === 'none'))
    throw new Error(`measure ${spec.name}: computed over '${spec.compute.over}' but named per layer '${spec.layers}'`)
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
  { name: 'trainLoss', layers: 'none', label: 'training loss', unit: '', group: 'loss', largerIsBetter: false, range: { min: 0, log: true }, tableColumn: true, description: 'on the whole training set for full-batch runs; on the first `evalSamples` training samples for minibatch runs (at the current parameters)', compute: { over: 'run', value: (p) => p.fit().loss } },
  { name: 'testLoss', layers: 'none', label: 'test loss', unit: '', group: 'loss', largerIsBetter: false, range: { min: 0, log: true }, description: 'on the test set, when there is one', compute: { over: 'run', value: (p) => p.test()?.loss ?? null } },
  { name: 'trainAccuracy', layers: 'none', label: 'training accuracy', unit: 'fraction correct', group: 'accuracy', largerIsBetter: true, range: fraction, description: 'as trainLoss; classification runs only', compute: { over: 'run', value: (p) => p.fit().accuracy } },
  { name: 'testAccuracy', layers: 'none', label: 'test accuracy', unit: 'fraction correct', group: 'accuracy', largerIsBetter: true, range: fraction, tableColumn: true, description: 'classification runs with a test set', compute: { over: 'run', value: (p) => p.test()?.accuracy ?? null } },
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
    description: 'cos(vec W_{l+1}, vec B_l); for two-layer nets cos(β, b). For DFA and DRTP, W_{l+1}⋯W_L against B_l (negative under DRTP, whose signal has the target’s sign, not the error’s)',
    compute: { over: 'hidden', value: (p, l) => p.cosine(p.forwardMap(l), p.feedback(l)) },
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
    description: 'cos(W_{l+1}(t) − W_{l+1}(0), B_l): how much of what was learned points along B, apart from λ shrinking β₀',
    compute: { over: 'hidden', value: (p, l) => p.cosine(p.difference(p.forwardMap(l), p.initialForwardMap(l)), p.feedback(l)) },
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
    description: 'mean over samples of cos(ε_rule,i, ε_bp,i), the signals the rule and backprop send to the hidden layer (the paper’s cos(e_i B, e_i β))',
    compute: { over: 'hidden', value: (p, l) => p.meanRowCosine(p.signal(l, 'rule'), p.signal(l, 'bp')) },
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
    description: 'cos(rule’s ∂L/∂W_l estimate, true gradient), loss terms only (no regularisation)',
    compute: { over: 'weights', value: (p, l) => p.cosine(p.gradient(l, 'rule'), p.gradient(l, 'bp')) },
  },
  { name: 'norm.W', layers: 'glued', label: 'norm of W', unit: 'Frobenius norm', group: 'norm', largerIsBetter: false, range: { min: 0 }, description: 'Frobenius norm of a weight matrix', compute: { over: 'weights', value: (p, l) => p.norm(p.weights(l)) } },
  { name: 'norm.B', layers: 'glued', label: 'norm of B', unit: 'Frobenius norm', group: 'norm', largerIsBetter: false, range: { min: 0 }, description: 'Frobenius norm of a feedback matrix', compute: { over: 'hidden', value: (p, l) => p.norm(p.feedback(l)) } },
  { name: 'outputL2', layers: 'none', label: 'output L2', symbol: () => 'λ_t', unit: '', group: 'schedule', largerIsBetter: false, range: { min: 0 }, description: 'λ at this step, from regularization.outputL2 (a number or a schedule)' },
  // The two-layer theory (src-main/engine/theory.ts): G from β's update, H from W's through b.
  { name: 'lambdaMinG', layers: 'none', label: 'smallest eigenvalue of G', symbol: () => 'λ_min(G)', unit: '', group: 'theoryG', largerIsBetter: true, range: {}, description: 'G_ij = (1/p) Σ_r ψ(w_r·x_i) ψ(w_r·x_j); the convergence argument needs it bounded away from 0' },
  { name: 'lambdaMaxG', layers: 'none', label: 'largest eigenvalue of G', symbol: () => 'λ_max(G)', unit: '', group: 'theoryG', largerIsBetter: false, range: {}, description: 'G_ij = (1/p) Σ_r ψ(w_r·x_i) ψ(w_r·x_j)' },
  { name: 'lambdaMinH', layers: 'none', label: 'smallest eigenvalue of H', symbol: () => 'λ_min(H)', unit: '', group: 'theory', largerIsBetter: true, range: {}, description: 'H_ij = (1/p) Σ_r β_r b_r ψ′(w_r·x_i) ψ′(w_r·x_j) x_i·x_j; negative under FA, ≥ 0 under BP; not for DRTP, whose hidden signal is not a multiple of e' },
  { name: 'lambdaMaxH', layers: 'none', label: 'largest eigenvalue of H', symbol: () => 'λ_max(H)', unit: '', group: 'theory', largerIsBetter: false, range: {}, description: 'H_ij = (1/p) Σ_r β_r b_r ψ′(w_r·x_i) ψ′(w_r·x_j) x_i·x_j; not for DRTP' },
  { name: 'lambdaMinGH', layers: 'none', label: 'smallest eigenvalue of G + H', symbol: () => 'λ_min(G + H)', unit: '', group: 'theory', largerIsBetter: true, range: {}, description: 'the rate of df/dt = −η[(2/(nk))(G + H)e + λf] along its slowest direction' },
  { name: 'driftG', layers: 'none', label: 'drift of G', symbol: () => '‖G(t) − G(0)‖_F / ‖G(0)‖_F', unit: 'relative', group: 'theoryCheck', largerIsBetter: false, range: { min: 0, log: true }, description: 'how far G has moved from its value at step 0' },
  { name: 'oneStepError', layers: 'none', label: 'one-step check', symbol: () => '‖Δf − Δf̂‖ / ‖Δf̂‖', unit: 'relative', group: 'theoryCheck', largerIsBetter: false, range: { min: 0, log: true }, description: 'the change of f over one plain gradient step of the rule on these samples (η and λ in force, no momentum, dropout or weight decay) against its prediction Δf̂ = −η[(2/(nk))(G + H)e + λf]; first order in η' },
] satisfies MeasureSpec[])
  registerMeasure(spec)

/** 1 − a registered measure's value, computed by that measure's own entry: an error rate from an accuracy. */
function complement(name: string): MeasureComputation {
  const source = registry.find((m) => m.name === name)?.compute
  if (!source) throw new Error(`complementOf: '${name}' is not a computed measure`)
  return {
    over: source.over,
    value: (p, l) => {
      const value = source.value(p, l)
      return value === null ? null : 1 - value
    },
  }
}

registerMeasure({ name: 'testError', layers: 'none', label: 'test error', unit: 'fraction wrong', group: 'error', largerIsBetter: false, range: fraction, description: '1 − testAccuracy: the top-1 error papers report (BioTorch’s LeNet table)', complementOf: 'testAccuracy' })

/**
 * How a number of measure `from` reads as measure `to`: unchanged for the same measure, 1 − v
 * between a measure and the one it is the complement of (a published accuracy on a test error
 * panel), null where one cannot be had from the other.
 */
export function measureConversion(from: string, to: string): ((value: number) => number) | null {
  if (from === to) return (v) => v
  const a = measureInfo(from)
  const b = measureInfo(to)
  if (!a.spec || !b.spec || a.layer !== b.layer) return null
  return b.spec.complementOf === a.spec.name || a.spec.complementOf === b.spec.name ? (v) => 1 - v : null
}

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

/**
 * Every registered measure that has a `compute`, over an engine path's primitives, in registry
 * order and under the names `measureName` gives (layers suffixed when there is more than one
 * hidden layer). Null and non-finite values are left out. Both engine paths call this.
 */
export function computeMeasures<M>(p: MeasurePrimitives<M>): Record<string, number> {
  const metrics: Record<string, number> = {}
  const deep = p.layers > 2
  for (const spec of registry) {
    const compute = spec.compute
    if (!compute) continue
    const put = (value: number | null, layer?: number) => {
      // keyed-write: measureName refuses names the registry does not know
      if (value !== null && Number.isFinite(value)) metrics[measureName(spec.name, layer, deep)] = value
    }
    if (compute.over === 'run') put(compute.value(p, 0))
    else for (let l = 1; l <= (compute.over === 'hidden' ? p.layers - 1 : p.layers); l++) put(compute.value(p, l), l)
  }
  return metrics
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
