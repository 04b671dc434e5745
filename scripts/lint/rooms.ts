/**
 * The rooms of CONTRIBUTING.md as checks on imports: each rule names the files it covers, what
 * they may not import or mention, and why. Prints every violation with file and line; exits 1 if
 * there is any. Run by `npm run lint` and by test/lint/rooms.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

interface Rule {
  files: RegExp
  forbid: RegExp
  why: string
  except?: RegExp
  /** Type-only imports (`import type`) are allowed: they load nothing at run time. */
  types?: boolean
}

const rules: Rule[] = [
  { files: /^src-shared\//, forbid: /^(?!zod$|\.\/|echarts$)/, why: 'src-shared is the contract between processes: zod and its own files only (echarts for types)', types: true },
  { files: /^src-shared\//, forbid: /^(electron|node:|fs$|path$)/, why: 'no electron, node or DOM imports in src-shared' },
  { files: /^src-main\/(engine|data)\//, forbid: /^(electron$|better-sqlite3$|\.\.\/store\/)/, why: 'engine and data have no storage and no electron' },
  { files: /^src-main\//, forbid: /^@tensorflow\//, why: 'tf is imported only through engine/tf.ts', except: /^src-main\/engine\/(tf|blas)\.ts$/ },
  { files: /^src-main\//, forbid: /^better-sqlite3$/, why: 'all SQL lives in store/', except: /^src-main\/store\// },
  { files: /^src-main\/estimates\//, forbid: /^(electron$|better-sqlite3$|\.\.\/(store|runner|services|server|cli)\/)/, why: 'estimates/ is one room of time estimates read by the runner and the services: it imports neither of them, nor storage (a record type from store/ is fine)', types: true },
  { files: /^src-main\/estimates\//, forbid: /^\.\.\/(runner|services|server|cli)\//, why: 'estimates/ sits below the runner and the services: not even their types' },
  { files: /^src-main\/(?!estimates\/)/, forbid: /\/estimates\/(schedule|eta)$/, why: 'the scheduling model and the live ETA are read through the runner and estimates/time.ts, not laid again elsewhere', except: /^src-main\/runner\/runner\.ts$/ },
  { files: /^src-renderer\//, forbid: /^electron$/, why: 'the renderer never imports electron' },
  { files: /^src-main\//, forbid: /^electron$/, why: 'only the Electron entry points load electron (other files may import its types)', except: /^src-main\/(index|ipc|preload)\.ts$/, types: true },
  { files: /^src-renderer\/src\/components\//, forbid: /(composables\/useLab|lab\/client)$/, why: 'components take props and emit events; they never call IPC' },
]
const mentions: Rule[] = [
  { files: /^src-renderer\/src\/(components|views)\//, forbid: /window\.lab/, why: 'the lab API comes from useLab(), not window.lab' },
  // a view hands the lab to composables (useRuns(lab)); its calls, with their error paths, live there
  { files: /^src-renderer\/src\/views\//, forbid: /\blab\s*\.\s*[a-zA-Z]+\s*\(|\buseLab\(\)\s*\.\s*[a-zA-Z]+\s*\(/, why: 'views call the lab API through composables (useRuns, useExperiments, usePresets, useDatasets…), each call with its error path' },
  { files: /^src-renderer\/src\/(components|views)\//, forbid: /\b(setTimeout|setInterval|atob|btoa|createObjectURL)\b|\bnew Blob\b/, why: 'views and components only render: timers, base64 and file exports live in composables' },
  { files: /^src-(main|renderer)\//, forbid: /\bflopsPer(Step|Second)\b/, why: 'time estimates (work over speed, laid onto workers) live in src-main/estimates/, one room with one scheduling model', except: /^src-main\/(estimates|engine)\// },
  { files: /^src-main\//, forbid: /\bipcMain\b/, why: 'ipc.ts is the only importer of ipcMain', except: /^src-main\/ipc\.ts$/ },
  { files: /^src-main\//, forbid: /\bdatabaseOf\b|\bstore\.db\b/, why: 'the raw SQLite connection stays in store/: use the store\'s methods and store.transaction()', except: /^src-main\/store\// },
]

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'build') yield* sourceFiles(path)
    } else if (/\.(ts|vue|mjs)$/.test(entry.name)) yield path
  }
}

export function checkRooms(root: string): string[] {
  const problems: string[] = []
  for (const top of ['src-shared', 'src-main', 'src-renderer']) {
    for (const file of sourceFiles(join(root, top))) {
      const name = relative(root, file).split('\\').join('/')
      const lines = readFileSync(file, 'utf8').split('\n')
      lines.forEach((line, index) => {
        const specifier = /^\s*(?:import|export)\s.*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/.exec(line)
        const imported = specifier?.[1] ?? specifier?.[2]
        const typeOnly = /^\s*import\s+type\s/.test(line)
        for (const rule of rules) {
          if (!imported || !rule.files.test(name) || rule.except?.test(name)) continue
          if (typeOnly && rule.types) continue
          if (rule.forbid.test(imported)) problems.push(`${name}:${index + 1}: imports '${imported}': ${rule.why}`)
        }
        for (const rule of mentions) {
          if (!rule.files.test(name) || rule.except?.test(name)) continue
          if (rule.forbid.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line)) problems.push(`${name}:${index + 1}: ${rule.why}`)
        }
      })
    }
  }
  return problems
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = checkRooms(new URL('../..', import.meta.url).pathname)
  for (const p of problems) console.error(p)
  console.log(problems.length ? `${problems.length} room violation${problems.length === 1 ? '' : 's'}` : 'rooms: no violations')
  process.exitCode = problems.length ? 1 : 0
}
