/**
 * JSON text as the bytes browser mode sends: ASCII, each UTF-16 unit above 0x7f written as a
 * `\uXXXX` escape (outside strings JSON is ASCII already, so every such unit is inside a string,
 * where the escape means the same character). A response with one λ in it was otherwise a UTF-8
 * body that Chromium decodes into a two-byte string and parses as one, the whole of it: for the
 * runs list of a 10,000-run sweep, whose names read "λ=0.1", that decoding was a large part of
 * the first paint (measured in the README's runs-table section).
 */
const hexDigits = Buffer.from('0123456789abcdef', 'latin1')

export function asciiJson(text: string): Buffer {
  let wide = 0
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) wide++
  if (wide === 0) return Buffer.from(text, 'latin1')
  const out = Buffer.allocUnsafe(text.length + 5 * wide)
  let at = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit <= 0x7f) {
      out[at++] = unit
      continue
    }
    out[at++] = 0x5c // \
    out[at++] = 0x75 // u
    out[at++] = hexDigits[unit >> 12]
    out[at++] = hexDigits[(unit >> 8) & 15]
    out[at++] = hexDigits[(unit >> 4) & 15]
    out[at++] = hexDigits[unit & 15]
  }
  return out
}
