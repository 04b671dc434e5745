/**
 * Import cycles among the project's own modules. Every relative import counts: static, re-export,
 * side-effect, dynamic `import()` and type-only, since a type-only cycle still ties two rooms
 * together. Prints each cycle as a path of files; exits 1 if there is any. Run by `npm run lint`
 * and by test/lint/cycles.test.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const importPatterns = [
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*(?:\/\*[^*]*\*\/\s*)?['"]([^'"]+)['"]\s*\)/g,
]

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'build') yield* sourceFiles(path)
    } else if (/\.(ts|vue|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path
  }
}

/** The file a relative specifier names, trying the extensions the bundlers try. */
function resolveImport(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier)
  const candidates = [base, `${base}.ts`, `${base}.vue`, `${base}.mjs`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')]
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null
}

/** Relative imports of a source file, without comments. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => (comment.startsWith('/* @vite-ignore') ? comment : ''))
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const out = new Set<string>()
  for (const pattern of importPatterns)
    for (const match of text.matchAll(pattern)) {
      const specifier = match[1]
      if (!specifier.startsWith('.')) continue
      const target = resolveImport(file, specifier)
      if (target) out.add(target)
    }
  return [...out]
}

/** Every import cycle among the source files under `root`, each as a list of files (relative). */
export function findCycles(root: string, tops = ['src-shared', 'src-main', 'src-renderer']): string[][] {
  const graph = new Map<string, string[]>()
  for (const top of tops) for (const file of sourceFiles(join(root, top))) graph.set(file, importsOf(file))

  // Tarjan's strongly connected components; a component of two or more files (or a file that
  // imports itself) is a cycle.
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (v: string) => {
    index.set(v, counter)
    low.set(v, counter++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.map((f) => relative(root, f).split('\\').join('/')).sort())
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return cycles
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cycles = findCycles(new URL('../..', import.meta.url).pathname)
  for (const c of cycles) console.error(`import cycle: ${c.join(' <-> ')}`)
  console.log(cycles.length ? `${cycles.length} import cycle${cycles.length === 1 ? '' : 's'}` : 'imports: no cycles')
  process.exitCode = cycles.length ? 1 : 0
}
