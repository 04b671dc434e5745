/**
 * A figure's settings (FigureSpec): what it plots, how it groups and smooths, its size, font and
 * labels, its ranges and zooms. Stored with saved comparisons, sent by the renderer and the CLI,
 * validated in main; the builder (figure.ts) reads it and nothing else.
 */
import { z } from 'zod'
import { Band, XAxis } from './analysis'
import { maxFigureFontPt, maxFigureLabels, maxFigurePixels, maxFigurePoints, maxFigureTextLength, maxPixelRatio, minFigureFontPt, minPixelRatio } from './limits'
import { FigureRunIds } from './run-ranges'

/**
 * The value a record from user text (labels, zooms) holds for `key` as its own property: keys are
 * user text, and `__proto__` or `constructor` must not read (or write through) Object.prototype.
 */
export function ownEntry<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

/** A copy of a record from user text with no prototype, so any key can be set on it. */
export function bareRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record)
}

/** A bound within ±10³⁰⁰, so that a range and its tick steps stay finite floats. */
const Bound = z.number().min(-1e300).max(1e300).nullable().default(null)
export const AxisRange = z.strictObject({ min: Bound, max: Bound })
export type AxisRange = z.infer<typeof AxisRange>

export const sizeUnits = ['in', 'cm', 'px'] as const
export const fontFamilies = ['DejaVu Sans', 'DejaVu Serif'] as const
/** Column widths of two-column journals (inches). */
export const sizePresets = { single: { width: 3.25, height: 2.4, unit: 'in' }, double: { width: 6.75, height: 2.8, unit: 'in' } } as const

/** Figure text (titles, labels, names of fields): bounded, so a label cannot be megabytes. */
const Text = z.string().max(maxFigureTextLength)
/** Labels keyed by panel, measure or line. */
const LabelRecord = z.record(Text, Text).refine((r) => Object.keys(r).length <= maxFigureLabels, { message: `at most ${maxFigureLabels.toLocaleString('en-US')} entries` })

export const FigureLabels = z.strictObject({
  /** x axis title, replacing the default (`step`). */
  x: Text.optional(),
  /** y axis title per measure. */
  y: LabelRecord.default({}),
  /** Panel title per panel key (`measure` or `measure|value of the split field`). */
  panels: LabelRecord.default({}),
  legendTitle: Text.default(''),
  /** Legend entry per line key (`run 3`, or the grouping values as JSON). */
  entries: LabelRecord.default({}),
})

