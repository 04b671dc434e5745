/**
 * Figures without a window: the shared figure builder rendered by ECharts' server-side SVG
 * renderer, rasterised to PNG by resvg and laid into a PDF by PDFKit with the figure font
 * embedded, plus the figure's data as CSV and JSON. One canvas unit is one point.
 */
import { Resvg } from '@resvg/resvg-js'
import * as echarts from 'echarts'
import { join } from 'node:path'
import PDFDocument from 'pdfkit'
import SVGtoPDF from 'svg-to-pdfkit'
import LRU from 'zrender/lib/core/LRU.js'
import { summarize, toCsv, type RunSeries } from '../../src-shared/analysis'
import { compareSeries, comparisonFields, figureResolution, type Comparison } from '../../src-shared/comparison'
import { LabError, type ComparisonReply, type NaturalFigure } from '../../src-shared/contract'
import { ExperimentConfig } from '../../src-shared/experiment'
import { drawFigure, type BuiltFigure } from '../../src-shared/figure'
import { figureSizePt, FigureSpec, figurePixelsFault, fontFamilies, pointsPer, type FigureFormat, type FigureSpecInput } from '../../src-shared/figure-spec'
import { measureFigureText, nullPrototypeCaches } from '../../src-shared/figure-text'
import { differingPaths } from '../../src-shared/grouping'
import { terminalText } from '../../src-shared/text'
import { isMeasure } from '../../src-shared/measures'
import { maxFigureRuns } from '../../src-shared/limits'
import { inRanges, parseRunRanges, rangesCount } from '../../src-shared/run-ranges'
import { resourcesDir } from '../lib/paths'
import type { Store } from '../store/store'
import { presetFigureOfExperiment } from './presets'
import { figureReferences } from './reproduction'

export type { FigureFormat }

// No canvas here: ECharts measures text with the metrics the builder lays out with.
echarts.setPlatformAPI({ measureText: measureFigureText as never })
// figure text is user text: `__proto__` must not reach Object.prototype through ECharts' text caches
nullPrototypeCaches(LRU)

/** The figure fonts shipped in resources/fonts (Debian's fonts-dejavu-core). */
export const fontFiles: Record<(typeof fontFamilies)[number], string> = {
  'DejaVu Sans': join(resourcesDir(), 'fonts', 'DejaVuSans.ttf'),
  'DejaVu Serif': join(resourcesDir(), 'fonts', 'DejaVuSerif.ttf'),
}

/** The spec's runs the lab has (deleted ones left out), in the spec's order, read in one query. */
function specRuns(store: Store, runIds: number[]) {
  const byId = new Map(store.listRuns({ ids: runIds }).map((r) => [r.id, r]))
  return runIds.flatMap((id) => byId.get(id) ?? [])
}

/**
 * The series of every measure of the spec for its runs, with their configs; runs the lab no longer
 * has are left out. A measure that is neither registered nor logged by any of the runs is refused,
 * named with the measures the runs did log (a registered one not logged yet, as in a starting
 * experiment, is an empty curve).
 */
export function loadFigureSeries(store: Store, spec: FigureSpec, runs = specRuns(store, spec.runIds)): Record<string, RunSeries[]> {
  if (runs.length === 0) throw new Error(`none of the ${spec.runIds.length.toLocaleString('en-US')} runs of this figure is in ${store.path}`)
  const series = Object.fromEntries(
    spec.measures.map((measure) => [
      measure,
      runs.map((run) => {
        const s = store.metricSeries(run.id, measure)
        return { runId: run.id, config: run.config, ...(run.renamed && run.name ? { name: run.name } : {}), steps: Array.from(s.steps), values: Array.from(s.values), wallTimesMs: Array.from(s.wallTimesMs) }
      }),
    ]),
  )
  const unknown = spec.measures.find((measure) => !isMeasure(measure) && series[measure].every((s) => s.steps.length === 0))
  if (unknown !== undefined) {
    const logged = [...new Set(runs.flatMap((run) => store.metricNames(run.id)))].sort()
    const which = runs.length === 1 ? 'its one run did not log it' : `none of the ${runs.length.toLocaleString('en-US')} runs logged it`
    const known = logged.length ? `the runs logged: ${logged.slice(0, 40).join(', ')}${logged.length > 40 ? ', …' : ''}` : 'the runs have logged no measure yet'
    throw new LabError(`figure: measure '${terminalText(unknown)}' is not one the lab knows, and ${which}; ${known}`)
  }
  return series
}

/**
 * The one data path of every figure: the spec's runs read from the store, grouped, reduced to
 * group statistics and downsampled to the figure's resolution (compareSeries). The screen asks
 * for this (compareRuns); exports and `fa-lab figure` draw it here.
 */
export function figureComparison(store: Store, spec: FigureSpec, runs = specRuns(store, spec.runIds)): { comparison: Comparison; series: Record<string, RunSeries[]> } {
  const series = loadFigureSeries(store, spec, runs)
  const comparison = compareSeries(spec, series, figureResolution(spec, figureSizePt(spec).width))
  const references = figureReferences(spec, comparison, runs)
  return { comparison: references ? { ...comparison, references } : comparison, series }
}

