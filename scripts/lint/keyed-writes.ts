/**
 * Writes into plain objects under computed keys: `obj[key] = value` where `obj` was made as an
 * object literal (`{}`, `{ a: 1 }`) in the same file. When the key can be user text (a run name, a
 * measure, a config path), `__proto__` writes through to Object.prototype and `constructor` or
 * `toString` read an inherited function: issue 27's D1 and D13. Such records are built without a
 * prototype (`Object.create(null)`), as a Map, or with Object.fromEntries / Object.defineProperty,
 * which define own properties. A write whose key can never be user text (a loop over a fixed
 * list of field names) says so on its line or the line above: `// keyed-write: <why>`.
 * Prints every such write with file and line; exits 1 if there is any. Run by `npm run lint` and
 * by test/lint/keyed-writes.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

function* sourceFiles(dir: string): Generator<string> {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'build') yield* sourceFiles(path)
    } else if (/\.(ts|vue|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path
  }
}

/** `const|let NAME(: type)? = {` — a record made as a plain object literal. */
const plainObject = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[^=]+?)?=\s*(?:\{|\(\s*\{)/g
/** `NAME[key] =`, `??=`, `||=`, `+=`, … (not `==`), with a computed key that is not a literal. */
const keyedWrite = (name: string) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\[(?!\\s*(?:\\d+|'[^']*'|"[^"]*")\\s*\\])[^\\]]+\\]\\s*(?:\\?\\?|\\|\\||&&|[-+*/%])?=(?!=)`)

export function checkKeyedWrites(root: string): string[] {
  const problems: string[] = []
  for (const top of ['src-shared', 'src-main', 'src-renderer']) {
    for (const file of sourceFiles(join(root, top))) {
      const name = relative(root, file).split('\\').join('/')
      const text = readFileSync(file, 'utf8')
      const plain = new Set([...text.matchAll(plainObject)].map((m) => m[1]))
      if (!plain.size) continue
      const patterns = [...plain].map(keyedWrite)
      const lines = text.split('\n')
      lines.forEach((line, index) => {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return
        if (/keyed-write:/.test(line) || /keyed-write:/.test(lines[index - 1] ?? '')) return
        if (patterns.some((p) => p.test(line))) problems.push(`${name}:${index + 1}: writes a plain object under a computed key: build it with Object.create(null), a Map or Object.fromEntries, or say why the key is never user text (// keyed-write: why)`)
      })
    }
  }
  return problems
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = checkKeyedWrites(new URL('../..', import.meta.url).pathname)
  for (const p of problems) console.error(p)
  console.log(problems.length ? `${problems.length} keyed write${problems.length === 1 ? '' : 's'} into plain objects` : 'keyed writes: none into plain objects')
  process.exitCode = problems.length ? 1 : 0
}
