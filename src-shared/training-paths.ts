/**
 * How a run's training steps computed the first layer's products (src-main/engine/step-paths.ts
 * defines the paths): shown next to the backend wherever the backend is shown.
 */

/** `blas · kernel`: a run's backend and its steps' path, or the backend alone for runs stored before the path was recorded. */
export function backendWithPath(backend: string, trainingPath: string | null): string {
  return trainingPath ? `${backend} · ${trainingPath}` : backend
}
