import { describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { parseRunConfig } from '../../src-shared/config'
import type { RunSummary, SeriesData } from '../../src-shared/contract'
import { useExperimentEditor } from '../../src-renderer/src/composables/useExperimentEditor'
import { useLiveSeries } from '../../src-renderer/src/composables/useLiveSeries'
import { useRuns } from '../../src-renderer/src/composables/useRuns'
import { createLabDouble } from './lab-double'

const flush = () => new Promise((r) => setTimeout(r, 0))
const run = (id: number, status: RunSummary['status'] = 'completed'): RunSummary => ({
  id,
  experimentId: 1,
  name: `run ${id}`,
  status,
  rule: 'fa',
  seed: 1,
  backend: 'blas',
  stepsDone: 10,
  totalSteps: 10,
  durationMs: 5,
  startedAt: null,
  error: null,
  finalMetrics: { trainLoss: 0.1 },
  stopReason: null,
  parameters: {},
  tags: [],
  note: '',
})

describe('renderer composables against the typed test double', () => {
  it('useRuns loads, refreshes when a run finishes, and unsubscribes with its scope', async () => {
    vi.useFakeTimers()
    let stored = [run(1)]
    const double = createLabDouble({ listRuns: () => stored })
    const scope = effectScope()
    const { runs } = scope.run(() => useRuns(double.lab))!
    await vi.advanceTimersByTimeAsync(0)
    expect(runs.value.map((r) => r.id)).toEqual([1])
    stored = [run(1), run(2)]
    double.emit('runFinished', { runId: 2, experimentId: 1, status: 'completed', error: null, finalMetrics: null })
    await vi.advanceTimersByTimeAsync(600)
    expect(runs.value.map((r) => r.id)).toEqual([1, 2])
    expect(double.listenerCount('runFinished')).toBe(1)
    scope.stop()
    expect(double.listenerCount('runFinished')).toBe(0)
    expect(double.listenerCount('runProgress')).toBe(0)
    vi.useRealTimers()
  })

  it('useLiveSeries loads stored series, then appends progress points for its run only', async () => {
    const stored: SeriesData = { runId: 7, name: 'trainLoss', steps: [0, 10], values: [1, 0.5], wallTimesMs: [0, 1] }
    const double = createLabDouble({
      getRun: (id) => ({ ...run(id, 'running'), config: parseRunConfig({ data: { kind: 'synthetic', n: 4, inputDim: 2 }, model: { kind: 'two-layer', hidden: 3 }, rule: 'fa', optimizer: { learningRate: 0.1 }, steps: 10 }), dataset: null, metricNames: ['trainLoss'], resumeFrom: null }),
      getMetricSeries: ({ runIds, name }) => runIds.map(() => ({ ...stored, name })),
    })
    const scope = effectScope()
    const live = scope.run(() => useLiveSeries(double.lab, ref(7), 10))!
    await flush()
    await flush()
    expect(live.series.get('trainLoss')).toEqual([[0, 1], [10, 0.5]])
    const progress = { experimentId: 1, status: 'running' as const, totalSteps: 100, runsDone: 0, runsTotal: 1, etaMs: null }
    double.emit('runProgress', { ...progress, runId: 7, step: 20, metrics: { trainLoss: 0.25, weightAlignment: 0.3 } })
    double.emit('runProgress', { ...progress, runId: 8, step: 30, metrics: { trainLoss: 9 } })
    double.emit('runProgress', { ...progress, runId: 7, step: 20, metrics: { trainLoss: 0.2 } }) // same step: ignored
    expect(live.series.get('trainLoss')).toEqual([[0, 1], [10, 0.5], [20, 0.25]])
    expect(live.names.value).toEqual(['trainLoss', 'weightAlignment'])
    const before = live.version.value
    await new Promise((r) => setTimeout(r, 30))
    expect(live.version.value).toBeGreaterThan(before)
    scope.stop()
  })

  it('useExperimentEditor keeps a preset’s variants, linked axes and shared initialisation, counts them live and sends them', async () => {
    const double = createLabDouble({
      validateExperiment: () => ({ ok: true, runCount: 0, issues: [] }),
      startExperiment: () => ({ experimentId: 1, runIds: [] }),
    })
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab))!
    const variants = [{ name: 'a', set: { 'model.activation': 'tanh' }, grid: { 'regularization.outputL2': [0, 0.1, 0.2] } }, { name: 'b', grid: { 'regularization.outputL2': [0, 0.5] } }]
    editor.loadPreset({ name: 'p:quick', title: 'p', description: '', source: '', experiment: { name: 'p', base: {}, grid: { seed: [1, 2] }, variants, zip: { 'model.hidden': [10, 20], steps: [5, 6] }, sharedInit: true } })
    expect(editor.runCount.value).toBe((3 + 2) * 2 * 2)
    editor.zipText.value = '{"model.hidden": [10, 20, 40], "steps": [5, 6, 7]}'
    expect(editor.runCount.value).toBe((3 + 2) * 2 * 3)
    await editor.start()
    const sent = double.calls.find((c) => c.channel === 'experiments:start')!.argument as Record<string, unknown>
    expect(sent).toMatchObject({ variants, zip: { 'model.hidden': [10, 20, 40] }, sharedInit: true })
    editor.variantsText.value = '[{'
    expect(editor.otherIssues.value[0]).toMatch(/^variants: not JSON/)
    scope.stop()
  })

  it('useExperimentEditor maps validation issues to fields and grid axes, and starts only when valid', async () => {
    const double = createLabDouble({
      validateExperiment: (e) => {
        const experiment = e as { base: { optimizer?: { learningRate?: number } }; grid: Record<string, unknown[]> }
        const issues = []
        if ((experiment.base.optimizer?.learningRate ?? 1) <= 0) issues.push({ path: 'base.optimizer.learningRate', message: 'Too small: expected number to be >0' })
        if ('nope' in experiment.grid) issues.push({ path: 'grid.nope', message: 'unknown config path' })
        return { ok: issues.length === 0, runCount: issues.length ? 0 : 2, issues }
      },
      startExperiment: () => ({ experimentId: 3, runIds: [5, 6] }),
    })
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab))!
    editor.set('optimizer.learningRate', -1)
    editor.rows.value = [...editor.rows.value, { path: 'nope', values: '1' }]
    await nextTick()
    await editor.validate()
    expect(editor.fieldIssues.value).toEqual({ 'optimizer.learningRate': 'Learning rate η must be greater than 0' })
    expect(editor.gridIssues.value).toEqual(['grid.nope: unknown config path'])
    expect(await editor.start()).toBeNull()
    expect(double.calls.some((c) => c.channel === 'experiments:start')).toBe(false)
    editor.set('optimizer.learningRate', 0.01)
    editor.rows.value = editor.rows.value.filter((r) => r.path !== 'nope')
    expect(await editor.start()).toEqual({ experimentId: 3, runIds: [5, 6] })
    const sent = double.calls.find((c) => c.channel === 'experiments:start')!.argument as { grid: Record<string, unknown[]> }
    expect(sent.grid).toEqual({ 'regularization.outputL2': [0, 0.2] })
    scope.stop()
  })

  it('useExperimentEditor counts the grid as it is typed and refuses to start above the limit', async () => {
    const double = createLabDouble({
      validateExperiment: () => ({ ok: true, runCount: 2, issues: [], maxRuns: 50, warnings: [] }),
      startExperiment: () => ({ experimentId: 3, runIds: [5, 6] }),
    })
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab))!
    await editor.validate()
    editor.rows.value = [
      { path: 'seed', values: Array.from({ length: 10 }, (_, i) => i).join(', ') },
      { path: 'regularization.outputL2', values: '0, 0.1, 0.2, 0.3, 0.4, 0.5' },
    ]
    expect(editor.runCount.value).toBe(60)
    expect(editor.maxRuns.value).toBe(50)
    expect(editor.overLimit.value).toBe(true)
    expect(await editor.start()).toBeNull()
    expect(double.calls.some((c) => c.channel === 'experiments:start')).toBe(false)
    editor.rows.value = [{ path: 'seed', values: '1, 2' }]
    expect(editor.overLimit.value).toBe(false)
    scope.stop()
  })

  it('useExperimentEditor keeps the draft across a reload and knows when the form holds edits', async () => {
    const double = createLabDouble({ validateExperiment: () => ({ ok: true, runCount: 2, issues: [] }) })
    const kept = new Map<string, string>()
    const storage = { getItem: (k: string) => kept.get(k) ?? null, setItem: (k: string, v: string) => void kept.set(k, v) }
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab, storage))!
    expect(editor.edited.value).toBe(false)
    editor.set('optimizer.learningRate', 0.003)
    editor.name.value = 'my sweep'
    await nextTick()
    expect(editor.edited.value).toBe(true)
    scope.stop()
    const again = effectScope()
    const reloaded = again.run(() => useExperimentEditor(double.lab, storage))!
    expect(reloaded.name.value).toBe('my sweep')
    expect((reloaded.base.optimizer as { learningRate: number }).learningRate).toBe(0.003)
    expect(reloaded.edited.value).toBe(true)
    reloaded.loadPreset({ name: 'p:quick', title: 'P', description: '', source: '', experiment: { name: 'p', base: { seed: 1 }, grid: { rule: ['fa', 'bp'] } } })
    expect(reloaded.edited.value).toBe(false)
    expect(reloaded.experiment.value.grid).toEqual({ rule: ['fa', 'bp'] })
    // a preset's variants, linked axes and sharedInit travel with the experiment untouched
    const variants = [{ name: 'relu', set: { 'model.activation': 'relu' } }]
    reloaded.loadPreset({ name: 'w:quick', title: 'W', description: '', source: '', experiment: { name: 'w', base: { seed: 1 }, grid: { seed: [1, 2] }, variants, zip: { 'model.hidden': [200, 800] }, sharedInit: true } })
    expect(reloaded.experiment.value).toMatchObject({ grid: { seed: [1, 2] }, variants, zip: { 'model.hidden': [200, 800] }, sharedInit: true })
    expect(reloaded.edited.value).toBe(false)
    reloaded.loadPreset({ name: 'p:quick', title: 'P', description: '', source: '', experiment: { name: 'p', base: { seed: 1 } } })
    expect(reloaded.experiment.value).not.toHaveProperty('variants')
    again.stop()
  })

  it('the double validates arguments with the shared schemas, like main does', async () => {
    const double = createLabDouble({ getRun: () => ({}) as never })
    await expect(double.lab.getRun(-1)).rejects.toThrow(/invalid argument for getRun/)
  })
})
