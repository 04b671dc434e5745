/**
 * The comparison data path: main reads the runs, groups them, reduces each group to mean, band and
 * n at each x, and downsamples to the figure's resolution; the screen, the exports and
 * `fa-lab figure` all draw that one answer.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nextTick } from 'vue'
import { describe, expect, it } from 'vitest'
import { figureResolution } from '../../src-shared/comparison'
import { downsampled as downsampleCurve, type Curve } from '../../src-shared/figure-curves'
import { drawFigure } from '../../src-shared/figure'
import { figureSizePt, FigureSpec } from '../../src-shared/figure-spec'
import { compareRuns, naturalFigure, renderFigure } from '../../src-main/services/figures'
import { queueExperiment } from '../../src-main/services/experiments'
import { findPreset } from '../../src-main/services/presets'
import { openStore, type Store } from '../../src-main/store/store'
import { useComparison } from '../../src-renderer/src/composables/useComparison'
import { createLabDouble } from '../renderer/lab-double'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-comparison-'))

/** A stored experiment of seeds × λ × rule with `steps` evaluations each; the value is a known function of (λ, rule, seed, step). */
function sweepLab(name: string, seeds: number, steps: number): { store: Store; experimentId: number; runIds: number[] } {
  const store = openStore(join(dir, `${name}.sqlite`))
  const experiment = {
    name,
    base: { seed: 1, rule: 'fa', loss: 'mse', data: { kind: 'synthetic', n: 20, inputDim: 5, teacher: 'linear' }, model: { kind: 'two-layer', hidden: 8, activation: 'relu', outputs: 1 }, optimizer: { learningRate: 0.01, batchSize: 0 }, regularization: { outputL2: 0 }, steps, evalEvery: 1 },
    grid: { seed: Array.from({ length: seeds }, (_, i) => i + 1), 'regularization.outputL2': [0, 0.1, 0.3, 0.5], rule: ['fa', 'bp'] },
  }
  const { experimentId, runIds } = queueExperiment(store, experiment)
  for (const id of runIds) {
    const run = store.getRun(id)!
    const lambda = run.config.regularization.outputL2 as number
    const offset = lambda + (run.config.rule === 'bp' ? 1 : 0)
    store.appendMetrics(id, Array.from({ length: steps }, (_, k) => ({ step: k + 1, metrics: { weightAlignment: offset + run.seed * 0.01 + k * 0.001, trainLoss: 1 / (k + 1 + run.seed) }, wallTimeMs: k })))
    store.finishRun(id, { status: 'completed', stepsDone: steps })
  }
  return { store, experimentId, runIds }
}

describe('group statistics computed in main', () => {
  it('mean, SD, SE, 95% CI and n at each x agree with values worked out by hand', () => {
    const store = openStore(join(dir, 'hand.sqlite'))
    const runIds = store.queueRuns([1, 2, 3, 4].map((seed) => ({ config: { seed, rule: 'fa', steps: 2, data: { kind: 'synthetic', n: 10 }, regularization: { outputL2: seed === 4 ? 0.5 : 0 } } })))
    // λ = 0: three runs with values 1, 2, 6 at step 1 and 0, 0, 3 at step 2; λ = 0.5: one run
    const values = [
      [1, 0],
      [2, 0],
      [6, 3],
      [5, 5],
    ]
    runIds.forEach((id, i) => store.appendMetrics(id, values[i].map((v, k) => ({ step: k + 1, metrics: { weightAlignment: v }, wallTimeMs: k }))))
    const at = (band: 'sd' | 'se' | 'ci95') => compareRuns(store, { runIds, measures: ['weightAlignment'], groupBy: ['regularization.outputL2'], band }).comparison.panels[0].lines
    const sd = at('sd')
    expect(sd.map((l) => l.group)).toEqual([JSON.stringify(['0']), JSON.stringify(['0.5'])])
    const [zero, half] = sd
    expect(zero.mean.xs).toEqual([1, 2])
    expect(zero.mean.n).toEqual([3, 3])
    expect(zero.mean.mean[0]).toBeCloseTo(3, 12)
    expect(zero.mean.mean[1]).toBeCloseTo(1, 12)
    // SD of (1, 2, 6): sqrt(((1-3)² + (2-3)² + (6-3)²) / 2) = sqrt(7); of (0, 0, 3): sqrt((1 + 1 + 4) / 2) = sqrt(3)
    expect(zero.mean.upper![0] - 3).toBeCloseTo(Math.sqrt(7), 12)
    expect(1 - zero.mean.lower![1]).toBeCloseTo(Math.sqrt(3), 12)
    expect(at('se')[0].mean.upper![0] - 3).toBeCloseTo(Math.sqrt(7) / Math.sqrt(3), 12)
    // t(0.975, 2 degrees of freedom) = 4.303
    expect(at('ci95')[0].mean.upper![0] - 3).toBeCloseTo((4.303 * Math.sqrt(7)) / Math.sqrt(3), 12)
    // one run: its values, n = 1, no band
    expect(half.mean).toEqual({ xs: [1, 2], mean: [5, 5], lower: null, upper: null, n: [1, 1] })
    store.close()
  })

  it('downsampling to the figure’s resolution keeps the first and last points and every bucket’s extremes', () => {
    const length = 20_000
    const xs = Array.from({ length }, (_, i) => i)
    const mean = xs.map((i) => Math.sin(i / 50))
    mean[7_777] = 40
    mean[12_345] = -40
    const curve: Curve = { xs, mean, lower: mean.map((v) => v - 1), upper: mean.map((v) => v + 1), n: xs.map(() => 3) }
    const resolution = figureResolution(FigureSpec.parse({ runIds: [1], measures: ['m'] }), figureSizePt({ size: { width: 3.25, height: 2.4, unit: 'in' } }).width)
    expect(resolution).toBe(936)
    const small = downsampleCurve(curve, resolution)
    expect(small.xs.length).toBeLessThanOrEqual(resolution)
    expect(small.xs.length).toBeGreaterThan(resolution / 2)
    expect(small.xs[0]).toBe(0)
    expect(small.xs.at(-1)).toBe(length - 1)
    expect(small.mean.at(-1)).toBe(mean[length - 1])
    expect(Math.max(...small.mean)).toBe(40)
    expect(Math.min(...small.mean)).toBe(-40)
    // the band and n follow their points
    const at = small.xs.indexOf(7_777)
    expect([small.lower![at], small.upper![at], small.n[at]]).toEqual([39, 41, 3])
  })
})

