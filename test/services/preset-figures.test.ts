import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expandExperiment } from '../../src-shared/experiment'
import { figureCommand } from '../../src-main/cli/figure'
import { findPreset, presetFigureSpec } from '../../src-main/services/presets'
import { queueExperiment } from '../../src-main/services/experiments'
import { openStore } from '../../src-main/store/store'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-preset-figures-'))

describe('a preset’s own figure', () => {
  it('song2021-width: final cos(β, b) against p, per activation, one line per λ, error bars over seeds, from one command', async () => {
    const db = join(dir, 'w.sqlite')
    const store = openStore(db)
    const preset = await findPreset('song2021-width')
    const { runIds } = queueExperiment(store, preset.experiment)
    const { runs } = expandExperiment(preset.experiment)
    // stand-in results (training them is the preset's job): the final alignment grows with λ
    runIds.forEach((id, i) => {
      const { config } = runs[i]
      const lambda = config.regularization.outputL2 as number
      store.appendMetrics(id, [{ step: config.steps, metrics: { weightAlignment: lambda * 2 + config.seed / 100 }, wallTimeMs: 1 }])
      store.finishRun(id, { status: 'completed', stepsDone: config.steps, stopReason: 'converged' })
    })
    const spec = (await presetFigureSpec(store, 'song2021-width'))!
    expect(spec).toMatchObject({ kind: 'sweep', sweepField: 'model.hidden', statistic: 'final', band: 'sd', logX: true, splitBy: 'model.activation', groupBy: ['regularization.outputL2'] })
    expect(spec.runIds).toEqual(runIds)
    store.close()

    const out = join(dir, 'fig2.svg')
    const csv = join(dir, 'fig2.csv')
    expect(await figureCommand.run(['--db', db, '--view', 'song2021-width', '--out', out, '--csv', csv])).toBe(0)
    expect(readFileSync(out, 'utf8')).toMatch(/^<svg/)
    const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1)
    // 4 activations × 4 λ lines × 2 widths, each the mean of 8 seeds
    expect(rows).toHaveLength(32)
    for (const activation of ['linear', 'relu', 'tanh', 'sigmoid']) expect(rows.some((r) => r.includes(activation))).toBe(true)
    const reluTop = rows.find((r) => r.includes('relu') && r.includes('0.2') && /,800,/.test(r))!
    // the mean, found by its column's name (the CSV may gain columns at its end)
    const valueColumn = readFileSync(csv, 'utf8').split('\n')[0].split(',').indexOf('value')
    expect(Number(reluTop.split(',')[valueColumn])).toBeCloseTo(0.4 + 0.045, 10)
  })

  it('names what is missing: no experiment of the preset in the lab, or no preset of that name', async () => {
    const db = join(dir, 'empty.sqlite')
    openStore(db).close()
    const store = openStore(db)
    await expect(presetFigureSpec(store, 'song2021-mnist')).rejects.toThrow(/no experiment of the preset song2021-mnist .*fa-lab run --preset song2021-mnist/)
    expect(await presetFigureSpec(store, 'no-such-preset')).toBeNull()
    expect(await presetFigureSpec(store, '../etc/passwd')).toBeNull()
    store.close()
  })
})
