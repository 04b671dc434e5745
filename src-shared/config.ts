/**
 * Run configuration: the one typed record that describes a training run, stored whole with it.
 * Shared by every process; imports nothing but zod and its own files.
 */
import { z } from 'zod'
import { featureShapes, lenet5Features, lenet5Hidden } from './conv-shape'
import { structureIssues } from './input'
import { NameText } from './text'

/**
 * The UI metadata each config field carries through zod's `.meta()`: the form, the CLI help, the
 * runs table, legends and axis titles all read it (see src-shared/fields.ts), so a field is
 * described once, here. `description` is the help text; `examples[0]` is the value a blank form
 * starts from for a field without a default.
 */
declare module 'zod' {
  interface GlobalMeta {
    /** `Learning rate`: sentence case, no symbol. */
    label?: string
    /** The math symbol: η, λ, p. */
    symbol?: string
    /** What the value is measured in: `samples`, `steps`. */
    unit?: string
    /** `advanced` fields sit behind the form's "advanced" switch. Default `basic`. */
    level?: 'basic' | 'advanced'
    /** Shown as a column of the runs table. */
    column?: boolean
    /** Shown only when the field at `path` (absolute, dotted) has one of these values (its default counts). */
    shownWhen?: { path: string; is: readonly unknown[] }
    /** Display names of an enum's options. */
    optionLabels?: Record<string, string>
    /** Short names of an enum's options, for legends, run names and figure labels (`FA`); the option itself where absent. */
    optionShortLabels?: Record<string, string>
  }
}

/**
 * How the bundled MNIST data is split. `t10k` (the default): the first 10,000 training digits train
 * and the official 10,000-digit test set (t10k) tests, MNIST's standard split, so test accuracy
 * compares with the literature. `first-10k`: those 10,000 training digits alone, the first
 * `bundledTrainSplit` (8,000) training and the rest testing: the lab's split before t10k was
 * bundled, which configs stored then still name through their `bundledTrainSplit`.
 */
export const bundledSplits = ['t10k', 'first-10k'] as const
export type BundledSplit = (typeof bundledSplits)[number]
/** Of the bundled 10,000 training digits, how many train under the `first-10k` split by default. */
export const defaultBundledTrainSplit = 8000
/** Digits in the bundled training sample and in the official test set. */
export const bundledTrainDigits = 10_000
export const officialTestDigits = 10_000

/** A bundled config's split: as named, else `first-10k` where only `bundledTrainSplit` is (a config stored before the field existed). */
export function bundledSplitOf(data: { bundledSplit?: BundledSplit; bundledTrainSplit?: number }): BundledSplit {
  return data.bundledSplit ?? (data.bundledTrainSplit === undefined ? 't10k' : 'first-10k')
}

/** Training and test digits of the bundled data under a config's split. */
export function bundledSizes(data: { bundledSplit?: BundledSplit; bundledTrainSplit?: number }): { train: number; test: number } {
  if (bundledSplitOf(data) === 't10k') return { train: bundledTrainDigits, test: officialTestDigits }
  const train = data.bundledTrainSplit ?? defaultBundledTrainSplit
  return { train, test: bundledTrainDigits - train }
}

export const activations = ['linear', 'relu', 'tanh', 'sigmoid'] as const
export const rules = ['bp', 'fa', 'dfa', 'sign', 'kp', 'drtp'] as const
export const feedbackMagnitudes = ['unit', 'random', 'batchwise'] as const
export const losses = ['mse', 'cross-entropy'] as const
export const backends = ['auto', 'tensorflow', 'blas', 'wasm', 'cpu'] as const

export const Activation = z.enum(activations)
/** Where a run is in its life; the store, the runner and the contract all use this one list. */
export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'diverged', 'interrupted'])
export type RunStatus = z.infer<typeof RunStatus>
/** The image datasets (the run schema's `data.kind` besides `synthetic`). */
export const ImageKind = z.enum(['mnist', 'fashion-mnist'])
export type ImageKind = z.infer<typeof ImageKind>
export type Activation = z.infer<typeof Activation>
export type RuleKind = (typeof rules)[number]
export type FeedbackMagnitude = (typeof feedbackMagnitudes)[number]
export type LossKind = (typeof losses)[number]
export type BackendChoice = (typeof backends)[number]

const positiveInt = z.int().positive()