describe('one comparison request, whatever the number of runs', () => {
  it('a store of 480 runs answers with O(groups × points): the same points as 120 runs, bytes growing only by the run ids', async () => {
    const small = sweepLab('small', 15, 30)
    const large = sweepLab('large', 60, 30)
    const a = compareRuns(small.store, (await naturalFigure(small.store, { experimentId: small.experimentId })).spec)
    const b = compareRuns(large.store, (await naturalFigure(large.store, { experimentId: large.experimentId })).spec)
    expect(b.comparison.runCount).toBe(480)
    expect(b.comparison.groups).toHaveLength(8)
    const points = (r: typeof a) => r.comparison.panels.flatMap((p) => p.lines).reduce((sum, l) => sum + l.mean.xs.length, 0)
    expect(points(a)).toBe(8 * 30)
    expect(points(b)).toBe(points(a))
    const bytes = (r: typeof a) => JSON.stringify(r).length
    // four times the runs: the reply grows by the extra run ids (each at most 4 digits and a comma,
    // listed in its line and in its summary row) and nothing else
    expect(bytes(b) - bytes(a)).toBeLessThan((480 - 120) * 2 * 5)
    // the group means are the hand values: λ + (bp ? 1 : 0) + mean seed / 100 + step index / 1000
    const line = b.comparison.panels[0].lines.find((l) => l.group === JSON.stringify([JSON.stringify(0.1), JSON.stringify('bp')]))!
    expect(line.mean.mean[0]).toBeCloseTo(0.1 + 1 + 30.5 / 100, 12)
    expect(line.mean.n[0]).toBe(60)
    small.store.close()
    large.store.close()
  })

  it('per-run lines of many runs share one point budget, so the reply stays bounded', () => {
    const lab = sweepLab('per-run', 30, 400)
    const spec = FigureSpec.parse({ runIds: lab.runIds, measures: ['weightAlignment'], groupBy: [] })
    const reply = compareRuns(lab.store, spec)
    expect(reply.comparison.groups).toHaveLength(240)
    // 240 curves of 400 points, within 200,000 points: every point kept
    expect(reply.comparison.panels[0].lines.every((l) => l.mean.xs.length === 400)).toBe(true)
    lab.store.close()
  })

  it('past 20 lines the legend summarises them by group: 240 per-run lines, 8 entries with their run counts, each run drawn in its entry’s colour', () => {
    const lab = sweepLab('legend', 30, 5)
    const spec = FigureSpec.parse({ runIds: lab.runIds, measures: ['weightAlignment'], groupBy: [] })
    const { comparison } = compareRuns(lab.store, spec)
    expect(comparison.legend!.map((e) => e.label)).toEqual(['BP λ = 0 (30 runs)', 'BP λ = 0.1 (30 runs)', 'BP λ = 0.3 (30 runs)', 'BP λ = 0.5 (30 runs)', 'FA λ = 0 (30 runs)', 'FA λ = 0.1 (30 runs)', 'FA λ = 0.3 (30 runs)', 'FA λ = 0.5 (30 runs)'])
    const figure = drawFigure(spec, comparison)
    expect(figure.lines).toHaveLength(8)
    const legends = figure.option.legend as { data: string[] }[]
    expect(legends.flatMap((l) => l.data)).toEqual(figure.lines.map((l) => l.label))
    const series = figure.option.series as { id: string; lineStyle?: { color: string } }[]
    const run = lab.store.getRun(lab.runIds[0])!
    const entry = figure.lines.find((l) => l.runIds.includes(run.id))!
    const hex = parseInt(entry.color.slice(1), 16)
    expect(series.find((s) => s.id === `line:weightAlignment:run ${run.id}`)!.lineStyle!.color).toBe(`rgba(${(hex >> 16) & 255}, ${(hex >> 8) & 255}, ${hex & 255}, 0.55)`)
    // the data keeps one line per run
    expect(new Set(figure.data.rows.map((r) => r[1])).size).toBe(240)
    // twenty lines or fewer: one entry each
    expect(compareRuns(lab.store, { ...spec, runIds: lab.runIds.slice(0, 20) }).comparison.legend).toBeNull()
    lab.store.close()
  })

  it('the request is validated in main like every request: a bad spec is refused with its field named', async () => {
    const lab = sweepLab('validated', 2, 5)
    const double = createLabDouble({ compareRuns: ({ spec, summary }) => compareRuns(lab.store, spec, summary) })
    await expect(double.lab.compareRuns({ spec: { runIds: [], measures: ['weightAlignment'] } })).rejects.toThrow(/invalid argument for compareRuns: spec.runIds/)
    lab.store.close()
  })
})

