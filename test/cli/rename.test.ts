import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { main } from '../../src-main/cli/main'
import { queueExperiment } from '../../src-main/services/experiments'
import { openStore } from '../../src-main/store/store'
import { readJsonFile } from '../../src-main/cli/args'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-rename-'))
const base = { seed: 1, rule: 'fa', steps: 5, data: { kind: 'synthetic', n: 4, inputDim: 2 }, model: { kind: 'two-layer', hidden: 2 }, optimizer: { learningRate: 0.1 } }

/** Runs the CLI in this process, its output captured. */
async function fa(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')))
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')))
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') }
  } finally {
    log.mockRestore()
    error.mockRestore()
  }
}

describe('fa-lab rename and experiment files with a name template', () => {
  it('stores runs named by the experiment file’s template, and renames a run and an experiment', async () => {
    const db = join(dir, 'lab.sqlite')
    const file = join(dir, 'sweep.json')
    writeFileSync(file, JSON.stringify({ name: 'w', base, nameTemplate: 'FA λ={regularization.outputL2} p={model.hidden}', grid: { 'regularization.outputL2': [0, 0.05], 'model.hidden': [2, 4] } }))
    const store = openStore(db)
    const { experimentId, runIds } = queueExperiment(store, await readJsonFile(file))
    expect(store.listRuns().map((r) => r.name)).toEqual(['FA λ=0 p=2', 'FA λ=0 p=4', 'FA λ=0.05 p=2', 'FA λ=0.05 p=4'])
    store.close()

    expect(await fa('rename', '--db', db, '--run', String(runIds[1]), 'the', 'wide', 'one')).toMatchObject({ code: 0, out: `run ${runIds[1]} is now named “the wide one”` })
    expect((await fa('rename', '--db', db, '--experiment', String(experimentId), 'width sweep')).code).toBe(0)
    const listed = await fa('runs', '--db', db)
    expect(listed.out).toContain('the wide one')

    // refused: no name, both or neither id, an unknown run
    expect(await fa('rename', '--db', db, '--run', '1', '  ')).toMatchObject({ code: 2, err: expect.stringContaining('a name cannot be empty') })
    expect((await fa('rename', '--db', db, '--run', '1', '--experiment', '1', 'x')).code).toBe(2)
    expect((await fa('rename', '--db', db, 'x')).code).toBe(2)
    expect(await fa('rename', '--db', db, '--run', '999', 'x')).toMatchObject({ code: 1, err: expect.stringContaining('no run with id 999') })

    const after = openStore(db)
    expect(after.getRun(runIds[1])).toMatchObject({ name: 'the wide one', renamed: true, config: { name: 'FA λ=0 p=4' } })
    expect(after.getExperiment(experimentId)!.name).toBe('width sweep')
    after.close()
  })

  it('refuses an experiment file whose template names an unknown field, saying which', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ name: 'w', base, nameTemplate: 'p={model.hiden}', grid: { 'model.hidden': [2, 4] } }))
    const result = await fa('run', file, '--db', join(dir, 'bad.sqlite'))
    expect(result.code).toBe(2)
    expect(result.err).toContain('{model.hiden}, which is not a config field: did you mean {model.hidden}?')
  })
})
