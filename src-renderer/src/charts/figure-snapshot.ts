/**
 * What an ECharts instance actually drew, read back from its model and its scene: the series'
 * points, each axis's range and ticks, and every text with its box. Used to check that the screen
 * and the exports of a figure agree, and that no text overlaps another or the plot.
 */
import type { ECharts } from 'echarts'

export interface TextBox {
  text: string
  x: number
  y: number
  width: number
  height: number
}

export interface FigureSnapshot {
  series: { id: string; type: string; name: string; data: number[][] }[]
  axes: { dim: 'x' | 'y'; index: number; min: number; max: number; ticks: number[] }[]
  /** Plot areas (grids) in canvas units. */
  grids: { x: number; y: number; width: number; height: number }[]
  texts: TextBox[]
}

interface AxisModel {
  axis: { scale: { getExtent(): [number, number]; getTicks(): { value: number }[] }; dim: 'x' | 'y'; getTickModel(): { get(key: 'customValues'): number[] | undefined } }
  componentIndex: number
  coordinateSystem?: unknown
}
interface ZrText {
  type?: string
  style?: { text?: string }
  ignore?: boolean
  invisible?: boolean
  isGroup?: boolean
  getBoundingRect(): { x: number; y: number; width: number; height: number; applyTransform(m: number[]): void; clone(): { x: number; y: number; width: number; height: number; applyTransform(m: number[]): void } }
  getComputedTransform(): number[] | null
}

const round = (v: number) => Math.round(v * 1000) / 1000

/** Reads a chart's drawn state; works for the canvas renderer in the page and the SSR SVG renderer headless. */
export function figureSnapshot(chart: ECharts): FigureSnapshot {
  const internal = chart as unknown as {
    getModel(): { getComponent(type: string, index: number): AxisModel | undefined; eachComponent(type: string, cb: (m: AxisModel & { coordinateSystem?: { getRect(): { x: number; y: number; width: number; height: number } } }) => void): void }
    getZr(): { storage: { getDisplayList(update?: boolean): ZrText[] } }
  }
  const option = chart.getOption() as { series?: { id?: string; type?: string; name?: string; data?: unknown[] }[] }
  const series = (option.series ?? []).map((s) => ({ id: String(s.id ?? ''), type: String(s.type), name: String(s.name ?? ''), data: (s.data ?? []).map((d) => (Array.isArray(d) ? d.map(Number) : [Number(d)])) }))
  const axes: FigureSnapshot['axes'] = []
  const model = internal.getModel()
  for (const type of ['xAxis', 'yAxis'] as const) {
    model.eachComponent(type, (m) => {
      const [min, max] = m.axis.scale.getExtent()
      // the ticks drawn: the figure's own (customValues) where it gives them
      axes.push({ dim: type === 'xAxis' ? 'x' : 'y', index: m.componentIndex, min: round(min), max: round(max), ticks: (m.axis.getTickModel().get('customValues') ?? m.axis.scale.getTicks().map((t) => t.value)).filter((v) => v >= min && v <= max).map(round) })
    })
  }
  const grids: FigureSnapshot['grids'] = []
  model.eachComponent('grid', (g) => {
    const r = g.coordinateSystem!.getRect()
    grids.push({ x: round(r.x), y: round(r.y), width: round(r.width), height: round(r.height) })
  })
  const texts: TextBox[] = []
  for (const el of internal.getZr().storage.getDisplayList(true)) {
    const text = el.style?.text
    if ((el.type !== 'tspan' && el.type !== 'text') || typeof text !== 'string' || text.trim() === '' || el.ignore || el.invisible) continue
    const rect = el.getBoundingRect().clone()
    const m = el.getComputedTransform()
    if (m) rect.applyTransform(m)
    texts.push({ text, x: round(rect.x), y: round(rect.y), width: round(rect.width), height: round(rect.height) })
  }
  texts.sort((a, b) => a.text.localeCompare(b.text) || a.x - b.x || a.y - b.y)
  return { series, axes, grids, texts }
}
