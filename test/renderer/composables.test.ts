import { describe, expect, it, vi } from 'vitest'
import { effectScope, isProxy, nextTick, ref } from 'vue'
import { parseRunConfig } from '../../src-shared/config'
import { LabError, type DatasetKind, type RunSummary, type SeriesData } from '../../src-shared/contract'
import { packRunSummaries } from '../../src-shared/run-list'
import { useDebounce } from '../../src-renderer/src/composables/useDebounce'
import { useExperimentEditor } from '../../src-renderer/src/composables/useExperimentEditor'
import { useFolderChoice } from '../../src-renderer/src/composables/useFolderChoice'
import { useLiveSeries } from '../../src-renderer/src/composables/useLiveSeries'
import { useRename } from '../../src-renderer/src/composables/useRename'
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
  trainingPath: 'dense',
  stepsDone: 10,
  totalSteps: 10,
  activity: null,
  durationMs: 5,
  startedAt: null,
  error: null,
  finalMetrics: { trainLoss: 0.1 },
  stopReason: null,
  config: parseRunConfig({ seed: 1, rule: 'fa', data: { kind: 'synthetic', n: 5, inputDim: 2 }, model: { kind: 'two-layer', hidden: 3 }, optimizer: { learningRate: 0.1 }, steps: 10 }),
  tags: [],
  note: '',
  renamed: false,
})

