/**
 * A command loads what it uses: `fa-lab runs` lists a lab without loading tfjs or the figure
 * renderer (they cost about 3 s of module loading on every call, and the CLI tests spawn it
 * dozens of times), and `fa-lab figure` refuses a figure it will not draw (issue 27 D2: a 10⁶ in
 * square PNG) before loading the renderer. The packages a run loaded are read from require.cache
 * in a fresh process.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src-main/store/store'

const exec = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname

/** The heavy packages loaded while `fa-lab <args>` ran in a fresh node. */
async function heavyPackagesLoaded(args: string[]): Promise<string[]> {
  const script = `
    import { register } from 'tsx/esm/api'
    import { createRequire } from 'node:module'
    register()
    const { main } = await import('./src-main/cli/main.ts')
    await main(${JSON.stringify(args)})
    const files = Object.keys(createRequire(import.meta.url).cache)
    const heavy = new Set(files.flatMap((f) => /node_modules\\/((?:@tensorflow\\/)?(?:tfjs[^/]*|echarts|@resvg\\/[^/]+))\\//.exec(f)?.[1] ?? []))
    process.stderr.write('\\nHEAVY ' + JSON.stringify([...heavy].sort()) + '\\n')
  `
  const { stderr } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, FA_LAB_NO_BROWSER: '1' } })
  return JSON.parse(/HEAVY (.*)/.exec(stderr)![1])
}

describe('fa-lab loads each command when it runs', () => {
  it('runs lists a lab without loading tfjs or echarts; figure refuses an oversized PNG without the renderer, and loads it to draw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-lab-lazy-'))
    const db = join(dir, 'lab.sqlite')
    const store = openStore(db)
    const [runId] = store.queueRuns([{ config: { seed: 1, data: { kind: 'synthetic', n: 8, inputDim: 3 }, model: { kind: 'two-layer', hidden: 4 }, rule: 'fa', optimizer: { learningRate: 0.1 }, steps: 2 } }])
    store.markRunning(runId, 'wasm', { fingerprint: 'f' })
    store.appendMetrics(runId, [0, 1, 2].map((step) => ({ step, metrics: { trainLoss: 1 / (step + 1) }, wallTimeMs: step })))
    store.finishRun(runId, { status: 'completed', stepsDone: 2, finalMetrics: { trainLoss: 0.3 } })
    store.close()
    expect(await heavyPackagesLoaded(['runs', '--db', db])).toEqual([])
    const figure = ['figure', '--db', db, '--runs', String(runId), '--panels', 'trainLoss', '--out', join(dir, 'figure.png')]
    expect(await heavyPackagesLoaded([...figure, '--size', '1000000inx1000000in'])).toEqual([])
    expect(await heavyPackagesLoaded(figure)).toEqual(expect.arrayContaining(['echarts', '@resvg/resvg-js']))
  })
})
