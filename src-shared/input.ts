/**
 * Checks on untrusted structured input (config and experiment files, IPC and HTTP arguments,
 * imported lab files) made before any schema or copy walks it: keys that could reach an object's
 * prototype are refused by name, and nesting is bounded so no recursive walk can overflow the stack.
 * Pure: no node, electron or DOM imports.
 */
import { maxInputValues } from './limits'

/** Keys and path segments refused anywhere: through them a write can reach Object.prototype. */
export const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** Deepest nesting accepted; a run config is 3 levels deep, an experiment 5. */
export const maxNestingDepth = 32

export { maxInputValues }

export interface InputIssue {
  path: string
  message: string
}

export const forbiddenKeyMessage = (key: string) => `the key '${key}' is not allowed (it names an object's prototype machinery, not a config field)`

/**
 * Faults of a JSON-like value's shape, walked without recursion: forbidden keys (each named with
 * its path), nesting deeper than `maxNestingDepth`, and more than `maxInputValues` values in all
 * (the walk stops there, so its cost is bounded whatever it is given). Paths are spelled only for
 * the faults found: a list of millions of numbers costs one pass and no strings. At most `limit`
 * faults are returned.
 */
export function structureIssues(value: unknown, limit = 100): InputIssue[] {
  const issues: InputIssue[] = []
  interface Node {
    value: object
    key: string | number | null
    parent: Node | null
    depth: number
  }
  const pathOf = (node: Node | null, key?: string | number): string => {
    const keys: (string | number)[] = key === undefined ? [] : [key]
    for (let n = node; n && n.key !== null; n = n.parent) keys.unshift(n.key)
    return keys.join('.')
  }
  if (value === null || typeof value !== 'object') return issues
  const stack: Node[] = [{ value, key: null, parent: null, depth: 0 }]
  let values = 0
  while (stack.length && issues.length < limit) {
    const node = stack.pop()!
    if (node.depth >= maxNestingDepth) {
      issues.push({ path: pathOf(node), message: `nested more than ${maxNestingDepth} levels deep` })
      continue
    }
    const children: [string | number, unknown][] = Array.isArray(node.value) ? [] : Object.keys(node.value).map((k) => [k, (node.value as Record<string, unknown>)[k]])
    values += Array.isArray(node.value) ? node.value.length : children.length
    if (values > maxInputValues) {
      issues.push({ path: pathOf(node), message: `holds more than ${maxInputValues.toLocaleString('en-US')} values in all, far more than any config or experiment needs` })
      break
    }
    if (Array.isArray(node.value)) {
      for (let i = node.value.length - 1; i >= 0; i--) {
        const item: unknown = node.value[i]
        if (item !== null && typeof item === 'object') stack.push({ value: item, key: i, parent: node, depth: node.depth + 1 })
      }
      continue
    }
    for (const [key, child] of children) {
      if (forbiddenKeys.has(key as string)) issues.push({ path: pathOf(node, key), message: forbiddenKeyMessage(key as string) })
      else if (child !== null && typeof child === 'object') stack.push({ value: child, key, parent: node, depth: node.depth + 1 })
    }
  }
  return issues
}

/**
 * JSON.parse into null-prototype objects, a leading UTF-8 byte order mark tolerated. Throws
 * SyntaxError for text that is not JSON. Values nested deeper than `maxNestingDepth` are left as
 * parsed (structureIssues refuses them) so no recursion here can overflow the stack.
 */
export function parseJsonText(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  return withNullPrototypes(JSON.parse(body), 0)
}

function withNullPrototypes(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > maxNestingDepth) return value
  if (Array.isArray(value)) return value.map((item) => withNullPrototypes(item, depth + 1))
  const out = Object.create(null) as Record<string, unknown>
  for (const key of Object.keys(value)) out[key] = withNullPrototypes((value as Record<string, unknown>)[key], depth + 1)
  return out
}