/**
 * What the comparison screen needs from main for a spec: the comparison itself, the measures the
 * runs logged and the config fields that differ among them (its pickers), and the summary table of
 * its first measure per group (`summary: 'groups'`, where the spec groups) or per run.
 */
export function compareRuns(store: Store, input: FigureSpecInput, summary: 'groups' | 'runs' = 'groups'): ComparisonReply {
  const spec = FigureSpec.parse(input)
  const runs = specRuns(store, spec.runIds)
  const { comparison, series } = figureComparison(store, spec, runs)
  const measures = [...new Set(runs.flatMap((r) => store.metricNames(r.id)))].sort()
  const first = spec.measures[0]
  return {
    comparison,
    measures,
    fields: comparisonFields(runs.map((r) => r.config)),
    summary: summarize(series[first] ?? [], first, summary === 'groups' && spec.groupBy.length ? spec.groupBy : null),
  }
}

/** Renders a built figure with ECharts' SSR SVG renderer; `chart` is handed to `inspect` before disposal. */
export function renderSvg(figure: BuiltFigure, spec: FigureSpec, inspect?: (chart: echarts.ECharts) => void): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: figure.width, height: figure.height })
  try {
    chart.setOption(figure.option)
    inspect?.(chart)
    const svg = chart.renderToSVGString()
    // physical size on the root, the point canvas as its view box
    const size = (v: number) => (spec.size.unit === 'px' ? `${round(v)}` : `${round(v)}${spec.size.unit}`)
    // the height the builder gave it: taller than asked where the plots needed the room (BuiltFigure.notes says so)
    const height = figure.height > figureSizePt(spec).height + 1e-6 ? figure.height / pointsPer[spec.size.unit] : spec.size.height
    return svg.replace(/^<svg([^>]*?) width="[^"]*" height="[^"]*"/, `<svg$1 width="${size(spec.size.width)}" height="${size(height)}"`)
  } finally {
    chart.dispose()
  }
}

const round = (v: number) => Number(v.toFixed(3))

export function figureSvg(spec: FigureSpec, comparison: Comparison): { svg: string; figure: BuiltFigure } {
  const figure = drawFigure(spec, comparison)
  return { svg: renderSvg(figure, spec), figure }
}

/** PNG at `pixelRatio` device pixels per CSS pixel (96 per inch): 3.25 in at ratio 3 is 936 px wide. */
export function svgToPng(svg: string, widthPt: number, pixelRatio: number): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round((widthPt / pointsPer.px) * pixelRatio) },
    font: { loadSystemFonts: false, fontFiles: Object.values(fontFiles), defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  })
  return withDpi(resvg.render().asPng(), 96 * pixelRatio)
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
/** CRC-32 as PNG chunks carry it (ISO 3309, over the chunk's type and data). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/**
 * The PNG with its resolution in a pHYs chunk (pixels per metre), right after IHDR, so that a
 * 936 px wide figure at pixel ratio 3 (288 dpi) reads as 3.25 in rather than 13 in at 72 dpi.
 */
export function withDpi(png: Buffer, dpi: number): Buffer {
  const perMetre = Math.round(dpi / 0.0254)
  const chunk = Buffer.alloc(21)
  chunk.writeUInt32BE(9, 0)
  chunk.write('pHYs', 4, 'latin1')
  chunk.writeUInt32BE(perMetre, 8)
  chunk.writeUInt32BE(perMetre, 12)
  chunk.writeUInt8(1, 16) // unit: the metre
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 17)), 17)
  // signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC)
  const afterHeader = 8 + 25
  return Buffer.concat([png.subarray(0, afterHeader), chunk, png.subarray(afterHeader)])
}

/** A one-page PDF of the figure's size in points, its font embedded (as a subset). */
export function svgToPdf(svg: string, widthPt: number, heightPt: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: [widthPt, heightPt], margin: 0, info: { Title: 'FA Lab figure', Producer: 'FA Lab' } })
    for (const [family, file] of Object.entries(fontFiles)) doc.registerFont(family, file)
    const chunks: Buffer[] = []
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
    SVGtoPDF(doc, svg, 0, 0, {
      width: widthPt,
      height: heightPt,
      preserveAspectRatio: 'none',
      fontCallback: (family: string) => (/Serif/.test(family) ? 'DejaVu Serif' : 'DejaVu Sans'),
    })
    doc.end()
  })
}

export interface RenderedFigure {
  bytes: Buffer
  mimeType: string
  csv: string
  json: string
  figure: BuiltFigure
}

