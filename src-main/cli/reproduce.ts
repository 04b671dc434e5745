import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { reproductionExitCode, reproductionMarkdown } from '../../src-shared/reproduction'
import { experimentPreset, experimentReproduction, loadReference, newestFinishedExperiment } from '../services/reproduction'
import { openStore } from '../store/store'
import { parseOptions, UsageError } from './args'
import type { Command } from './command'
import { withStopSignals } from './signals'
import { runCommand } from './run'

/** Its arguments: `fa-lab --help`, the README's command table and its own --help read this one line. */
const synopsis = `NAME --db lab.sqlite [--full] [--experiment N] [--json] [--out report.md]`
const help = `usage: fa-lab reproduce ${synopsis}

Compares an experiment of preset NAME with the published numbers shipped for it
(resources/references/NAME.json), cell by cell: the reference mean ± SD (n), ours mean ± SD (n)
over the runs whose config falls in the cell (their final value of the cell's measure),
z = (ours − ref) / √(SE_ours² + SE_ref²) and the verdict: agrees (|z| ≤ 2), differs, or too few
runs (fewer than 2 of ours). Runs that stopped at their step limit are counted.
It uses the newest finished experiment of the preset in the lab (the full one with --full), or
runs the preset first (fa-lab run --preset NAME [--full]) when there is none. --experiment N
uses that experiment's runs, whatever it was built from.
  --json   the report as JSON on stdout: {"preset", "cells": [{"key", "measure", "reference":
           {"mean", "sd", "n", "source"}, "ours": {"mean", "sd", "n", "se"}, "z", "verdict",
           "stepLimit"}], "agree", "total", "stepLimit"}
  --out    also writes the report as Markdown to this file
Exit 0 when every cell agrees, 1 when any differs or has too few runs, 2 for bad input.`

export const reproduceCommand: Command = {
  summary: 'compare an experiment of a preset with the published numbers, cell by cell (agrees when |z| ≤ 2; exit 0 all agree, 1 otherwise, 2 bad input)',
  synopsis,
  help: () => help,
  async run(args) {
    // Before anything else: Ctrl-C stops it cleanly, and the run it starts shares the signal (see signals.ts).
    return withStopSignals(() => reproduce(args))
  },
}

async function reproduce(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { db: { type: 'string' }, full: { type: 'boolean', default: false }, experiment: { type: 'string' }, json: { type: 'boolean', default: false }, out: { type: 'string' } },
    true,
  )
  const name = positionals[0]
  if (!name || positionals.length > 1 || !values.db) throw new UsageError(`a preset NAME and --db are required\n\n${help}`)
  const experimentId = values.experiment === undefined ? null : Number(values.experiment)
  if (experimentId !== null && !(Number.isInteger(experimentId) && experimentId > 0)) throw new UsageError(`--experiment '${values.experiment}': expected an experiment id (a positive integer)`)
  if (experimentId !== null && !existsSync(values.db)) throw new UsageError(`${values.db}: no such lab file`)
  const reference = await loadReference(name)
  if (!reference) throw new UsageError(`no published numbers for '${name}' (resources/references/${name}.json)`)

  const newest = (): number | null => {
    if (!existsSync(values.db!)) return null
    const store = openStore(values.db!, { readonly: true, mustExist: true })
    try {
      return newestFinishedExperiment(store, name, values.full || undefined)?.id ?? null
    } finally {
      store.close()
    }
  }
  let id = experimentId ?? newest()
  if (id === null) {
    process.stderr.write(`no finished experiment of ${name} in ${values.db}: running it first (fa-lab run --preset ${name}${values.full ? ' --full' : ''})\n`)
    const code = await runCommand.run(['--preset', name, '--db', values.db, ...(values.full ? ['--full'] : [])])
    if (code !== 0 && code !== 1) return code
    id = newest()
    if (id === null) throw new Error(`the preset ${name} ran but none of its runs completed`)
  }

  const store = openStore(values.db, { readonly: true, mustExist: true })
  let report
  let experimentName
  try {
    const experiment = store.getExperiment(id)
    if (!experiment) throw new UsageError(`no experiment ${id} in ${values.db}`)
    experimentName = experiment.name
    report = experimentReproduction(store, id, reference)
  } finally {
    store.close()
  }
  if (report.total === 0) throw new UsageError(`none of the completed runs of experiment ${id} (${experimentName}) falls in a cell of ${name}'s published numbers`)
  const from = experimentPreset({ name: experimentName })
  const title = `Reproduction of ${report.label} (${name}) by experiment ${id}, ${experimentName}${from && from !== name ? ` (made from ${from})` : ''}`
  const markdown = reproductionMarkdown(report, title)
  if (values.out) await writeFile(values.out, markdown)
  if (values.json) {
    const cells = report.cells.map((c) => ({
      key: c.key,
      measure: c.measure,
      reference: { mean: c.reference.mean, sd: c.reference.sd, n: c.reference.n, source: c.reference.source },
      ours: c.ours,
      z: c.z,
      verdict: c.verdict,
      stepLimit: c.stepLimit,
    }))
    console.log(JSON.stringify({ preset: report.preset, experiment: id, cells, agree: report.agree, total: report.total, stepLimit: report.stepLimit }, null, 2))
  } else process.stdout.write(markdown)
  return reproductionExitCode(report)
}
