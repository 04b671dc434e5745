/**
 * How large a figure is drawn on screen. A figure is laid out in points (1/72 in) for print; the
 * screen shows it scaled to the pane, but never past twice its printed size: a single-column
 * figure (3.25 in) stretched to a 900 px pane was 3.85× its size, so its 8 pt legend filled the
 * first screen and its plot started below it. At most twice its size it keeps its aspect and its
 * proportions, and a researcher sees roughly what the page will hold.
 */

/** CSS pixels per point at a figure's printed size (96 CSS px to the inch). */
export const pixelsPerPoint = 96 / 72

/** The largest magnification of a figure on screen, as a multiple of its printed size. */
export const maxPrintMagnification = 2

/** Screen pixels per figure point: fits `available` (and `maxWidth`) and at most twice print size; not below 0.25. */
export function figureScreenScale(widthPoints: number, available: number, maxWidth = Infinity): number {
  const fit = Math.min(available, maxWidth) / widthPoints
  return Math.max(0.25, Math.min(fit, maxPrintMagnification * pixelsPerPoint))
}

/** The figure's size in inches and its on-screen magnification against print, for the line under it (`3.25 × 3.24 in, shown at 2× print size`). */
export function figureScaleNote(widthPoints: number, heightPoints: number, scale: number): string {
  const inches = (points: number) => Number((points / 72).toFixed(2)).toString()
  const times = scale / pixelsPerPoint
  const shown = Math.abs(times - 1) < 0.005 ? 'shown at print size' : `shown at ${Number(times.toFixed(2))}× print size`
  return `${inches(widthPoints)} × ${inches(heightPoints)} in, ${shown}`
}
