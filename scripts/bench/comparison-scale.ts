/**
 * What opening an experiment's comparison costs, through the lab service main serves: the old
 * path (one getRun per run, then each measure's series of every run, 500 ids a request: the most
 * getMetricSeries takes) against the new one (naturalFigure, then one compareRuns). Prints the
 * request count, the reply bytes (JSON, as they cross IPC or HTTP) and the median time in main.
 *
 *   npx tsx scripts/bench/comparison-scale.ts lab.sqlite [experimentId] [repeats]
 */
import { createLabService } from '../../src-main/services/lab'
import { median } from './median'

const [labPath, experimentArg = '1', repeatArg = '5'] = process.argv.slice(2)
if (!labPath) throw new Error('usage: comparison-scale.ts lab.sqlite [experimentId] [repeats]')
const experimentId = Number(experimentArg)
const repeats = Number(repeatArg)
const lab = createLabService({ labPath, mode: 'browser', workers: 1 })
const service = lab.service
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value))

async function oldPath(measures: string[]) {
  const ids = (await service.listRuns({ experimentId })).runs.map((r) => r.id)
  let requests = 1
  let total = bytes(ids)
  for (const id of ids) {
    total += bytes(await service.getRun(id))
    requests++
  }
  for (const name of measures)
    for (let i = 0; i < ids.length; i += 500) {
      total += bytes(await service.getMetricSeries({ runIds: ids.slice(i, i + 500), name }))
      requests++
    }
  return { requests, total, runs: ids.length }
}

async function newPath() {
  const { spec } = await service.naturalFigure({ experimentId })
  const reply = await service.compareRuns({ spec })
  return { requests: 2, total: bytes(spec) + bytes(reply), spec, reply }
}

const first = await newPath()
const old = await oldPath(first.spec.measures)
const oldMs: number[] = []
const newMs: number[] = []
for (let k = 0; k < repeats; k++) {
  let t = performance.now()
  await oldPath(first.spec.measures)
  oldMs.push(performance.now() - t)
  t = performance.now()
  await newPath()
  newMs.push(performance.now() - t)
}
const groups = first.reply.comparison.groups.length
console.log(`experiment ${experimentId}: ${old.runs} runs, ${groups} groups, measure ${first.spec.measures.join(', ')}`)
console.log(`old path (getRun per run + getMetricSeries per 500 ids): ${old.requests} requests, ${old.total} bytes, main ${median(oldMs).toFixed(0)} ms (median of ${repeats})`)
console.log(`new path (naturalFigure + compareRuns): ${first.requests} requests, ${first.total} bytes, main ${median(newMs).toFixed(0)} ms (median of ${repeats})`)
console.log(`ratios: requests ${(old.requests / first.requests).toFixed(0)}x fewer, bytes ${(old.total / first.total).toFixed(1)}x fewer, time in main ${(median(oldMs) / median(newMs)).toFixed(2)}x`)
await lab.close()
