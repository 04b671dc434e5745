import { ref, type Ref } from 'vue'
import { toCsv, type SummaryRow } from '../../../src-shared/analysis'
import type { LabApi } from '../../../src-shared/contract'
import type { FigureData } from '../../../src-shared/figure'
import { figureFileName, type FigureFormat, type FigureSpec } from '../../../src-shared/figure-spec'

/** Hands a finished file to the user: `download` in the app, a collector in tests. */
export type SaveFile = (name: string, data: BlobPart, mimeType: string) => void

/** Saves a file from bytes in the browser (a download); Electron shows its save dialog for it. */
export function download(name: string, data: BlobPart, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([data], { type: mimeType }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** The bytes of a base64 string (main sends rendered figures as base64 over IPC and HTTP). */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0))
}

export interface FigureExportSources {
  spec: FigureSpec
  /** The comparison's name as typed (files are named after it and the panels); else the spec's. */
  name?: Ref<string>
  /** The plotted numbers of the figure on screen, null before it has data. */
  data: Ref<FigureData | null>
  summary: Ref<SummaryRow[]>
}

/**
 * Exports of the comparison on screen: the figure rendered by main (SVG, PNG, PDF at
 * `pixelRatio`), its plotted numbers (CSV, JSON) and the summary table (CSV). `status` says what
 * happened last, for the view to show.
 */
export function useFigureExport(lab: LabApi, sources: FigureExportSources, options: { status?: Ref<string>; save?: SaveFile } = {}) {
  const status = options.status ?? ref('')
  const save = options.save ?? download
  const pixelRatio = ref(3)
  const { spec } = sources
  /** A plain copy of the spec (no reactive proxies) under the comparison's name. */
  const named = (): FigureSpec => ({ ...(JSON.parse(JSON.stringify(spec)) as FigureSpec), name: sources.name?.value.trim() || spec.name })

  async function exportFigure(format: FigureFormat): Promise<void> {
    status.value = `rendering ${format.toUpperCase()}…`
    try {
      const plain = named()
      const result = await lab.renderFigure({ spec: plain, format, pixelRatio: pixelRatio.value })
      save(figureFileName(plain, format), base64ToBytes(result.base64), result.mimeType)
      status.value = `exported ${format.toUpperCase()}`
    } catch (e) {
      status.value = (e as Error).message
    }
  }

  function exportData(format: 'csv' | 'json'): void {
    const data = sources.data.value
    if (!data) return
    const { header, rows } = data
    const plain = named()
    if (format === 'csv') save(figureFileName(plain, 'csv'), toCsv(header, rows), 'text/csv')
    else save(figureFileName(plain, 'json'), JSON.stringify({ spec: plain, columns: header, rows }, null, 1), 'application/json')
  }

  function exportSummary(): void {
    const rows = sources.summary.value.map((r) => [r.label, r.runIds.join(' '), r.final, r.best, r.min, r.max])
    const plain = named()
    save(figureFileName({ ...plain, measures: [plain.measures[0], 'summary'] }, 'csv'), toCsv(['group', 'runs', 'final', 'best', 'min', 'max'], rows), 'text/csv')
  }

  return { status, pixelRatio, exportFigure, exportData, exportSummary }
}
