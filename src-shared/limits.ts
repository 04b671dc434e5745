/**
 * The sizes of what users hand the lab, checked before any work is done on it: names, texts,
 * files, lists, requests, figures and imported lab files. Both processes read these (the form
 * limits what it sends, main refuses what is larger); src-main/lib/limits.ts re-exports them beside
 * the machine's own limits (workers, memory), so every bound is read in one place. Each bound is
 * one entry of `sizeLimits`, with what it bounds: the README's table of sizes is generated from it
 * (`npm run docs`). Pure: no node imports.
 */

/** One bound: its value, the unit it counts in, and what it bounds (a README table cell). */
export interface SizeLimit {
  readonly value: number
  readonly unit: string
  readonly what: string
}

export const sizeLimits = {
  maxNameLength: { value: 200, unit: 'characters', what: 'a run, experiment, variant or comparison name (UTF-16 code units)' },
  maxTemplateLength: { value: 300, unit: 'characters', what: 'a name template' },
  maxDescriptionLength: { value: 10_000, unit: 'characters', what: 'an experiment description' },
  maxNoteLength: { value: 100_000, unit: 'characters', what: 'a run note' },
  maxTagLength: { value: 100, unit: 'characters', what: 'a tag' },
  maxTags: { value: 50, unit: 'tags', what: 'the tags of one run' },
  maxConfigFileBytes: { value: 1024 * 1024, unit: 'bytes', what: 'a config or experiment file the CLI reads (regular files only; a sweep of 10,000 runs fits in far less)' },
  maxRequestBytes: { value: 10 * 1024 * 1024, unit: 'bytes', what: 'a request body the browser-mode server reads' },
  maxInputValues: {
    value: 200_000,
    unit: 'values',
    what: 'array items and object fields, counted through every level, of one config, experiment or request (an experiment at the run limit lists about 10,000 axis values)',
  },
  maxRequestRunIds: { value: 10_000, unit: 'run ids', what: 'the runs one request names (delete, restore, a figure of a choice of runs): every run of the largest experiment the lab runs' },
  maxSeriesRequestRuns: { value: 500, unit: 'runs', what: 'the runs one metrics:series request reads' },
  maxSeriesPoints: { value: 20_000, unit: 'points', what: 'one page of one series in a metrics:series reply (a longer series is read page by page, or thinned to this many points)' },
  maxSeriesReplyPoints: { value: 2_000_000, unit: 'points', what: 'all the series of one metrics:series reply' },
  maxStoredConfigBytes: { value: 64 * 1024, unit: 'bytes', what: 'a stored config an import reads (a resolved run config is a few kilobytes)' },
  maxFigurePixels: { value: 100_000_000, unit: 'pixels', what: 'a rendered figure, after the pixel ratio (400 MB of RGBA; 3.25 in × 2.4 in at 600 dpi is 2.8 megapixels)' },
  minPixelRatio: { value: 0.5, unit: 'device pixels per CSS pixel', what: 'a PNG’s pixel ratio (48 dpi)' },
  maxPixelRatio: { value: 8, unit: 'device pixels per CSS pixel', what: 'a PNG’s pixel ratio (768 dpi)' },
  minFigureFontPt: { value: 4, unit: 'points', what: 'a figure’s font size' },
  maxFigureFontPt: { value: 24, unit: 'points', what: 'a figure’s font size' },
  maxFigureRuns: { value: 20_000, unit: 'runs', what: 'the runs one figure draws: two of the largest experiments the lab runs (two 5,600-run song2021-width sweeps side by side); a choice of more opens on the first of them, and the figure says so' },
  maxRunRangesLength: { value: 100_000, unit: 'characters', what: 'a choice of runs as ranges of ids (`1-2460,2502`) in a link or a request: 10,000 scattered five-digit ids fit' },
  maxFigureTextLength: { value: 1_000, unit: 'characters', what: 'a figure’s title, axis title, legend title, panel title or legend entry' },
  maxFigureLabels: { value: 10_000, unit: 'labels', what: 'the panel titles, legend entries, y titles or zoomed panels one figure lists' },
  maxFigurePoints: { value: 100_000, unit: 'points', what: 'one line of a figure (its curve is downsampled to this many)' },
} as const satisfies Record<string, SizeLimit>

/** Each bound's value by its name. */
function valuesOf<T extends Record<string, SizeLimit>>(limits: T): { [K in keyof T]: number } {
  return Object.fromEntries(Object.entries(limits).map(([name, limit]) => [name, limit.value])) as { [K in keyof T]: number }
}

export const {
  maxNameLength,
  maxTemplateLength,
  maxDescriptionLength,
  maxNoteLength,
  maxTagLength,
  maxTags,
  maxConfigFileBytes,
  maxRequestBytes,
  maxInputValues,
  maxRequestRunIds,
  maxSeriesRequestRuns,
  maxSeriesPoints,
  maxSeriesReplyPoints,
  maxStoredConfigBytes,
  maxFigurePixels,
  minPixelRatio,
  maxPixelRatio,
  minFigureFontPt,
  maxFigureFontPt,
  maxFigureRuns,
  maxRunRangesLength,
  maxFigureTextLength,
  maxFigureLabels,
  maxFigurePoints,
} = valuesOf(sizeLimits)