export const FigureSpecObject = z.strictObject({
  kind: z.enum(['curves', 'sweep']).default('curves'),
  /** The comparison's name: file names of exports start with it. */
  name: Text.default(''),
  title: Text.default(''),
  /** The runs, as a list or as ranges text (`1-2460`, src-shared/run-ranges.ts); a list once parsed. */
  runIds: FigureRunIds,
  /** One panel per measure (small multiples)… */
  measures: z.array(Text.min(1)).min(1).max(12),
  /** …or, with a field here, one panel per value of it for each measure. */
  splitBy: Text.nullable().default(null),
  xAxis: XAxis.default('step'),
  /** Empty: one line per run. Otherwise one line per value of these fields, mean over the rest. */
  groupBy: z.array(Text.min(1)).max(64).default([]),
  band: Band.default('sd'),
  /** EMA factor β in [0, 1); 0 is off. */
  smoothing: z.number().min(0).lt(1).default(0),
  logX: z.boolean().default(false),
  logY: z.boolean().default(false),
  maxPoints: z.int().min(10).max(maxFigurePoints).default(2000),
  /** For `sweep`: the numeric config field on x and the statistic of the measure. */
  sweepField: Text.default('model.hidden'),
  statistic: z.union([z.enum(['final', 'best']), z.strictObject({ atStep: z.int().min(0) })]).default('final'),
  /** Panels per row; 0 chooses (all in one row up to three). */
  columns: z.int().min(0).max(6).default(0),
  sharedX: z.boolean().default(true),
  sharedY: z.boolean().default(false),
  /** Cosine measures on [−1, 1] instead of fitted to the data. */
  pinCosine: z.boolean().default(false),
  /** Manual ranges of every panel (and the ranges a zoom on shared axes sets). */
  xRange: AxisRange.prefault({}),
  yRange: AxisRange.prefault({}),
  /** Ranges of single panels (by panel key) from a zoom on axes that are not shared; they win over xRange and yRange. */
  zoom: z
    .record(Text, z.strictObject({ x: AxisRange.prefault({}), y: AxisRange.prefault({}) }))
    .refine((r) => Object.keys(r).length <= maxFigureLabels, { message: `at most ${maxFigureLabels.toLocaleString('en-US')} zoomed panels` })
    .default({}),
  size: z
    .strictObject({ width: z.number().positive(), height: z.number().positive(), unit: z.enum(sizeUnits) })
    .check((ctx) => {
      const fault = figurePixelsFault({ size: ctx.value }, 1)
      if (fault) ctx.issues.push({ code: 'custom', message: fault, input: ctx.value })
    })
    .prefault(sizePresets.single),
  fontFamily: z.enum(fontFamilies).default('DejaVu Sans'),
  /** Font size in points (1/72 in). */
  fontSize: z.number().min(minFigureFontPt).max(maxFigureFontPt).default(8),
  labels: FigureLabels.prefault({}),
  /**
   * A preset whose published numbers (resources/references/NAME.json) are drawn over the figure:
   * each cell the runs fall in, as a hollow marker with ±2 SE bars, the reference's citation in the
   * legend. Main attaches the points to the comparison (Comparison.references).
   */
  reference: z.string().regex(/^[\w.-]+$/, 'a preset name (letters, digits, ., _ and -)').max(100).optional(),
})

/** Specs saved before panels and physical sizes (`measure`, `width`/`height` in px) still open. */
function upgradeSpec(input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input
  const { measure, width, height, ...rest } = input as Record<string, unknown>
  const out: Record<string, unknown> = { ...rest }
  if (measure !== undefined && out.measures === undefined) out.measures = [measure]
  if ((width !== undefined || height !== undefined) && out.size === undefined) out.size = { width: width ?? 800, height: height ?? 500, unit: 'px' }
  return out
}

export const FigureSpec = z.preprocess(upgradeSpec, FigureSpecObject)
export type FigureSpec = z.infer<typeof FigureSpecObject>
export type FigureSpecInput = z.input<typeof FigureSpecObject>

/** The file formats a figure renders to. */
export const FigureFormat = z.enum(['svg', 'png', 'pdf'])
export type FigureFormat = z.infer<typeof FigureFormat>

const round6 = (v: number) => Math.round(v * 1e6) / 1e6

/** Points per unit: figures are laid out in points; px are CSS pixels (96 per inch). */
export const pointsPer = { in: 72, cm: 72 / 2.54, px: 0.75 } as const

/** The figure's size in points. Below 1 in the layout cannot keep text apart, so it is refused. */
/** A PNG's size in device pixels at `pixelRatio` (96 CSS px per inch). */
export function figurePixels(spec: Pick<FigureSpec, 'size'>, pixelRatio: number): { width: number; height: number } {
  const { width, height } = figureSizePt(spec)
  return { width: Math.round((width / pointsPer.px) * pixelRatio), height: Math.round((height / pointsPer.px) * pixelRatio) }
}

/**
 * Why a figure of this size cannot be rendered at `pixelRatio`, or null: the ratio out of
 * [minPixelRatio, maxPixelRatio] (or not a number), or more than maxFigurePixels pixels. Checked
 * before any work: a 1e6 in square once asked for 147 petabytes.
 */
