import { existsSync, rmSync } from 'node:fs'
import { defaultMaxRuns } from '../../src-shared/experiment'
import { NameSchema } from '../../src-shared/run-names'
import { envMaxRuns } from '../lib/limits'
import { terminalText } from '../../src-shared/text'
import { checkLab, labIsSound } from '../store/check'
import { openStore, type Store } from '../store/store'
import { checkImportable, exportRuns, importRuns } from '../store/transfer'
import { parseOptions, UsageError } from './args'
import type { Command } from './command'
import { backendWithPath } from '../../src-shared/training-paths'

/** Runs `body` with an open store and closes it however the body ends. */
function withStore(store: Store, body: (store: Store) => void): void {
  try {
    body(store)
  } finally {
    store.close()
  }
}

/** Opens (or creates) the lab file at `path` for `body`; a file this call created is removed again if the body fails. */
function withNewFileRemovedOnFailure(path: string, body: (store: Store) => void): void {
  const existed = existsSync(path)
  try {
    withStore(openStore(path), body)
  } catch (error) {
    if (!existed) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
    throw error
  }
}

/** An import takes as many runs as the lab lets one experiment have (FA_LAB_MAX_RUNS raises both). */
function importLimits() {
  return { maxRuns: envMaxRuns() ?? defaultMaxRuns }
}

/** The existing lab file named by --db, open for `body` and closed after it. */
function withLab(db: string | undefined, usage: string, body: (store: Store) => void): void {
  withStore(openStore(needDb(db, usage), { mustExist: true }), body)
}

function needDb(db: string | undefined, usage: string): string {
  if (!db) throw new UsageError(`--db is required\n\nusage: ${usage}`)
  return db
}

function parseIds(text: string | undefined, usage: string): number[] {
  const ids = (text ?? '').split(',').filter(Boolean).map(Number)
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 1)) throw new UsageError(`--runs takes run ids like 1,2,5\n\nusage: ${usage}`)
  return ids
}

export const runsCommand: Command = {
  summary: 'list the runs of a lab file',
  synopsis: '--db lab.sqlite [--experiment ID] [--json]',
  async run(args) {
    const usage = `fa-lab runs ${runsCommand.synopsis}`
    const { values } = parseOptions(args, { db: { type: 'string' }, experiment: { type: 'string' }, json: { type: 'boolean', default: false } })
    withLab(values.db, usage, (store) => {
      const runs = store.listRuns(values.experiment ? { experimentId: Number(values.experiment) } : {})
      if (values.json) console.log(JSON.stringify(runs))
      else
        for (const r of runs)
          console.log(
            // stored text is shown, never obeyed: a name's escape sequences would drive the terminal
            terminalText(`${String(r.id).padStart(5)}  ${r.status.padEnd(11)} ${r.rule.padEnd(5)} seed ${String(r.seed).padEnd(4)} ${(r.backend ? backendWithPath(r.backend, r.trainingPath) : '-').padEnd(15)} ${r.stepsDone}/${r.totalSteps}  ${r.name ?? ''}${r.configError ? `  (${r.configError})` : ''}`),
          )
    })
    return 0
  },
}

export const renameCommand: Command = {
  summary: 'rename a run or an experiment (its name only; configs stay as they are)',
  synopsis: '--db lab.sqlite (--run ID | --experiment ID) NEW NAME',
  async run(args) {
    const usage = `fa-lab rename ${renameCommand.synopsis}`
    const { values, positionals } = parseOptions(args, { db: { type: 'string' }, run: { type: 'string' }, experiment: { type: 'string' } }, true)
    const runId = values.run === undefined ? null : Number(values.run)
    const experimentId = values.experiment === undefined ? null : Number(values.experiment)
    const id = runId ?? experimentId
    if ((runId === null) === (experimentId === null) || !Number.isInteger(id) || id! < 1) throw new UsageError(`give one of --run ID or --experiment ID\n\nusage: ${usage}`)
    const parsed = NameSchema.safeParse(positionals.join(' '))
    if (!parsed.success) throw new UsageError(`${parsed.error.issues[0].message}\n\nusage: ${usage}`)
    withLab(values.db, usage, (store) => {
      if (runId !== null) {
        if (!store.getRun(runId)) throw new Error(`no run with id ${runId} in ${values.db}`)
        store.renameRun(runId, parsed.data)
        console.log(`run ${runId} is now named “${parsed.data}”`)
      } else {
        if (!store.getExperiment(experimentId!)) throw new Error(`no experiment with id ${experimentId} in ${values.db}`)
        store.renameExperiment(experimentId!, parsed.data)
        console.log(`experiment ${experimentId} is now named “${parsed.data}”`)
      }
    })
    return 0
  },
}

