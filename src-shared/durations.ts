/**
 * How the lab writes a duration and a fraction done, for people: the preset cards' and the form's
 * estimates, a run's duration in the runs table and on its page, the experiments' time left and
 * the CLI's progress lines all read these two, so they agree everywhere. Pure: no node or DOM.
 */

/** A duration in words: `0.4 s`, `3 s`, `42 s`, `3 min`, `1 h 5 min`, `3 days`; under a second to a tenth. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever'
  if (seconds >= 86400 * 365) return `${(seconds / (86400 * 365)).toExponential(1)} years`
  if (seconds >= 86400) {
    const days = Math.round(seconds / 86400)
    return `${days} day${days === 1 ? '' : 's'}`
  }
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`
  if (seconds >= 60) return `${Math.round(seconds / 60)} min`
  if (seconds < 0.95) return `${Math.max(0, seconds).toFixed(1)} s`
  return `${Math.round(seconds)} s`
}

/** `value` of `max` as a fraction in [0, 1] (0 when max is not positive): every progress bar's fill. */
export function progressFraction(value: number, max: number): number {
  return max > 0 && Number.isFinite(value) ? Math.min(1, Math.max(0, value / max)) : 0
}
