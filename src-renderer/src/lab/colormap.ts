/**
 * A diverging colour scale for signed values such as weights: blue for negative, white for zero,
 * red for positive (ColorBrewer's RdBu, reversed), readable by colour-blind viewers.
 */
const stops: [number, [number, number, number]][] = [
  [-1, [5, 48, 97]],
  [-0.75, [33, 102, 172]],
  [-0.5, [67, 147, 195]],
  [-0.25, [146, 197, 222]],
  [0, [247, 247, 247]],
  [0.25, [244, 165, 130]],
  [0.5, [214, 96, 77]],
  [0.75, [178, 24, 43]],
  [1, [103, 0, 31]],
]

/** The colour of `value` on a scale from −bound (dark blue) through 0 (white) to +bound (dark red). */
export function divergingColor(value: number, bound: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, bound > 0 ? value / bound : 0))
  const i = Math.min(stops.length - 2, Math.floor((t + 1) * 4))
  const [t0, c0] = stops[i]
  const [t1, c1] = stops[i + 1]
  const f = (t - t0) / (t1 - t0)
  return [0, 1, 2].map((k) => Math.round(c0[k] + f * (c1[k] - c0[k]))) as [number, number, number]
}

/** One bound for a set of images, so one colour bar reads them all: the largest |value|. */
export function symmetricBound(images: number[][]): number {
  let bound = 0
  for (const image of images) for (const v of image) bound = Math.max(bound, Math.abs(v))
  return bound || 1
}
