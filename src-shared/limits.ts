/**
 * The sizes of what users hand the lab, checked before any work is done on it: names, texts,
 * files, lists and imported lab files. Both processes read these (the form limits what it sends,
 * main refuses what is larger); src-main/lib/limits.ts re-exports them beside the machine's own
 * limits (workers, memory), so every bound is read in one place. Pure: no node imports.
 */

/** The longest run or experiment name, in characters (UTF-16 code units). */
export const maxNameLength = 200
/** The longest name template. */
export const maxTemplateLength = 300
/** The longest experiment description. */
export const maxDescriptionLength = 10_000
/** The longest run note. */
export const maxNoteLength = 100_000
/** The longest tag, and the most tags a run may carry. */
export const maxTagLength = 100
export const maxTags = 50

/** The largest config or experiment file the CLI reads (a sweep of 10,000 runs fits in far less). */
export const maxConfigFileBytes = 1024 * 1024
/** The largest request body the browser-mode server reads. */
export const maxRequestBytes = 10 * 1024 * 1024

/**
 * The most values (array items and object fields, counted through every level) one config,
 * experiment or request may hold. An experiment at the run limit lists about 10,000 axis values;
 * this refuses a request of millions before anything walks or copies it.
 */
export const maxInputValues = 200_000

/**
 * The most points of one series a `metrics:series` reply holds; longer series are thinned to this
 * many (first and last kept). Across the reply at most `maxSeriesReplyPoints` points are sent.
 */
export const maxSeriesPoints = 20_000
export const maxSeriesReplyPoints = 2_000_000

/** The longest stored config text an import reads (a resolved run config is a few kilobytes). */
export const maxStoredConfigBytes = 64 * 1024

/**
 * The most pixels a rendered figure may have, after the pixel ratio: 100 megapixels (400 MB of
 * RGBA). A 3.25 in × 2.4 in figure at 600 dpi is 2.8 megapixels.
 */
export const maxFigurePixels = 100_000_000
/** PNG device pixels per CSS pixel (96 per inch): 0.5 is 48 dpi, 8 is 768 dpi. */
export const minPixelRatio = 0.5
export const maxPixelRatio = 8
/** Figure font size in points. */
export const minFigureFontPt = 4
export const maxFigureFontPt = 24
/** The most runs one figure may name: every run of the largest experiment the lab runs (10,000). */
export const maxFigureRuns = 10_000
/** The longest title, axis title, legend title, panel title or legend entry of a figure. */
export const maxFigureTextLength = 1_000
/** The most panel titles, legend entries, y titles or zoomed panels a figure may list. */
export const maxFigureLabels = 10_000
/** The most points one line of a figure keeps (its curve is downsampled to this many). */
export const maxFigurePoints = 100_000