describe('renderer composables against the typed test double', () => {
  it('useRuns loads, refreshes when a run finishes, and unsubscribes with its scope', async () => {
    vi.useFakeTimers()
    let stored = [run(1)]
    const double = createLabDouble({ listRuns: () => packRunSummaries(stored) })
    const scope = effectScope()
    const { runs } = scope.run(() => useRuns(double.lab))!
    await vi.advanceTimersByTimeAsync(0)
    expect(runs.value.map((r) => r.id)).toEqual([1])
    stored = [run(1), run(2)]
    double.emit('runFinished', { runId: 2, experimentId: 1, status: 'completed', error: null, finalMetrics: null })
    await vi.advanceTimersByTimeAsync(600)
    expect(runs.value.map((r) => r.id)).toEqual([1, 2])
    // each run with its whole config, unpacked from runs:list's answer
    expect(runs.value.map((r) => r.config)).toEqual(stored.map((r) => r.config))
    // the runs and their configs stay plain objects (10,000 of them): no proxy per run or per config
    expect(isProxy(runs.value)).toBe(false)
    expect(isProxy(runs.value[0])).toBe(false)
    expect(isProxy(runs.value[0].config)).toBe(false)
    expect(double.listenerCount('runFinished')).toBe(1)
    scope.stop()
    expect(double.listenerCount('runFinished')).toBe(0)
    expect(double.listenerCount('runProgress')).toBe(0)
    vi.useRealTimers()
  })

  it('useDebounce calls once after a burst goes quiet, cancel drops the call, and nothing runs after its scope', async () => {
    vi.useFakeTimers()
    let calls = 0
    const scope = effectScope()
    const soon = scope.run(() => useDebounce(() => calls++, 300))!
    for (let i = 0; i < 5; i++) {
      soon.schedule()
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(calls).toBe(0)
    await vi.advanceTimersByTimeAsync(300)
    expect(calls).toBe(1)
    soon.schedule()
    soon.cancel()
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toBe(1)
    soon.schedule()
    scope.stop()
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toBe(1)
    vi.useRealTimers()
  })

  it('useLiveSeries loads stored series, then appends progress points for its run only', async () => {
    const stored: SeriesData = { runId: 7, name: 'trainLoss', steps: [0, 10], values: [1, 0.5], wallTimesMs: [0, 1], next: null }
    const double = createLabDouble({
      getRun: (id) => ({ ...run(id, 'running'), config: parseRunConfig({ data: { kind: 'synthetic', n: 4, inputDim: 2 }, model: { kind: 'two-layer', hidden: 3 }, rule: 'fa', optimizer: { learningRate: 0.1 }, steps: 10 }), dataset: null, metricNames: ['trainLoss'], resumeFrom: null }),
      getMetricSeries: ({ runIds, name }) => runIds.map(() => ({ ...stored, name })),
    })
    const scope = effectScope()
    const live = scope.run(() => useLiveSeries(double.lab, ref(7), 10))!
    await flush()
    await flush()
    expect(live.series.get('trainLoss')).toEqual([[0, 1], [10, 0.5]])
    const progress = { experimentId: 1, status: 'running' as const, activity: 'training' as const, totalSteps: 100, runsDone: 0, runsTotal: 1, etaMs: null }
    double.emit('runProgress', { ...progress, runId: 7, step: 20, metrics: { trainLoss: 0.25, weightAlignment: 0.3 }, metricsStep: 20 })
    double.emit('runProgress', { ...progress, runId: 8, step: 30, metrics: { trainLoss: 9 }, metricsStep: 30 })
    double.emit('runProgress', { ...progress, runId: 7, step: 20, metrics: { trainLoss: 0.2 }, metricsStep: 20 }) // same step: ignored
    // training moved on past the last evaluation: its measures stay at the step they were taken,
    // the chart ends there (no plateau out to step 27 that was never measured)
    double.emit('runProgress', { ...progress, runId: 7, step: 27, metrics: { trainLoss: 0.25, weightAlignment: 0.3 }, metricsStep: 20 })
    expect(live.series.get('trainLoss')).toEqual([[0, 1], [10, 0.5], [20, 0.25]])
    double.emit('runProgress', { ...progress, runId: 7, step: 34, metrics: { trainLoss: 0.22 }, metricsStep: 30 })
    expect(live.series.get('trainLoss')).toEqual([[0, 1], [10, 0.5], [20, 0.25], [30, 0.22]])
    expect(live.names.value).toEqual(['trainLoss', 'weightAlignment'])
    const before = live.version.value
    await new Promise((r) => setTimeout(r, 30))
    expect(live.version.value).toBeGreaterThan(before)
    scope.stop()
  })

  it('useExperimentEditor: choosing image data sets Outputs to its class count (10 for MNIST, the classes kept otherwise)', () => {
    const double = createLabDouble({ validateExperiment: () => ({ ok: true, runCount: 1, issues: [] }) })
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab))!
    expect((editor.base.model as { outputs?: number }).outputs).toBeUndefined()
    editor.set('data.kind', 'mnist')
    expect((editor.base.model as { outputs?: number }).outputs).toBe(10)
    editor.set('data.classes', [3, 8])
    expect((editor.base.model as { outputs?: number }).outputs).toBe(2)
    // another image set keeps the chosen classes
    editor.set('data.kind', 'fashion-mnist')
    expect((editor.base.model as { outputs?: number }).outputs).toBe(2)
    editor.set('data.classes', undefined)
    expect((editor.base.model as { outputs?: number }).outputs).toBe(10)
    // other data fields leave a chosen Outputs alone
    editor.set('model.outputs', 10)
    editor.set('data.normalize', 'unit')
    expect((editor.base.model as { outputs?: number }).outputs).toBe(10)
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
    // the variants and linked fields are picked rows, with the preset's values
    expect(editor.variants.value[0]).toEqual({ name: 'a', set: [{ path: 'model.activation', value: 'tanh' }], grid: [{ path: 'regularization.outputL2', values: '0, 0.1, 0.2' }] })
    expect(editor.zipRows.value.map((r) => r.path)).toEqual(['model.hidden', 'steps'])
    // a linked field one value short: said plainly, and nothing starts
    editor.zipRows.value = [{ path: 'model.hidden', values: '10, 20, 40' }, editor.zipRows.value[1]]
    expect(editor.zipIssue.value).toBe('Linked fields must have the same number of values, since the i-th values go together: Hidden width p has 3, Steps has 2')
    expect(await editor.start()).toBeNull()
    expect(double.calls.some((c) => c.channel === 'experiments:start')).toBe(false)
    editor.zipRows.value = [editor.zipRows.value[0], { path: 'steps', values: '', range: { from: 5, to: 7, count: 3, scale: 'linear' } }]
    expect(editor.zipIssue.value).toBeNull()
    expect(editor.runCount.value).toBe((3 + 2) * 2 * 3)
    await editor.start()
    const sent = double.calls.find((c) => c.channel === 'experiments:start')!.argument as Record<string, unknown>
    expect(sent).toMatchObject({ variants, zip: { 'model.hidden': [10, 20, 40], steps: [5, 6, 7] }, sharedInit: true })
    scope.stop()
  })

  it('useExperimentEditor: the advanced JSON view shows what the picked fields say, and applying it changes them; a fault there changes nothing', async () => {
    const double = createLabDouble({ validateExperiment: () => ({ ok: true, runCount: 0, issues: [] }) })
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab, null))!
    editor.variants.value = [{ name: 'relu', set: [{ path: 'model.activation', value: 'relu' }, { path: 'optimizer.learningRate', value: '0.01' }], grid: [] }]
    editor.zipRows.value = [{ path: 'model.hidden', values: '200 800' }, { path: 'data.teacherWidth', values: '200, 800' }]
    expect(JSON.parse(editor.advancedJson.value)).toEqual({ variants: [{ name: 'relu', set: { 'model.activation': 'relu', 'optimizer.learningRate': 0.01 }, grid: {} }], zip: { 'model.hidden': [200, 800], 'data.teacherWidth': [200, 800] } })
    editor.applyJson('{"variants": [{"name": "tanh", "set": {"model.activation": "tanh"}, "grid": {"regularization.outputL2": [0, 0.005]}}], "zip": {}}')
    expect(editor.jsonIssue.value).toBeNull()
    expect(editor.variants.value).toEqual([{ name: 'tanh', set: [{ path: 'model.activation', value: 'tanh' }], grid: [{ path: 'regularization.outputL2', values: '0, 0.005' }] }])
    expect(editor.zipRows.value).toEqual([])
    expect(editor.experiment.value).not.toHaveProperty('zip')
    editor.applyJson('{"variants": [')
    expect(editor.jsonIssue.value).toMatch(/^Not applied: /)
    editor.applyJson('{"zip": {"model.hidden": 3}}')
    expect(editor.jsonIssue.value).toBe('Not applied: "zip" must map each field to a list of values')
    expect(editor.variants.value.map((v) => v.name)).toEqual(['tanh'])
    scope.stop()
  })

  it('useExperimentEditor names a variant’s faults by the variant’s number and name and the field’s label', async () => {
    const double = createLabDouble({
      validateExperiment: () => ({
        ok: false,
        runCount: 0,
        issues: [
          { path: 'variants[1].set.optimizer.learningRate = -1', message: 'Too small: expected number to be >0' },
          { path: 'variants[0].grid.model.hiden', message: 'unknown config path' },
          { path: 'zip.model.hidden = 0', message: 'Too small: expected number to be >=1' },
        ],
      }),
    })
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab, null))!
    editor.variants.value = [{ name: '', set: [], grid: [] }, { name: 'relu', set: [], grid: [] }]
    await editor.validate()
    expect(editor.variantIssues.value).toEqual(['Variant 2 “relu”: Learning rate η must be greater than 0, not -1', 'Variant 1: No field named “model.hiden”: pick one from the list'])
    expect(editor.zipIssues.value).toEqual(['Hidden width p must be at least 1 unit, not 0'])
    expect(editor.otherIssues.value).toEqual([])
    scope.stop()
  })

  it('useExperimentEditor reads a draft kept when variants and linked axes were JSON text', () => {
    const double = createLabDouble({ validateExperiment: () => ({ ok: true, runCount: 0, issues: [] }) })
    const old = { name: 'old', description: '', base: {}, rows: [], pristine: '', kept: { variantsText: '[{"name": "a", "set": {"seed": 3}}]', zipText: '{"model.hidden": [1, 2]}' } }
    const storage = { getItem: () => JSON.stringify(old), setItem: () => undefined }
    const scope = effectScope()
    const editor = scope.run(() => useExperimentEditor(double.lab, storage))!
    expect(editor.experiment.value).toMatchObject({ variants: [{ name: 'a', set: { seed: 3 }, grid: {} }], zip: { 'model.hidden': [1, 2] } })
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
    expect(editor.gridIssues.value).toEqual(['No field named “nope”: pick one from the list'])
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

  it('useFolderChoice: the desktop window’s dialog, then an import that names a bad folder; browser mode offers no dialog', async () => {
    let chosen: string | null = '/data/fashion'
    const double = createLabDouble({
      getLabInfo: () => ({ labPath: '/l.sqlite', mode: 'electron', workers: 1 }),
      chooseFolder: () => chosen,
      importDatasetFolder: ({ kind, dir }: { kind: DatasetKind; dir: string }) => {
        if (dir !== '/data/fashion') throw new LabError(`${dir} has no train-images-idx3-ubyte(.gz)`)
        return { kind, source: 'folder', path: dir, trainSize: 60000, testSize: 10000, bytes: 1, configSource: { dir } }
      },
    })
    const scope = effectScope()
    const folder = scope.run(() => useFolderChoice(double.lab))!
    await flush()
    expect(folder.desktop.value).toBe(true)
    expect(await folder.choose('fashion-mnist')).toMatchObject({ configSource: { dir: '/data/fashion' } })
    expect(folder.message.value).toBe('Imported fashion-mnist from /data/fashion: 60,000 training and 10,000 test images.')
    expect(double.calls.find((c) => c.channel === 'datasets:import')!.argument).toEqual({ kind: 'fashion-mnist', dir: '/data/fashion' })
    chosen = '/tmp/empty'
    expect(await folder.choose('mnist')).toBeNull()
    expect(folder.error.value).toBe('/tmp/empty has no train-images-idx3-ubyte(.gz)')
    expect(folder.message.value).toBeNull()
    chosen = null // cancelled: nothing imported, nothing said
    const imports = double.calls.filter((c) => c.channel === 'datasets:import').length
    expect(await folder.choose('mnist')).toBeNull()
    expect(double.calls.filter((c) => c.channel === 'datasets:import')).toHaveLength(imports)
    expect(folder.error.value).toBeNull()
    scope.stop()
    const browser = createLabDouble({ getLabInfo: () => ({ labPath: '/l.sqlite', mode: 'browser', workers: 1 }) })
    const inBrowser = effectScope().run(() => useFolderChoice(browser.lab))!
    await flush()
    expect(inBrowser.desktop.value).toBe(false)
  })

  it('the double validates arguments with the shared schemas, like main does', async () => {
    const double = createLabDouble({ getRun: () => ({}) as never })
    await expect(double.lab.getRun(-1)).rejects.toThrow(/invalid argument for getRun/)
  })
})

describe('useRename', () => {
  it('keeps a refusal’s message until the next try, and shows the stored name either way', async () => {
    const stored = new Map<number, string>([[3, 'run 3']])
    const changed = vi.fn()
    const { error, rename } = useRename(async (id: number, name: string) => {
      if (name.length > 200) throw new LabError(`A name has at most 200 characters; this one has ${name.length}.`)
      stored.set(id, name)
    }, changed)
    await rename(3, 'x'.repeat(201))
    expect(error.value).toBe('A name has at most 200 characters; this one has 201.')
    expect(stored.get(3)).toBe('run 3')
    expect(changed).toHaveBeenCalledTimes(1)
    await rename(3, 'strong feedback')
    expect(error.value).toBe('')
    expect(stored.get(3)).toBe('strong feedback')
    expect(changed).toHaveBeenCalledTimes(2)
  })
})
