/**
 * `v-typed-value="x"`: an input shows x, and is rewritten only when x itself changes.
 *
 * Vue's `:value` writes the bound value back on every render of the component whenever the box
 * holds something else, and a box committed on `change` holds the user's uncommitted typing: a
 * render in between (a validation answer arriving, a live chart's update) erased what was being
 * typed, and the change then committed the old text (a variant's name was lost this way on a busy
 * machine). Bound with this directive, a render that does not change x leaves the box alone.
 */
import type { Directive } from 'vue'

type Box = HTMLInputElement | HTMLTextAreaElement

const shown = (value: unknown) => (value === null || value === undefined ? '' : String(value))

export const vTypedValue: Directive<Box, unknown> = {
  mounted(el, { value }) {
    el.value = shown(value)
  },
  updated(el, { value, oldValue }) {
    if (shown(value) !== shown(oldValue)) el.value = shown(value)
  },
  // rendered on a server (the tests render components so), the box carries its value as an attribute
  getSSRProps: ({ value }) => ({ value: shown(value) }),
}
