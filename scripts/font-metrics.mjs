// Writes src-shared/font-metrics.ts: advance widths (in em) of the shipped figure fonts, so the
// figure builder lays text out identically in the renderer and headless. Rerun after changing a font:
//   node scripts/font-metrics.mjs
import { writeFileSync } from 'node:fs'
import * as fontkit from 'fontkit'

const fonts = { 'DejaVu Sans': 'resources/fonts/DejaVuSans.ttf', 'DejaVu Serif': 'resources/fonts/DejaVuSerif.ttf' }
const ranges = [[0x20, 0x7e], [0xa0, 0xff], [0x391, 0x3c9], [0x2070, 0x209c], [0x2010, 0x2027], [0x2190, 0x21ff], [0x2200, 0x22ff], [0x00b2, 0x00b9]]
const chars = [...new Set(ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i))))]
const out = {}
for (const [family, path] of Object.entries(fonts)) {
  const font = fontkit.openSync(path)
  const widths = {}
  for (const ch of chars) {
    const glyph = font.glyphForCodePoint(ch.codePointAt(0))
    if (glyph && glyph.id !== 0) widths[ch] = Math.round((glyph.advanceWidth / font.unitsPerEm) * 1000)
  }
  out[family] = { ascent: Math.round((font.ascent / font.unitsPerEm) * 1000), descent: Math.round((-font.descent / font.unitsPerEm) * 1000), chars: Object.keys(widths).join(''), widths: Object.values(widths) }
}
writeFileSync(
  'src-shared/font-metrics.ts',
  `/** Advance widths in thousandths of an em of the figure fonts (resources/fonts), from scripts/font-metrics.mjs. */
export const fontMetrics: Record<string, { ascent: number; descent: number; chars: string; widths: number[] }> = ${JSON.stringify(out)}
`,
)
