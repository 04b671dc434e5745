/**
 * Checks on untrusted structured input (config and experiment files, IPC and HTTP arguments,
 * imported lab files) made before any schema or copy walks it: keys that could reach an object's
 * prototype are refused by name, and nesting is bounded so no recursive walk can overflow the stack.
 * Pure: no node, electron or DOM imports.
 */

/** Keys and path segments refused anywhere: through them a write can reach Object.prototype. */
export const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** Deepest nesting accepted; a run config is 3 levels deep, an experiment 5. */
export const maxNestingDepth = 32

export interface InputIssue {
  path: string
  message: string
}

export const forbiddenKeyMessage = (key: string) => `the key '${key}' is not allowed (it names an object's prototype machinery, not a config field)`

/**
 * Faults of a JSON-like value's shape, walked without recursion: forbidden keys (each named with
 * its path) and nesting deeper than `maxNestingDepth`. At most `limit` faults are returned.
 */
export function structureIssues(value: unknown, limit = 100): InputIssue[] {
  const issues: InputIssue[] = []
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }]
  while (stack.length && issues.length < limit) {
    const node = stack.pop()!
    if (node.value === null || typeof node.value !== 'object') continue
    if (node.depth >= maxNestingDepth) {
      issues.push({ path: node.path, message: `nested more than ${maxNestingDepth} levels deep` })
      continue
    }
    const join = (key: string | number) => (node.path ? `${node.path}.${key}` : String(key))
    if (Array.isArray(node.value)) {
      for (let i = node.value.length - 1; i >= 0; i--) stack.push({ value: node.value[i], path: join(i), depth: node.depth + 1 })
      continue
    }
    for (const key of Object.keys(node.value)) {
      if (forbiddenKeys.has(key)) issues.push({ path: join(key), message: forbiddenKeyMessage(key) })
      else stack.push({ value: (node.value as Record<string, unknown>)[key], path: join(key), depth: node.depth + 1 })
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
