/**
 * Figures without a window: the shared figure builder rendered by ECharts' server-side SVG
 * renderer, rasterised to PNG by resvg and laid into a PDF by PDFKit, plus the figure's data as
 * CSV and JSON.
 */
import { Resvg } from '@resvg/resvg-js'
import * as echarts from 'echarts'
import PDFDocument from 'pdfkit'
import SVGtoPDF from 'svg-to-pdfkit'
import { toCsv, type RunSeries } from '../../src-shared/analysis'
import { buildFigure, FigureSpec, type FigureData, type FigureFormat, type FigureSpecInput } from '../../src-shared/figure'
import type { Store } from '../store/store'

export type { FigureFormat }

/** The series of `spec.measure` for its runs, with their configs. */
export function loadFigureSeries(store: Store, spec: FigureSpec): RunSeries[] {
  return spec.runIds.map((runId) => {
    const run = store.getRun(runId)
    if (!run) throw new Error(`no run with id ${runId} in ${store.path}`)
    const s = store.metricSeries(runId, spec.measure)
    return { runId, config: run.config, steps: Array.from(s.steps), values: Array.from(s.values), wallTimesMs: Array.from(s.wallTimesMs) }
  })
}

export function figureSvg(spec: FigureSpec, series: RunSeries[]): { svg: string; data: FigureData } {
  const { option, data } = buildFigure(spec, series)
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: spec.width, height: spec.height })
  try {
    chart.setOption(option)
    return { svg: chart.renderToSVGString(), data }
  } finally {
    chart.dispose()
  }
}

export function svgToPng(svg: string, width: number, pixelRatio: number): Buffer {
  const resvg = new Resvg(svg, { fitTo: { mode: 'width', value: Math.round(width * pixelRatio) }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' })
  return resvg.render().asPng()
}

export function svgToPdf(svg: string, width: number, height: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: [width, height], margin: 0, info: { Title: 'FA Lab figure', Producer: 'FA Lab' } })
    const chunks: Buffer[] = []
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
    SVGtoPDF(doc, svg, 0, 0, { width, height, assumePt: true })
    doc.end()
  })
}

export interface RenderedFigure {
  bytes: Buffer
  mimeType: string
  csv: string
  json: string
}

/** Renders a figure spec over the store's runs in one format, with its data. */
export async function renderFigure(store: Store, input: FigureSpecInput, format: FigureFormat, pixelRatio = 2): Promise<RenderedFigure> {
  const spec = FigureSpec.parse(input)
  const { svg, data } = figureSvg(spec, loadFigureSeries(store, spec))
  const csv = toCsv(data.header, data.rows)
  const json = JSON.stringify({ spec, columns: data.header, rows: data.rows }, null, 1)
  if (format === 'svg') return { bytes: Buffer.from(svg, 'utf8'), mimeType: 'image/svg+xml', csv, json }
  if (format === 'png') return { bytes: svgToPng(svg, spec.width, pixelRatio), mimeType: 'image/png', csv, json }
  return { bytes: await svgToPdf(svg, spec.width, spec.height), mimeType: 'application/pdf', csv, json }
}