export const SyntheticData = z.strictObject({
  kind: z.literal('synthetic'),
  /** Number of training samples; inputs x ~ N(0, I_d). */
  n: positiveInt.meta({ label: 'Training samples', symbol: 'n', unit: 'samples', examples: [50] }),
  /** Input dimension d. */
  inputDim: positiveInt.meta({ label: 'Input dimension', symbol: 'd', unit: 'features', examples: [150] }),
  /** `linear`: y = Xθ, θ ~ N(0, I_d). `two-layer`: y = (1/√p_t) ψ(X W_tᵀ) β_tᵀ, N(0,1) weights. */
  teacher: z.enum(['linear', 'two-layer']).default('linear').meta({ label: 'Teacher', description: 'the function the targets come from' }),
  teacherWidth: positiveInt.default(200).meta({ label: 'Teacher width', unit: 'units', shownWhen: { path: 'data.teacher', is: ['two-layer'] } }),
  teacherActivation: Activation.default('relu').meta({ label: 'Teacher activation', shownWhen: { path: 'data.teacher', is: ['two-layer'] } }),
  /** Standard deviation of Gaussian noise added to the training targets (not the test targets). */
  labelNoise: z.number().min(0).default(0).meta({ label: 'Label noise', unit: 'standard deviation', level: 'advanced' }),
  /** Held-out test samples drawn from the same distribution; 0 means no test set. */
  testN: z.int().min(0).default(0).meta({ label: 'Test samples', unit: 'samples', description: '0 = no test set' }),
})

/** Where image data comes from: the bundled sample, the lab's download cache, or a folder of IDX files. */
export const ImageSource = z.union([
  z.enum(['bundled', 'download']),
  z.strictObject({ dir: z.string().min(1) }),
]).meta({ label: 'Source', optionLabels: { bundled: 'bundled sample', download: 'downloaded (full)', dir: 'folder of IDX files' } })
export type ImageSource = z.infer<typeof ImageSource>

export const ImageData = z.strictObject({
  kind: ImageKind,
  source: ImageSource.default('bundled'),
  /** `standard`: (x − 0.1307) / 0.3081 on [0,1] pixels; `unit`: [0,1]; `none`: raw 0..255. */
  normalize: z.enum(['standard', 'unit', 'none']).default('standard').meta({ label: 'Normalise pixels', description: 'standard: (x − 0.1307)/0.3081' }),
  /** Use only the first trainSize training samples after the seeded shuffle. */
  trainSize: positiveInt.optional().meta({ label: 'Training subset', unit: 'images', description: 'all when empty' }),
  testSize: positiveInt.optional().meta({ label: 'Test subset', unit: 'images', description: 'all when empty' }),
  /** Keep only these digits, relabelled 0..k−1 in the given order. */
  classes: z
    .array(z.int().min(0).max(9))
    .min(2)
    .max(10)
    .refine((c) => new Set(c).size === c.length, 'classes must not repeat')
    .optional()
    .meta({ label: 'Classes', description: 'e.g. 3, 8; all when empty' }),
  /** For the bundled source: its split (see bundledSplits); unset, `t10k` unless bundledTrainSplit is given. */
  bundledSplit: z
    .enum(bundledSplits)
    .optional()
    .meta({ label: 'Bundled split', description: 't10k: 10,000 training digits + the official 10,000 test digits; first-10k: the 10,000 training digits split', optionLabels: { t10k: '10,000 train + official t10k test', 'first-10k': 'first 10,000 split (train/test)' }, level: 'advanced' }),
  /** For the bundled source's `first-10k` split: how many of its 10,000 digits train (8,000). */
  bundledTrainSplit: positiveInt
    .max(9999)
    .optional()
    .meta({ label: 'Bundled training split', unit: 'images', description: 'first-10k split: of the bundled 10,000 (8,000 when empty); the rest are the test set', level: 'advanced', shownWhen: { path: 'data.bundledSplit', is: ['first-10k'] } }),
}).refine((data) => !(data.bundledSplit === 't10k' && data.bundledTrainSplit !== undefined), { message: 'bundledTrainSplit applies to bundledSplit "first-10k" only (the t10k split trains on all 10,000 bundled digits)', path: ['bundledTrainSplit'] })

