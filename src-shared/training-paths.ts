/**
 * How a run's training steps computed their products: the one list of training paths, each with
 * what it means. src-main/engine/step-paths.ts defines the MLP paths (dense, kernel, sparse) and
 * engine/conv-blas.ts the conv one (im2col); the engine records the path a run took next to its
 * backend, and the run page, the runs table, the CLI and their help read this list.
 */

export const trainingPaths = {
  dense: 'the first layer’s products as dense matrix products (an MLP on tf ops, or the fused blas step)',
  kernel: 'the fused blas step in the samples’ space: full batch with fewer samples than inputs',
  sparse: 'the fused blas step with sparse first-layer products: inputs mostly one value, as normalised digits',
  conv: 'a conv model on tf ops: tf.conv2d and its transposes (the reference path)',
  im2col: 'a conv model’s fused blas step: convolutions as im2col + sgemm, the update fused into the product',
} as const

export type TrainingPath = keyof typeof trainingPaths
export const trainingPathNames = Object.keys(trainingPaths) as TrainingPath[]

/** `blas · kernel`: a run's backend and its steps' path, or the backend alone for runs stored before the path was recorded. */
export function backendWithPath(backend: string, trainingPath: string | null): string {
  return trainingPath ? `${backend} · ${trainingPath}` : backend
}

/** What a recorded path means, for a tooltip; empty for none or a name this version does not know. */
export function trainingPathDescription(trainingPath: string | null): string {
  return trainingPath && Object.hasOwn(trainingPaths, trainingPath) ? `training path: ${trainingPath}, ${trainingPaths[trainingPath as TrainingPath]}` : ''
}
