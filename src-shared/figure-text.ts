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

const opening = '([{'
const closing = ')]}'

/**
 * The text's pieces that a line may break between: words, except that a bracketed expression
 * (`cos(e b, e β)`, `(mean ± SD)`) is one piece with its spaces, so it is never split over lines.
 */
export function breakUnits(text: string): string[] {
  const units: string[] = []
  let unit = ''
  let depth = 0
  for (const ch of text) {
    if (opening.includes(ch)) depth++
    else if (closing.includes(ch)) depth = Math.max(0, depth - 1)
    if (ch === ' ' && depth === 0) {
      units.push(unit)
      unit = ''
    } else unit += ch
  }
  units.push(unit)
  return units
}

/** Whether a line opens a bracket it does not close, or closes one it did not open: a wrapped line that split an expression. */
export function splitsBrackets(line: string): boolean {
  let depth = 0
  for (const ch of line) {
    if (opening.includes(ch)) depth++
    else if (closing.includes(ch) && --depth < 0) return true
  }
  return depth !== 0
}

function greedy(units: string[], maxWidth: number, size: number, family: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of units) {
    const next = line ? `${line} ${word}` : word
    if (line && textWidth(next, size, family) > maxWidth) {
      lines.push(line)
      line = word
    } else line = next
  }
  if (line || lines.length === 0) lines.push(line)
  return lines
}

/** Greedy wrap at spaces outside brackets only: a bracketed expression stays whole even where it is wider than the width. */
export function wrapWhole(text: string, maxWidth: number, size: number, family: string): string[] {
  return greedy(breakUnits(text), maxWidth, size, family)
}

/**
 * Greedy wrap to a width at spaces outside brackets, so a formula stays on one line; a bracketed
 * expression wider than the width alone is broken at its own spaces (rather than run off the
 * figure), and a single word longer than the width stays whole. Titles that must not split
 * (the y axes') are chosen so that their pieces fit (figure.ts yTitleLines).
 */
export function wrap(text: string, maxWidth: number, size: number, family: string): string[] {
  const units = breakUnits(text).flatMap((unit) => (unit.includes(' ') && textWidth(unit, size, family) > maxWidth ? unit.split(' ') : [unit]))
  return greedy(units, maxWidth, size, family)
}

/** The part of zrender's LRU cache class that nullPrototypeCaches touches. */
interface LruClass {
  prototype: { get(key: string | number): unknown; put(key: string | number, value: unknown): unknown; clear(): void }
}

/**
 * Makes zrender's LRU caches key a prototype-free object. ECharts measures every text it draws
 * through such a cache keyed by the text itself, in a plain `{}`: a run, title or axis named
 * `__proto__` then looks up Object.prototype as a cache entry and the cache's linked list writes
 * `prev` and `next` onto it, which breaks every strict schema in the process (`runs:list` answered
 * 400 until restart). Each process that draws with ECharts calls this once with the class
 * (`zrender/lib/core/LRU.js`), before any chart is drawn; a second call does nothing.
 */
export function nullPrototypeCaches(lru: LruClass): void {
  const proto = lru.prototype as LruClass['prototype'] & { [guarded]?: true }
  if (proto[guarded]) return
  proto[guarded] = true
  type Cache = { _map: object }
  const bare = (cache: Cache) => {
    if (Object.getPrototypeOf(cache._map) !== null) cache._map = Object.assign(Object.create(null) as object, cache._map)
  }
  const { get, put, clear } = proto
  proto.get = function (this: Cache, key) {
    bare(this)
    return get.call(this, key)
  }
  proto.put = function (this: Cache, key, value) {
    bare(this)
    return put.call(this, key, value)
  }
  proto.clear = function (this: Cache) {
    clear.call(this)
    this._map = Object.create(null) as object
  }
}
const guarded = Symbol('fa-lab null-prototype caches')
