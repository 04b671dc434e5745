/**
 * The shapes of a convolutional model, worked out once from its config: the feature map after each
 * convolution and pooling stage, the flattened width the dense layers start from, and the weight
 * layers with their sizes. The schema's validation, the memory estimate, the engine and the run
 * page all read these. Pure: no node, electron or DOM imports.
 *
 * Conventions (those of TensorFlow.js, so the engine's tensors read the same): feature maps are
 * [height, width, channels] (NHWC with the batch), kernels [kernel, kernel, channelsIn, channelsOut],
 * a convolution pads `padding` zeros on every side and moves by `stride`; a pooling window of
 * `size` moves by `stride` (its size when unset) without padding. Windows that do not fit at the
 * bottom or right edge are dropped, as in PyTorch and TensorFlow's `valid` padding.
 */

/** A convolution: `channels` output feature maps from `kernel`×`kernel` windows. */
export interface ConvStage {
  kind: 'conv'
  channels: number
  kernel: number
  stride: number
  padding: number
}

/** Max or average pooling over `size`×`size` windows, moved by `stride` (its size when unset). */
export interface PoolStage {
  kind: 'maxPool' | 'avgPool'
  size: number
  stride?: number
}

export type FeatureStage = ConvStage | PoolStage

/** [height, width, channels] */
export type MapShape = [number, number, number]

/** The input of the image datasets: 28×28 pixels, one channel. */
export const imageInputShape: MapShape = [28, 28, 1]

/** Output side of a window of `window` moved by `stride` over `side` (after `padding` on each side). */
export function outputSide(side: number, window: number, stride: number, padding = 0): number {
  return Math.floor((side + 2 * padding - window) / stride) + 1
}

export interface StageShape {
  stage: FeatureStage
  input: MapShape
  output: MapShape
}

/** A fault of a stage: its index in the feature list, the key at fault and what is wrong. */
export interface StageFault {
  index: number
  key: 'kind' | 'kernel' | 'size' | 'padding'
  message: string
}

/**
 * Each stage's input and output map, or the first stage whose window does not fit its input
 * (a kernel larger than the padded input, padding of a kernel's size or more, which would make
 * windows of padding only).
 */
export function featureShapes(stages: readonly FeatureStage[], input: MapShape = imageInputShape): { shapes: StageShape[]; fault: StageFault | null } {
  const shapes: StageShape[] = []
  let map = input
  for (const [index, stage] of stages.entries()) {
    const [h, w, c] = map
    if (index === 0 && stage.kind !== 'conv') return { shapes, fault: { index, key: 'kind', message: 'the first stage must be a convolution (pooling pools a layer’s output)' } }
    if (stage.kind === 'conv') {
      if (stage.padding >= stage.kernel) return { shapes, fault: { index, key: 'padding', message: `padding ${stage.padding} must be less than the kernel (${stage.kernel}): a window of padding alone sees no input` } }
      if (stage.kernel > Math.min(h, w) + 2 * stage.padding) {
        return { shapes, fault: { index, key: 'kernel', message: `a ${stage.kernel}×${stage.kernel} kernel does not fit the ${h}×${w} map it receives${stage.padding ? ` (padded by ${stage.padding})` : ''}: make it smaller, pad more, or pool less before it` } }
      }
      const output: MapShape = [outputSide(h, stage.kernel, stage.stride, stage.padding), outputSide(w, stage.kernel, stage.stride, stage.padding), stage.channels]
      shapes.push({ stage, input: map, output })
      map = output
    } else {
      const stride = stage.stride ?? stage.size
      if (stage.size > Math.min(h, w)) {
        return { shapes, fault: { index, key: 'size', message: `a ${stage.size}×${stage.size} pooling window does not fit the ${h}×${w} map it receives` } }
      }
      const output: MapShape = [outputSide(h, stage.size, stride), outputSide(w, stage.size, stride), c]
      shapes.push({ stage, input: map, output })
      map = output
    }
  }
  return { shapes, fault: null }
}

/** One weight layer of a conv model: a convolution's kernel or a dense matrix. */
export interface WeightLayerShape {
  kind: 'conv' | 'dense'
  /** The weight tensor's shape: [k, k, in, out] or [fanIn, fanOut]. */
  shape: number[]
  /** Inputs each output unit sums over (k·k·in for a convolution). */
  fanIn: number
  /** Outputs each input feeds (k·k·out for a convolution, as PyTorch counts it). */
  fanOut: number
  /** The map (or vector, [1, 1, width]) the layer outputs, before any pooling that follows. */
  output: MapShape
  /** The input map (or vector) of the layer. */
  input: MapShape
  /** Pooling stages applied after this layer's activation, before the next weight layer. */
  pools: PoolStage[]
  /** The map the next layer reads: the output after those pooling stages. */
  pooled: MapShape
}

/** A conv model's layers as the engine builds them; throws on a stage that does not fit (the schema refuses those first). */
export function convLayerShapes(model: { features: readonly FeatureStage[]; hidden: readonly number[]; outputs: number }, input: MapShape = imageInputShape): { layers: WeightLayerShape[]; flatWidth: number } {
  const { shapes, fault } = featureShapes(model.features, input)
  if (fault) throw new Error(`model.features.${fault.index}.${fault.key}: ${fault.message}`)
  const layers: WeightLayerShape[] = []
  for (const { stage, input: map, output } of shapes) {
    if (stage.kind === 'conv') {
      const k = stage.kernel
      layers.push({ kind: 'conv', shape: [k, k, map[2], stage.channels], fanIn: k * k * map[2], fanOut: k * k * stage.channels, input: map, output, pools: [], pooled: output })
    } else {
      const layer = layers.at(-1)!
      layer.pools.push(stage)
      layer.pooled = output
    }
  }
  const last = shapes.at(-1)?.output ?? input
  const flatWidth = last[0] * last[1] * last[2]
  const widths = [flatWidth, ...model.hidden, model.outputs]
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push({ kind: 'dense', shape: [widths[i], widths[i + 1]], fanIn: widths[i], fanOut: widths[i + 1], input: [1, 1, widths[i]], output: [1, 1, widths[i + 1]], pools: [], pooled: [1, 1, widths[i + 1]] })
  }
  return { layers, flatWidth }
}

/** Rows a conv model's evaluation passes through the network at once (its maps are large per sample). */
export const convEvaluationRows = 500

/** Size of a map or shape: the product of its sides. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

/**
 * LeNet-5 as BioTorch trains it on MNIST (its LeNetMNIST): 5×5 convolutions to 6, 16 and 120 maps
 * with 2×2 max pooling after the first two, then dense layers of 84 and 10. BioTorch resizes the
 * 28×28 digits to 32×32; here the first convolution pads by 2 instead (LeCun et al. 1998's own
 * framing), which gives the same map sizes: 28, 14, 10, 5, 1.
 */
export const lenet5Features: FeatureStage[] = [
  { kind: 'conv', channels: 6, kernel: 5, stride: 1, padding: 2 },
  { kind: 'maxPool', size: 2 },
  { kind: 'conv', channels: 16, kernel: 5, stride: 1, padding: 0 },
  { kind: 'maxPool', size: 2 },
  { kind: 'conv', channels: 120, kernel: 5, stride: 1, padding: 0 },
]
/** LeNet-5's dense hidden layer after the convolutions. */
export const lenet5Hidden = [84]