describe('every experiment opens on its natural figure', () => {
  it('an experiment opens grouped by its swept fields (the seed left out) with SD bands, on its alignment', async () => {
    const lab = sweepLab('natural', 3, 5)
    const { spec } = await naturalFigure(lab.store, { experimentId: lab.experimentId })
    expect(spec).toMatchObject({ kind: 'curves', name: 'natural', measures: ['weightAlignment'], groupBy: ['regularization.outputL2', 'rule'], band: 'sd' })
    expect(spec.runIds).toEqual(lab.runIds)
    // a choice of a few runs: one line each; of many: groups
    expect((await naturalFigure(lab.store, { runIds: lab.runIds.slice(0, 5) })).spec.groupBy).toEqual([])
    expect((await naturalFigure(lab.store, { runIds: lab.runIds })).spec.groupBy).toEqual(['regularization.outputL2', 'rule'])
    await expect(naturalFigure(lab.store, { experimentId: 99 })).rejects.toThrow(/no experiment with id 99/)
    lab.store.close()
  })

  it('a preset’s experiment opens on the preset’s own figure: Fig. 3’s two panels for song2021-mnist, Fig. 2’s panels per activation for song2021-width', async () => {
    const store = openStore(join(dir, 'presets.sqlite'))
    const mnist = queueExperiment(store, (await findPreset('song2021-mnist')).experiment)
    const fig3 = (await naturalFigure(store, { experimentId: mnist.experimentId })).spec
    expect(fig3).toMatchObject({ kind: 'curves', name: 'song2021-mnist', measures: ['signalAlignment', 'testAccuracy'], groupBy: ['regularization.outputL2'] })
    expect(fig3.runIds).toEqual(mnist.runIds)
    store.renameExperiment(mnist.experimentId, 'my Fig. 3')
    expect((await naturalFigure(store, { experimentId: mnist.experimentId })).spec.measures).toEqual(['signalAlignment', 'testAccuracy'])
    const width = queueExperiment(store, (await findPreset('song2021-width')).experiment)
    expect((await naturalFigure(store, { experimentId: width.experimentId })).spec).toMatchObject({ kind: 'sweep', sweepField: 'model.hidden', splitBy: 'model.activation', logX: true })
    store.close()
  })
})

describe('the screen draws what the exports draw', () => {
  it('useComparison asks main once, and its figure’s plotted numbers are the headless export’s CSV', async () => {
    const lab = sweepLab('screen', 25, 40)
    const double = createLabDouble({ naturalFigure: (request) => naturalFigure(lab.store, request), compareRuns: ({ spec, summary }) => compareRuns(lab.store, spec, summary) })
    const c = useComparison(double.lab)
    await c.openNatural({ experimentId: lab.experimentId })
    await nextTick()
    await new Promise((r) => setTimeout(r, 0))
    expect(c.comparison.value).not.toBeNull()
    expect(double.calls.map((call) => call.channel)).toEqual(['figures:natural', 'figures:compare'])
    const plain = JSON.parse(JSON.stringify(c.spec)) as FigureSpec
    const screen = drawFigure(plain, c.comparison.value!)
    const exported = await renderFigure(lab.store, plain, 'svg')
    expect(screen.data).toEqual(exported.figure.data)
    expect(screen.data.rows.length).toBe(8 * 40)
    expect(c.summary.value).toHaveLength(8)
    lab.store.close()
  })
})