export const metricsCommand: Command = {
  summary: 'print the metric series of a run',
  synopsis: '--db lab.sqlite --run ID [--name MEASURE] [--json]',
  async run(args) {
    const usage = `fa-lab metrics ${metricsCommand.synopsis}`
    const { values } = parseOptions(args, { db: { type: 'string' }, run: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } })
    const runId = Number(values.run)
    if (!Number.isInteger(runId)) throw new UsageError(`--run ID is required\n\nusage: ${usage}`)
    withLab(values.db, usage, (store) => {
      if (!store.getRun(runId)) throw new Error(`no run with id ${runId} in ${values.db}`)
      const names = values.name ? [values.name] : store.metricNames(runId)
      const series = Object.fromEntries(
        names.map((name) => {
          const s = store.metricSeries(runId, name)
          return [name, { steps: Array.from(s.steps), values: Array.from(s.values), wallTimesMs: Array.from(s.wallTimesMs) }]
        }),
      )
      if (values.json) console.log(JSON.stringify({ runId, series }))
      else for (const [name, s] of Object.entries(series)) console.log(`${terminalText(name)}: ${s.steps.map((step, i) => `${step}:${Number(s.values[i].toPrecision(5))}`).join(' ')}`)
    })
    return 0
  },
}

export const mergeCommand: Command = {
  summary: 'merge shard lab files into one, without duplicates',
  synopsis: '--db lab.sqlite shard-*.sqlite',
  async run(args) {
    const usage = `fa-lab merge ${mergeCommand.synopsis}`
    const { values, positionals } = parseOptions(args, { db: { type: 'string' }, json: { type: 'boolean', default: false } }, true)
    if (positionals.length === 0) throw new UsageError(`name the shard files to merge\n\nusage: ${usage}`)
    // Every file is checked before the lab file is opened (or created): a refused merge writes nothing.
    const limits = importLimits()
    positionals.forEach((file) => checkImportable(file, limits))
    withNewFileRemovedOnFailure(needDb(values.db, usage), (store) => {
      const results = positionals.map((file) => ({ file, ...importRuns(store, file, limits) }))
      if (values.json) console.log(JSON.stringify(results))
      else for (const r of results) console.log(`${r.file}: ${r.runsAdded} runs added, ${r.runsSkipped} already present`)
    })
    return 0
  },
}

export const exportRunsCommand: Command = {
  summary: 'write chosen runs to a portable lab file',
  synopsis: '--db lab.sqlite --runs 1,2,3 --out runs.falab',
  async run(args) {
    const usage = `fa-lab export-runs ${exportRunsCommand.synopsis}`
    const { values } = parseOptions(args, { db: { type: 'string' }, runs: { type: 'string' }, out: { type: 'string' } })
    const out = values.out
    if (!out) throw new UsageError(`--out is required\n\nusage: ${usage}`)
    withLab(values.db, usage, (store) => {
      const result = exportRuns(store, parseIds(values.runs, usage), out)
      console.log(`${out}: ${result.runsAdded} runs exported`)
    })
    return 0
  },
}

export const importRunsCommand: Command = {
  summary: 'import the runs of a portable lab file',
  synopsis: '--db lab.sqlite runs.falab',
  async run(args) {
    const usage = `fa-lab import-runs ${importRunsCommand.synopsis}`
    const { values, positionals } = parseOptions(args, { db: { type: 'string' } }, true)
    if (positionals.length !== 1) throw new UsageError(`name one file to import\n\nusage: ${usage}`)
    const limits = importLimits()
    checkImportable(positionals[0], limits)
    withNewFileRemovedOnFailure(needDb(values.db, usage), (store) => {
      const result = importRuns(store, positionals[0], limits)
      console.log(`${positionals[0]}: ${result.runsAdded} runs imported, ${result.runsSkipped} already present`)
    })
    return 0
  },
}

export const checkCommand: Command = {
  summary: 'check a lab file for damage and say which runs can be saved',
  synopsis: '--db lab.sqlite [--json]',
  async run(args) {
    const usage = `fa-lab check ${checkCommand.synopsis}`
    const { values } = parseOptions(args, { db: { type: 'string' }, json: { type: 'boolean', default: false } })
    const path = needDb(values.db, usage)
    const check = checkLab(path)
    const sound = labIsSound(check)
    if (values.json) {
      console.log(JSON.stringify({ ...check, sound }))
      return sound ? 0 : 1
    }
    const ranges = (ids: number[]) => ids.join(',')
    if (sound) {
      console.log(`${path}: sound (SQLite integrity check ok; all ${check.readable.length} runs read whole)`)
      return 0
    }
    console.log(terminalText(`${path}: ${check.integrity[0] === 'ok' ? 'SQLite integrity check ok' : `damaged; SQLite's integrity check says:\n${check.integrity.map((m) => `  ${m}`).join('\n')}`}`))
    if (check.fault) console.log(terminalText(`  ${check.fault}`))
    for (const u of check.unreadable) console.log(terminalText(`  run ${u.runId} cannot be read: ${u.fault}`))
    if (check.readable.length) {
      console.log(`${check.readable.length} run${check.readable.length === 1 ? '' : 's'} read whole and can be saved to a new lab file:`)
      console.log(`  fa-lab export-runs --db ${path} --runs ${ranges(check.readable)} --out saved.sqlite`)
    } else console.log('no run can be read whole')
    return 1
  },
}
