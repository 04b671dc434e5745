import { defaultWorkerCount } from '../runner/runner'
import { terminalText } from '../../src-shared/text'
import { resumableStatuses, openStore } from '../store/store'
import { workerCountFault } from '../lib/limits'
import { parseOptions, UsageError } from './args'
import type { Command } from './command'
import { withStopSignals } from './signals'
import { checkpointHelp, checkpointOptions, checkpointOptionSpecs, trainStoredRuns } from './train-runs'

/** Its arguments: `fa-lab --help`, the README's command table and its own --help read this one line. */
const synopsis = `--db lab.sqlite [--runs 3,4] [--workers N] [--json]`
const help = `usage: fa-lab resume ${synopsis}

Continues interrupted runs (the process running them was killed or crashed) from their last
checkpoint, in worker threads with progress as fa-lab run. Without --runs, every interrupted run
of the lab; --runs may also name cancelled or failed runs. A resumed run ends exactly where it
would have ended uninterrupted on the same backend. A run without a checkpoint (an older run, or
one stopped before its first checkpoint) restarts from step 0, and says so: its seed gives the
same run. Exit 0 when every resumed run completed, 1 when a run could not be resumed or did not
complete.

${checkpointHelp}`

export const resumeCommand: Command = {
  summary: 'continue interrupted runs from their last checkpoint (or step 0 without one)',
  synopsis,
  help: () => help,
  async run(args) {
    // Before anything else: Ctrl-C while the runs are prepared stops it cleanly (see signals.ts).
    return withStopSignals(() => resume(args))
  },
}

async function resume(args: string[]): Promise<number> {
  const { values } = parseOptions(args, { db: { type: 'string' }, runs: { type: 'string' }, workers: { type: 'string' }, json: { type: 'boolean', default: false }, ...checkpointOptionSpecs })
  if (!values.db) throw new UsageError(`--db is required\n\n${help}`)
  const workers = values.workers === undefined ? defaultWorkerCount() : Number(values.workers)
  const workersFault = workerCountFault(workers)
  if (workersFault) throw new UsageError(`--workers ${values.workers}: ${workersFault}`)
  const ids = values.runs?.split(',').map((s) => Number(s.trim()))
  if (ids?.some((id) => !Number.isInteger(id) || id < 1)) throw new UsageError(`--runs takes run ids separated by commas, not '${values.runs}'`)
  const runnerOptions = checkpointOptions(values)
  const store = openStore(values.db, { mustExist: true })
  const candidates = ids ?? store.listRuns({ status: ['interrupted'] }).map((r) => r.id)
  const resumed: number[] = []
  const refused: string[] = []
  for (const id of candidates) {
    const from = store.checkpointStep(id)
    const reason = store.prepareResume(id)
    if (reason) refused.push(reason)
    else {
      resumed.push(id)
      if (from === null) console.error(`run ${id} has no checkpoint (it ran before checkpoints existed, or stopped before its first one): restarting it from step 0; its seed gives the same run`)
    }
  }
  // a refusal quotes the checkpoint's own bytes (a header that is not JSON): shown, never obeyed
  for (const reason of refused) console.error(terminalText(reason))
  if (resumed.length === 0) {
    if (!refused.length) console.error(`nothing to resume in ${values.db}: no interrupted runs (resumable: ${resumableStatuses.join(', ')})`)
    store.close()
    return refused.length ? 1 : 0
  }
  const code = await trainStoredRuns(store, resumed, {
    workers,
    json: values.json,
    heading: `resuming ${resumed.length} run${resumed.length === 1 ? '' : 's'} (${resumed.join(', ')})`,
    label: 'resume',
    summary: { resumed, refused: refused.length },
    runner: runnerOptions,
  })
  return code === 0 && refused.length ? 1 : code
}