export const DataConfig = z
  .discriminatedUnion('kind', [SyntheticData, ImageData])
  .meta({ label: 'Data', column: true, optionLabels: { synthetic: 'synthetic (Gaussian inputs, teacher)', mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' } })
export type DataConfig = z.infer<typeof DataConfig>
export type SyntheticDataConfig = z.infer<typeof SyntheticData>
export type ImageDataConfig = z.infer<typeof ImageData>

export const TwoLayerModel = z.strictObject({
  kind: z.literal('two-layer'),
  /** Hidden width p. */
  hidden: positiveInt.meta({ label: 'Hidden width', symbol: 'p', unit: 'units', examples: [200], column: true }),
  activation: Activation.default('relu').meta({ label: 'Activation', symbol: 'ψ', column: true }),
  outputs: positiveInt.default(1).meta({ label: 'Outputs', symbol: 'k' }),
})

export const MlpModel = z.strictObject({
  kind: z.literal('mlp'),
  /** Hidden layer widths, input to output; the input and output widths come from the data. */
  hidden: z.array(positiveInt).min(1).max(100).meta({ label: 'Hidden widths', unit: 'units per layer', examples: [[100, 100]], column: true }),
  activation: Activation.default('relu').meta({ label: 'Activation', symbol: 'ψ', column: true }),
  outputs: positiveInt.default(1).meta({ label: 'Outputs', symbol: 'k' }),
  bias: z.boolean().default(true).meta({ label: 'Biases' }),
  /**
   * `standard`: W ~ N(0,1) with the layer output scaled by 1/√fan-in (as the two-layer model's
   * output layer); `glorot`: N(0, 2/(fan-in+fan-out)); `he`: N(0, 2/fan-in).
   */
  init: z.enum(['standard', 'glorot', 'he']).default('he').meta({ label: 'Initialisation', level: 'advanced' }),
})

/** A convolution stage of a conv model (see src-shared/conv-shape.ts for the shape conventions). */
export const ConvStage = z.strictObject({
  kind: z.literal('conv'),
  channels: positiveInt.max(1024),
  kernel: positiveInt.max(28),
  stride: positiveInt.max(28).default(1),
  padding: z.int().min(0).max(27).default(0),
})
/** A pooling stage's window: size×size, moved by stride (its size when unset). */
const poolWindow = { size: positiveInt.max(28), stride: positiveInt.max(28).optional() }
export const FeatureStage = z.discriminatedUnion('kind', [ConvStage, z.strictObject({ kind: z.literal('maxPool'), ...poolWindow }), z.strictObject({ kind: z.literal('avgPool'), ...poolWindow })])

export const ConvModel = z.strictObject({
  kind: z.literal('conv'),
  /** Convolution and pooling stages, input side first; the last map is flattened into the dense layers. */
  features: z
    .array(FeatureStage)
    .min(1)
    .max(32)
    .meta({
      label: 'Convolution and pooling layers',
      description:
        'a JSON list, input side first: {"kind":"conv","channels":6,"kernel":5,"stride":1,"padding":2}, {"kind":"maxPool","size":2} or {"kind":"avgPool","size":2,"stride":2}; the first is a convolution, each followed by ψ; the last map is flattened into the dense layers. LeNet-5 by default',
      examples: [lenet5Features],
    }),
  /** Dense hidden widths after the flattened features; the output width comes from the data. */
  hidden: z.array(positiveInt).max(100).meta({ label: 'Dense widths', unit: 'units per layer', description: 'after the flattened features; may be empty', examples: [lenet5Hidden], column: true }),
  activation: Activation.default('relu').meta({ label: 'Activation', symbol: 'ψ', column: true }),
  outputs: positiveInt.default(1).meta({ label: 'Outputs', symbol: 'k' }),
  bias: z.boolean().default(true).meta({ label: 'Biases' }),
  /** As the MLP's, with fan-in k·k·channels for a convolution (and fan-out k·k·channels out for glorot). */
  init: z.enum(['standard', 'glorot', 'he']).default('he').meta({ label: 'Initialisation', level: 'advanced' }),
})
export type ConvModelConfig = z.infer<typeof ConvModel>

export const ModelConfig = z
  .discriminatedUnion('kind', [TwoLayerModel, MlpModel, ConvModel])
  .meta({ label: 'Model', optionLabels: { 'two-layer': 'two-layer (1/√p) β ψ(Wx)', mlp: 'multi-layer perceptron', conv: 'convolutional network (LeNet-5 by default)' } })
export type ModelConfig = z.infer<typeof ModelConfig>

export const Optimizer = z.strictObject({
  learningRate: z.number().positive().meta({ label: 'Learning rate', symbol: 'η', examples: [0.01], column: true }),
  /** Samples per step; 0 means the full training set every step (gradient descent). */
  batchSize: z.int().min(0).default(0).meta({ label: 'Batch size', unit: 'samples', description: '0 = full batch', column: true }),
  momentum: z.number().min(0).lt(1).default(0).meta({ label: 'Momentum', symbol: 'μ', level: 'advanced' }),
})

/**
 * λ over training, t the number of updates done: a number (constant), `constant`, `exp`
 * (λ_t = initial·e^(−rate·t)), or `cutoff` (λ_t = value while t < untilStep, then 0), the schedules
 * Song et al. tried.
 */
export const OutputL2Schedule = z.union([
  z.number().min(0),
  z.strictObject({ kind: z.literal('constant'), value: z.number().min(0) }),
  z.strictObject({ kind: z.literal('exp'), initial: z.number().min(0), rate: z.number().min(0) }),
  z.strictObject({ kind: z.literal('cutoff'), value: z.number().min(0), untilStep: z.int().min(0) }),
])
export type OutputL2Schedule = z.infer<typeof OutputL2Schedule>

/** λ_t of a schedule after `step` updates. */
export function outputL2At(schedule: OutputL2Schedule, step: number): number {
  if (typeof schedule === 'number') return schedule
  switch (schedule.kind) {
    case 'constant':
      return schedule.value
    case 'exp':
      return schedule.initial * Math.exp(-schedule.rate * step)
    case 'cutoff':
      return step < schedule.untilStep ? schedule.value : 0
  }
}

export const Regularization = z.strictObject({
  /** λ: adds λ_t·β to the output layer's weight update (Song et al.'s regularised FA); a number or a schedule. */
  outputL2: OutputL2Schedule.default(0).meta({ label: 'Output L2', symbol: 'λ', description: 'adds λβ to the output layer’s update; a number or a schedule', column: true }),
  /** Adds weightDecay·W_l to every layer's weight update. */
  weightDecay: z.number().min(0).default(0).meta({ label: 'Weight decay', level: 'advanced' }),
  /** Probability of dropping a hidden unit during training (inverted dropout). */
  dropout: z.number().min(0).lt(1).default(0).meta({ label: 'Dropout', unit: 'probability', level: 'advanced' }),
})

/** What a convergence stop watches: the training loss, or the weight alignment of the last hidden layer (cos(β, b) for two-layer nets). */
export const stoppingQuantities = ['loss', 'weightAlignment'] as const

/**
 * Where convergence checks are counted from. `minSteps` (the default): the first check is at
 * `minSteps`, then every `checkEvery` steps, each against the previous check, and the first
 * settled check stops the run. `start` (Song et al.'s code, simulation_align.py): checks at every
 * multiple of `checkEvery` from step 0, each on the value at the parameters before that step's
 * update (their `t % 1000 == 999`), the first one against 0 for the loss (1 for the alignment), as
 * theirs; a settled check latches, and the run ends at the later of `minSteps` and the first
 * settled check.
 */
export const stoppingCounts = ['minSteps', 'start'] as const

/**
 * A convergence stop, with `steps` as the maximum: every `checkEvery` steps (counted from
 * `minSteps`, or from step 0 under `checksFrom: 'start'`), the run stops when the watched quantity
 * (`on`) moved less than its tolerance since the previous check: |training loss − the previous
 * check's| < `lossTolerance`, or the same for the weight alignment of the last hidden layer with
 * `alignmentTolerance`.
 */
export const Stopping = z.strictObject({
  on: z.enum(stoppingQuantities).default('loss').meta({ label: 'Stop when it settles', level: 'advanced', optionLabels: { loss: 'training loss', weightAlignment: 'weight alignment' } }),
  minSteps: z.int().min(0).meta({ label: 'Stop no earlier than', unit: 'steps', level: 'advanced', description: 'convergence stop: all three or none' }),
  checkEvery: positiveInt.meta({ label: 'Check convergence every', unit: 'steps', level: 'advanced' }),
  // Optional rather than defaulted: configs stored before it existed keep their checkpoint key.
  checksFrom: z
    .enum(stoppingCounts)
    .optional()
    .meta({
      label: 'Count checks from',
      level: 'advanced',
      description: 'minSteps: the first check at minSteps; start: checks from step 0 that latch, the run ending at the later of minSteps and the first settled check (Song et al.’s code)',
      optionLabels: { minSteps: 'minSteps', start: 'step 0, latching (Song et al.)' },
    }),
  lossTolerance: z.number().positive().optional().meta({ label: 'Loss tolerance', level: 'advanced', description: 'stops when the training loss changes less between checks', shownWhen: { path: 'stopping.on', is: ['loss'] } }),
  alignmentTolerance: z
    .number()
    .positive()
    .optional()
    .meta({ label: 'Alignment tolerance', unit: 'cosine', level: 'advanced', description: 'stops when the weight alignment changes less between checks', shownWhen: { path: 'stopping.on', is: ['weightAlignment'] } }),
})
export type Stopping = z.infer<typeof Stopping>

/** Why a run stopped training: the loss settled, or it reached `steps`. */
export const stopReasons = ['converged', 'step-limit'] as const
export type StopReason = (typeof stopReasons)[number]

/** The Gram-matrix measures of the two-layer theory (engine/theory.ts). */
export const Theory = z.strictObject({
  /** Log λ(G), λ(H), λ(G+H), the drift of G and the one-step check; default: on exactly for synthetic two-layer mse runs. */
  enabled: z.boolean().optional().meta({
    label: 'Theory measures',
    level: 'advanced',
    description: 'eigenvalues of the Gram matrices G and H, their drift and the one-step check; unset: on for synthetic two-layer mse runs',
    shownWhen: { path: 'model.kind', is: ['two-layer'] },
  }),
  /** Largest matrix side nk (samples × outputs); a larger training set is subsampled (seeded). */
  maxSize: positiveInt.max(2000).default(2000).meta({
    label: 'Theory matrix size',
    unit: 'samples × outputs',
    level: 'advanced',
    description: 'at most 2,000; a larger training set is subsampled (seeded)',
    shownWhen: { path: 'model.kind', is: ['two-layer'] },
  }),
})

/** Whether a run logs the theory measures: its `theory.enabled`, else on for synthetic two-layer mse runs. */
export function theoryEnabled(config: Pick<RunConfig, 'theory' | 'data' | 'model' | 'loss'>): boolean {
  return config.theory.enabled ?? (config.data.kind === 'synthetic' && config.model.kind === 'two-layer' && config.loss === 'mse')
}

/** Classes of the bundled image datasets (MNIST digits, Fashion-MNIST articles). */
export const imageClassCount = 10

/** The classes image data trains on (its `classes`, else all 10); null for synthetic data (its outputs are free). */
export function dataClassCount(data: { kind: string; classes?: readonly number[] }): number | null {
  return data.kind === 'synthetic' ? null : (data.classes?.length ?? imageClassCount)
}

export const RunConfig = z
  .strictObject({
    name: NameText.optional().meta({ label: 'Run name', description: 'optional; in a sweep, the start of each run’s generated name' }),
    seed: z.int().default(0).meta({ label: 'Seed', description: 'weights, feedback, data and shuffles derive from it' }),
    data: DataConfig,
    model: ModelConfig,
    rule: z.enum(rules).meta({
      label: 'Learning rule',
      examples: ['fa'],
      optionLabels: { bp: 'backprop', fa: 'feedback alignment', dfa: 'direct feedback alignment', sign: 'sign-symmetry', kp: 'Kolen–Pollack', drtp: 'direct random target projection' },
      optionShortLabels: { bp: 'BP', fa: 'FA', dfa: 'DFA', sign: 'sign-symmetry', kp: 'KP', drtp: 'DRTP' },
    }),
    /**
     * Sign-symmetry only: `unit` feeds back sign(W); `random` uses fixed random magnitudes;
     * `batchwise` redraws the random magnitudes for every batch.
     */
    feedbackMagnitude: z
      .enum(feedbackMagnitudes)
      .default('unit')
      .meta({
        label: 'Sign feedback magnitudes',
        shownWhen: { path: 'rule', is: ['sign'] },
        // BioTorch's names of sign-symmetry with each: legends read them alone (grouping.ts's compactLabel)
        optionShortLabels: { unit: 'uSF', random: 'frSF', batchwise: 'brSF' },
      }),
    loss: z.enum(losses).default('mse').meta({ label: 'Loss' }),
    optimizer: Optimizer,
    regularization: Regularization.prefault({}),
    /** Number of parameter updates (the maximum when `stopping` is set). */
    steps: positiveInt.meta({ label: 'Steps', unit: 'updates', examples: [2000] }),
    stopping: Stopping.optional(),
    /** Measures are logged at step 0, every evalEvery steps, and at the last step. */
    evalEvery: positiveInt.default(100).meta({ label: 'Evaluate every', unit: 'steps' }),
    /** Training samples used for the signal and gradient alignment measures. */
    evalSamples: positiveInt.default(1000).meta({ label: 'Samples for alignment', unit: 'samples', level: 'advanced' }),
    backend: z.enum(backends).default('auto').meta({ label: 'Backend', level: 'advanced', description: 'auto: tensorflow, else blas, else wasm, else cpu' }),
    theory: Theory.prefault({}),
  })
  .superRefine((config, ctx) => {
    const { data, model, loss } = config
    if (config.stopping && config.stopping.minSteps > config.steps) {
      ctx.addIssue({ code: 'custom', path: ['stopping', 'minSteps'], message: `must not exceed steps (${config.steps}), the maximum` })
    }
    if (config.stopping) {
      const field = config.stopping.on === 'loss' ? 'lossTolerance' : 'alignmentTolerance'
      if (config.stopping[field] === undefined) ctx.addIssue({ code: 'custom', path: ['stopping', field], message: `needed to stop on ${config.stopping.on}` })
    }
    if (config.theory.enabled && (model.kind !== 'two-layer' || loss !== 'mse')) {
      ctx.addIssue({
        code: 'custom',
        path: ['theory', 'enabled'],
        message: 'the theory measures are defined for two-layer models with mse only',
      })
    }
    if (loss === 'cross-entropy' && model.outputs < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'outputs'],
        message: 'cross-entropy needs at least 2 outputs (softmax over outputs)',
      })
    }
    if (data.kind === 'synthetic' && loss === 'cross-entropy') {
      ctx.addIssue({
        code: 'custom',
        path: ['loss'],
        message: 'synthetic data is a regression task: use mse',
      })
    }
    if (model.kind === 'conv') {
      if (data.kind === 'synthetic') ctx.addIssue({ code: 'custom', path: ['model', 'kind'], message: 'a convolutional model needs image data (MNIST or Fashion-MNIST): synthetic inputs have no pixels to convolve' })
      const { fault } = featureShapes(model.features)
      if (fault) ctx.addIssue({ code: 'custom', path: ['model', 'features', fault.index, fault.key], message: fault.message })
      if (config.regularization.dropout > 0) ctx.addIssue({ code: 'custom', path: ['regularization', 'dropout'], message: 'dropout is not available for convolutional models: set it to 0' })
    }
    if (data.kind !== 'synthetic') {
      const classes = dataClassCount(data)!
      const ok = model.outputs === classes || (classes === 2 && model.outputs === 1 && loss === 'mse')
      if (!ok) {
        ctx.addIssue({
          code: 'custom',
          path: ['model', 'outputs'],
          message: `must equal the number of classes (${classes})${classes === 2 ? ', or 1 with mse for ±1 targets' : ''}`,
        })
      }
    }
  })

