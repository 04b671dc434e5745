/**
 * The optimiser: turns a rule's updates into parameter changes. Plain gradient steps with
 * optional momentum, weight decay on every layer and an extra L2 penalty λ on the output layer
 * (the regulariser of Song, Xu & Lafferty 2021):
 *
 *   g_l = ΔW_l + (weightDecay + [l = L] λ) W_l,   v_l ← μ v_l + g_l,   W_l ← W_l − η v_l
 *
 * Feedback matrices a rule learns (Kolen–Pollack's B_l) take the step of the layer they stand
 * for, W_{l+1}: the same ΔW_{l+1}, the same decay, their own momentum buffer, so that
 * B_l − W_{l+1} only decays.
 *
 * The settings in force are read per step through `settingsAt`, where schedules (of λ, η, …) plug in.
 */
import { outputL2At, type RunConfig } from '../../src-shared/config'
import { tf } from './tf'

export interface OptimizerSettings {
  learningRate: number
  momentum: number
  weightDecay: number
  /** λ_t: L2 penalty on the output layer's weights, on top of weightDecay (a schedule's value at the step). */
  outputL2: number
}

/** The weight decay in force on layer l (0-based) of L: weightDecay, plus λ on the output layer. */
export function layerDecay(settings: OptimizerSettings, l: number, L: number): number {
  return settings.weightDecay + (l === L - 1 ? settings.outputL2 : 0)
}

/** What the optimiser trains: each layer's weights (any shape: dense matrices, conv kernels) and bias. */
export interface TrainedLayers {
  layers: readonly { W: tf.Variable; b: tf.Variable | null }[]
}

/** A rule's estimate of ∂L/∂W_l and ∂L/∂b_l per layer, shaped as the layer's W and b. */
export interface LayerUpdates {
  dW: readonly tf.Tensor[]
  db: readonly (tf.Tensor | null)[]
}

export interface Optimizer {
  /** The settings used for the update that makes step `step` (counted from 0). */
  settingsAt(step: number): OptimizerSettings
  /** Momentum buffers shaped like each layer's W and b; null without momentum. */
  velocity: { W: tf.Variable; b: tf.Variable | null }[] | null
  /** Applies one update in place; call inside tf.tidy. */
  apply(updates: LayerUpdates, step: number): void
  /** Every buffer the optimiser carries from step to step (momentum of W, b and learned B): a checkpoint saves them. */
  stateVariables: tf.Variable[]
  dispose(): void
}

/**
 * The optimiser for a run's network; allocates momentum buffers only when momentum is used.
 * `learnedFeedback[l]`, when given, is trained alongside W_{l+1} (l a 0-based hidden layer).
 */
export function createOptimizer(net: TrainedLayers, config: Pick<RunConfig, 'optimizer' | 'regularization'>, learnedFeedback: tf.Variable[] = []): Optimizer {
  const settings: OptimizerSettings = {
    learningRate: config.optimizer.learningRate,
    momentum: config.optimizer.momentum,
    weightDecay: config.regularization.weightDecay,
    outputL2: 0,
  }
  const schedule = config.regularization.outputL2
  const L = net.layers.length
  const velocity =
    settings.momentum > 0
      ? net.layers.map((layer) => ({
          W: tf.tidy(() => tf.variable(tf.zerosLike(layer.W))),
          b: layer.b ? tf.tidy(() => tf.variable(tf.zerosLike(layer.b!))) : null,
        }))
      : null
  const feedbackVelocity = settings.momentum > 0 ? learnedFeedback.map((B) => tf.tidy(() => tf.variable(tf.zerosLike(B)))) : null

  const settingsAt = (step: number): OptimizerSettings => ({ ...settings, outputL2: outputL2At(schedule, step) })

  function apply(updates: LayerUpdates, step: number): void {
    const settings = settingsAt(step)
    const { learningRate, momentum } = settings
    for (let l = 0; l < L; l++) {
      const layer = net.layers[l]
      const decay = layerDecay(settings, l, L)
      let g: tf.Tensor = decay > 0 ? tf.add(updates.dW[l], tf.mul(layer.W, decay)) : updates.dW[l]
      let gb: tf.Tensor | null = updates.db[l]
      if (velocity) {
        const v = velocity[l]
        v.W.assign(tf.add(tf.mul(v.W, momentum), g))
        g = v.W
        if (v.b && gb) {
          v.b.assign(tf.add(tf.mul(v.b, momentum), gb))
          gb = v.b
        }
      }
      layer.W.assign(tf.sub(layer.W, tf.mul(g, learningRate)))
      if (layer.b && gb) layer.b.assign(tf.sub(layer.b, tf.mul(gb, learningRate)))
    }
    learnedFeedback.forEach((B, hidden) => {
      const l = hidden + 1
      const decay = layerDecay(settings, l, L)
      let g: tf.Tensor = decay > 0 ? tf.add(updates.dW[l], tf.mul(B, decay)) : updates.dW[l]
      if (feedbackVelocity) {
        const v = feedbackVelocity[hidden]
        v.assign(tf.add(tf.mul(v, momentum), g))
        g = v
      }
      B.assign(tf.sub(B, tf.mul(g, learningRate)))
    })
  }

  return {
    settingsAt,
    velocity,
    apply,
    stateVariables: [...(velocity ?? []).flatMap((v) => (v.b ? [v.W, v.b] : [v.W])), ...(feedbackVelocity ?? [])],
    dispose() {
      velocity?.forEach((v) => {
        v.W.dispose()
        v.b?.dispose()
      })
      feedbackVelocity?.forEach((v) => v.dispose())
    },
  }
}