export function figurePixelsFault(spec: Pick<FigureSpec, 'size'>, pixelRatio: number): string | null {
  if (!(pixelRatio >= minPixelRatio && pixelRatio <= maxPixelRatio)) return `pixel ratio ${pixelRatio}: expected a number from ${minPixelRatio} to ${maxPixelRatio}`
  const { width, height } = figurePixels(spec, pixelRatio)
  if (!(width * height <= maxFigurePixels)) {
    const { size } = spec
    return `${size.width}${size.unit} × ${size.height}${size.unit} at pixel ratio ${pixelRatio} is ${width.toLocaleString('en-US')} × ${height.toLocaleString('en-US')} px, more than the limit of ${(maxFigurePixels / 1e6).toLocaleString('en-US')} megapixels`
  }
  return null
}

export function figureSizePt(spec: Pick<FigureSpec, 'size'>): { width: number; height: number } {
  const k = pointsPer[spec.size.unit]
  return { width: round6(Math.max(72, spec.size.width * k)), height: round6(Math.max(72, spec.size.height * k)) }
}

export const bandNames = { none: '', sd: 'mean ±\u00a0SD', se: 'mean ±\u00a0SE', ci95: 'mean, 95%\u00a0CI' } as const
export const xAxisTitles: Record<XAxis, string> = { step: 'step', epoch: 'epoch', samples: 'samples seen', wallTime: 'wall time (s)' }

/** A panel's manual ranges: its own zoom where set, else the figure's manual range. */
export function manualRanges(spec: Pick<FigureSpec, 'xRange' | 'yRange' | 'zoom'>, panelKey: string): { xRange: AxisRange; yRange: AxisRange } {
  const own = ownEntry(spec.zoom, panelKey)
  const pick = (a: AxisRange | undefined, b: AxisRange) => ({ min: a?.min ?? b.min, max: a?.max ?? b.max })
  return { xRange: pick(own?.x, spec.xRange), yRange: pick(own?.y, spec.yRange) }
}

/**
 * The spec after a zoom of panel `panelKey` to x ∈ [x0, x1] and/or y ∈ [y0, y1] (null leaves
 * that axis alone): a shared axis takes the range in every panel (the manual range), an unshared
 * one only in that panel. The screen and every export then draw the same range.
 */
export function zoomedSpec(spec: FigureSpec, panelKey: string, x: [number, number] | null, y: [number, number] | null): FigureSpec {
  const next: FigureSpec = JSON.parse(JSON.stringify(spec))
  // bounds to about a thousandth of the range: short in the URL, finer than a pixel
  const range = (r: [number, number]) => {
    const [lo, hi] = [Math.min(...r), Math.max(...r)]
    const span = hi - lo || Math.abs(hi) || 1
    const round = (v: number) => (v === 0 ? 0 : Number(v.toPrecision(Math.min(12, Math.max(3, Math.ceil(Math.log10(Math.abs(v) / span)) + 4)))))
    return { min: round(lo), max: round(hi) }
  }
  next.zoom = bareRecord(next.zoom)
  const own = (next.zoom[panelKey] ??= { x: { min: null, max: null }, y: { min: null, max: null } })
  if (x) {
    if (spec.sharedX) next.xRange = range(x)
    else own.x = range(x)
  }
  if (y) {
    if (spec.sharedY) next.yRange = range(y)
    else own.y = range(y)
  }
  if (own.x.min === null && own.x.max === null && own.y.min === null && own.y.max === null) delete next.zoom[panelKey]
  return next
}

/** Whether a zoom or a manual range is set anywhere. */
export function isZoomed(spec: Pick<FigureSpec, 'xRange' | 'yRange' | 'zoom'>): boolean {
  return [spec.xRange, spec.yRange].some((r) => r.min !== null || r.max !== null) || Object.keys(spec.zoom).length > 0
}

/** File name of an export: the comparison's name and the panels, safe on every file system. */
export function figureFileName(spec: Pick<FigureSpec, 'name' | 'measures' | 'splitBy' | 'kind'>, extension: string): string {
  const parts = [spec.name || 'figure', ...spec.measures, ...(spec.splitBy ? [`by-${spec.splitBy.split('.').at(-1)}`] : []), ...(spec.kind === 'sweep' ? ['sweep'] : [])]
  const base = parts
    .join('-')
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
  return `${base.slice(0, 120) || 'figure'}.${extension}`
}