/** Renders a figure spec over the store's runs in one format, with its data. */
export async function renderFigure(store: Store, input: FigureSpecInput, format: FigureFormat, pixelRatio = 2): Promise<RenderedFigure> {
  const spec = FigureSpec.parse(input)
  // the bounds before any work: SVG and PDF are vectors, but the spec's size was checked at ratio 1
  const fault = figurePixelsFault(spec, format === 'png' ? pixelRatio : 1)
  if (fault) throw new LabError(`figure: ${fault}`)
  const { svg, figure } = figureSvg(spec, figureComparison(store, spec).comparison)
  const csv = toCsv(figure.data.header, figure.data.rows)
  const json = JSON.stringify({ spec, columns: figure.data.header, rows: figure.data.rows }, null, 1)
  if (format === 'svg') return { bytes: Buffer.from(svg, 'utf8'), mimeType: 'image/svg+xml', csv, json, figure }
  if (format === 'png') return { bytes: svgToPng(svg, figure.width, pixelRatio), mimeType: 'image/png', csv, json, figure }
  return { bytes: await svgToPdf(svg, figure.width, figure.height), mimeType: 'application/pdf', csv, json, figure }
}

/** Past this many runs a figure opens on groups rather than one line per run. */
export const perRunLineLimit = 20

/** The measure a new comparison opens on: alignment where there is one. */
function defaultMeasure(measures: string[]): string {
  return ['signalAlignment', 'weightAlignment', 'testAccuracy', 'trainLoss'].find((m) => measures.includes(m)) ?? measures[0] ?? 'trainLoss'
}

/** The fields an experiment sweeps, as its definition declares them (grid, variants' grids and settings, the first linked field). */
function sweptFields(definition: unknown): string[] {
  const parsed = ExperimentConfig.safeParse(definition)
  if (!parsed.success) return []
  const { grid, variants, zip } = parsed.data
  return [...new Set([...Object.keys(grid), ...variants.flatMap((v) => [...Object.keys(v.set), ...Object.keys(v.grid)]), ...Object.keys(zip).slice(0, 1)])]
}

/** The runs a natural-figure request names that the lab has: an experiment's, a list's, or those in ranges of ids (filtered from the lab's runs, never expanded). */
function naturalRuns(store: Store, request: NaturalRequest) {
  if ('experimentId' in request) return store.listRuns({ experimentId: request.experimentId })
  if ('runIds' in request) return specRuns(store, request.runIds)
  const parsed = parseRunRanges(request.runs)
  if ('fault' in parsed) throw new LabError(`runs: ${parsed.fault}`)
  const { ranges } = parsed
  // a few ids are read by id; a wide range is matched against the lab's runs rather than listed
  if (rangesCount(ranges) <= maxFigureRuns) return specRuns(store, [...new Set(ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)))])
  return store.listRuns({}).filter((r) => inRanges(ranges, r.id))
}

type NaturalRequest = { experimentId: number } | { runIds: number[] } | { runs: string }

/**
 * The figure an experiment or a choice of runs opens on. A preset's experiment: the preset's own
 * figure (song2021-width's Fig. 2, song2021-mnist's Fig. 3). Otherwise curves of the default
 * measure grouped by the swept fields (the experiment's declared axes, or for a choice of runs the
 * fields that differ among them), the seed left out, so each line is a mean with an SD band over
 * seeds; a choice of at most perRunLineLimit runs draws one line per run instead. More runs than a
 * figure draws (`limit`, maxFigureRuns): the first of them, and `runsAsked` says how many there were.
 */
export async function naturalFigure(store: Store, request: NaturalRequest, limit = maxFigureRuns): Promise<NaturalFigure> {
  const experimentId = 'experimentId' in request ? request.experimentId : null
  const experiment = experimentId === null ? null : store.getExperiment(experimentId)
  if (experimentId !== null && !experiment) throw new Error(`no experiment with id ${experimentId} in ${store.path}`)
  const asked = naturalRuns(store, request)
  if (asked.length === 0) throw new Error(experiment ? `experiment ${experiment.id} (${experiment.name}) has no runs` : `none of these runs is in ${store.path}`)
  const runs = asked.slice(0, limit)
  const runIds = runs.map((r) => r.id)
  const answer = (spec: unknown): NaturalFigure => ({ spec: FigureSpec.parse(spec), runsAsked: asked.length })
  if (experimentId !== null) {
    const completed = runs.filter((r) => r.status === 'completed').map((r) => r.id)
    const preset = await presetFigureOfExperiment(store, experimentId, completed.length ? completed : runIds)
    if (preset) return answer(preset)
  }
  const differing = new Set(differingPaths(runs.map((r) => r.config)))
  const declared = experiment ? sweptFields(experiment.definition).filter((p) => differing.has(p)) : [...differing]
  const swept = declared.filter((p) => p !== 'seed' && p !== 'name')
  const perRun = experiment === null && runs.length <= perRunLineLimit
  // only seeds differ: one line of all the runs (every run has a rule) once there are too many for a line each
  const groupBy = perRun ? [] : swept.length ? swept : runs.length > perRunLineLimit ? ['rule'] : []
  const measures = new Set<string>()
  for (const run of runs) for (const name of store.metricNames(run.id)) measures.add(name)
  return answer({ name: experiment?.name ?? '', runIds, measures: [defaultMeasure([...measures].sort())], groupBy, band: 'sd' })
}
