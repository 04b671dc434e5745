/**
 * What counts as text in a name, and how text leaves the lab safely: control characters (C0, DEL,
 * C1) and the bidirectional overrides and isolates are refused in names, replaced by visible escapes
 * on a terminal, and CSV cells that a spreadsheet would run as a formula are defused. Pure: no node,
 * electron or DOM imports.
 */
import { z } from 'zod'
import { maxDescriptionLength, maxNameLength, maxNoteLength, maxTagLength } from './limits'

/**
 * C0 controls (NUL…US), DEL, C1 controls (U+0080…U+009F), the bidi embeddings and overrides
 * (U+202A…U+202E), the bidi isolates (U+2066…U+2069), the directional marks (U+200E, U+200F,
 * U+061C) and the line and paragraph separators (U+2028, U+2029). In a name, each can hide or
 * reorder what a reader sees, or drive the terminal it is printed on.
 */
const unsafeCharacter = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const unsafeCharacters = new RegExp(unsafeCharacter.source, 'g')
/** The same, except tab and newline, which multi-line text (descriptions, notes) may hold. */
const unsafeInProse = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** How a character is named in a message: `U+001B`. */
export function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Why `text` cannot be a name (it holds a control or bidi character, named by its code point), or null. */
export function nameTextFault(text: string): string | null {
  const found = unsafeCharacter.exec(text)
  return found ? `a name cannot hold control or text-direction characters (found ${codePoint(found[0])} at position ${found.index + 1})` : null
}

/** Why `text` cannot be a description or note (as nameTextFault, tabs and line breaks allowed), or null. */
export function proseTextFault(text: string): string | null {
  const found = unsafeInProse.exec(text)
  return found ? `text cannot hold control or text-direction characters (found ${codePoint(found[0])} at position ${found.index + 1})` : null
}

/** `text` with every control and bidi character removed (generated names: a template filled with values). */
export function stripUnsafeCharacters(text: string): string {
  return text.replace(unsafeCharacters, '')
}

/**
 * Text as it may be written to a terminal: every control and bidi character except the line
 * break and tab shown as a visible escape (`\x1b`, `\u202e`), so stored text can neither move the
 * cursor, set the window title nor reorder the line it is printed on.
 */
export function terminalText(text: string): string {
  return text.replace(unsafeCharacters, (c) => {
    if (c === '\n' || c === '\t') return c
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * A CSV cell's text defused for spreadsheets (OWASP's rule for CSV injection): a cell starting
 * with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote, so it is
 * read as text and never run as a formula. Numbers are written as numbers and need none.
 */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

/** A stored name's text: at most maxNameLength characters, none of them a control or bidi character. */
export const NameText = z
  .string()
  .max(maxNameLength, `a name has at most ${maxNameLength} characters`)
  .superRefine((text, ctx) => {
    const fault = nameTextFault(text)
    if (fault) ctx.addIssue({ code: 'custom', message: fault })
  })

/** Multi-line text (a description, a note) of at most `maxLength` characters, without control or bidi characters other than tab and line break. */
export function proseText(maxLength: number, what: string) {
  return z
    .string()
    .max(maxLength, `${what} has at most ${maxLength.toLocaleString('en-US')} characters`)
    .superRefine((text, ctx) => {
      const fault = proseTextFault(text)
      if (fault) ctx.addIssue({ code: 'custom', message: fault })
    })
}

/** An experiment's description. */
export const DescriptionText = proseText(maxDescriptionLength, 'a description')

/** A run's note. */
export const NoteText = proseText(maxNoteLength, 'a note')

/** One tag of a run: a short name. */
export const TagText = z
  .string()
  .max(maxTagLength, `a tag has at most ${maxTagLength} characters`)
  .superRefine((text, ctx) => {
    const fault = nameTextFault(text)
    if (fault) ctx.addIssue({ code: 'custom', message: fault.replace('a name', 'a tag') })
  })
