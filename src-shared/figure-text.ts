/**
 * Text measurement in the figure font: widths from the bundled DejaVu metrics (font-metrics.ts),
 * so the builder lays text out the same in the page, headless in main and in every export, and
 * greedy word wrap to a width.
 */
import { fontMetrics } from './font-metrics'

const widthTables = new Map<string, Map<string, number>>()
function widthTable(family: string): Map<string, number> {
  let table = widthTables.get(family)
  if (!table) {
    const m = fontMetrics[family] ?? fontMetrics['DejaVu Sans']
    table = new Map([...m.chars].map((ch, i) => [ch, m.widths[i] / 1000]))
    widthTables.set(family, table)
  }
  return table
}

/** Width of one line of text in the figure font, in the units of `size`. */
export function textWidth(text: string, size: number, family = 'DejaVu Sans'): number {
  const table = widthTable(family)
  let em = 0
  for (const ch of text) em += table.get(ch) ?? 0.7
  return em * size
}

/** The font's family name out of a CSS font shorthand such as `normal 10.667px "DejaVu Serif"`. */
function familyOf(font: string): string {
  return /DejaVu Serif/.test(font) ? 'DejaVu Serif' : 'DejaVu Sans'
}

/** measureText for ECharts' platform API where there is no canvas (headless): the same metrics the layout uses. */
export function measureFigureText(text: string, font?: string): { width: number } {
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12)
  return { width: Math.max(...String(text ?? '').split('\n').map((line) => textWidth(line, size, familyOf(font ?? '')))) }
}

/** Greedy word wrap to a width; a single word longer than the width stays whole. */
export function wrap(text: string, maxWidth: number, size: number, family: string): string[] {
  const words = text.split(' ')
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    const next = line ? `${line} ${word}` : word
    if (line && textWidth(next, size, family) > maxWidth) {
      lines.push(line)
      line = word
    } else line = next
  }
  if (line || lines.length === 0) lines.push(line)
  return lines
}