export type RunConfig = z.infer<typeof RunConfig>
export type RunConfigInput = z.input<typeof RunConfig>

/** Faults a ConfigError keeps and prints; the rest are counted. */
export const maxReportedIssues = 20

export class ConfigError extends Error {
  /** The first `maxReportedIssues` faults. */
  readonly issues: { path: string; message: string }[]
  /** Faults found beyond those kept. */
  readonly omitted: number

  constructor(issues: { path: string; message: string }[], what = 'run config') {
    const kept = issues.slice(0, maxReportedIssues)
    const omitted = issues.length - kept.length
    super(`Invalid ${what}:\n` + kept.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n') + (omitted ? `\n  … and ${omitted} more fault${omitted === 1 ? '' : 's'}` : ''))
    this.name = 'ConfigError'
    this.issues = kept
    this.omitted = omitted
  }
}

/** Formats zod issues as `path: message` pairs, the path dotted (`optimizer.learningRate`). */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }))
}

/**
 * Validates and fills defaults; throws ConfigError naming every bad field, a key that reaches an
 * object's prototype, or nesting too deep. `parseBoundedRunConfig` (run-cost.ts) also refuses
 * a run that cannot fit in a training worker.
 */
export function parseRunConfig(input: unknown): RunConfig {
  const unsafe = structureIssues(input)
  if (unsafe.length) throw new ConfigError(unsafe)
  const result = RunConfig.safeParse(input)
  if (!result.success) throw new ConfigError(describeIssues(result.error))
  return result.data
}
