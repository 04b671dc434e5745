import { describe, expect, it, vi } from 'vitest'
import { computed, effectScope, nextTick, reactive, ref } from 'vue'
import type { SummaryRow } from '../../src-shared/analysis'
import type { RunDetail } from '../../src-shared/contract'
import type { FigureData } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import { base64ToBytes, useFigureExport } from '../../src-renderer/src/composables/useFigureExport'
import { useRunDeletion } from '../../src-renderer/src/composables/useRunDeletion'
import { useRunDetail } from '../../src-renderer/src/composables/useRunDetail'
import { useSavedComparisons } from '../../src-renderer/src/composables/useSavedComparisons'
import { useDatasets } from '../../src-renderer/src/composables/useDatasets'
import { useExperiments } from '../../src-renderer/src/composables/useExperiments'
import { usePresets } from '../../src-renderer/src/composables/usePresets'
import { LabError, type ExperimentSummary, type Preset } from '../../src-shared/contract'
import { createLabDouble } from './lab-double'

describe('the views\' I/O, in composables', () => {
  const summary = (id: number): ExperimentSummary => ({ id, name: `e${id}`, description: '', createdAt: '', runCount: 2, statusCounts: { queued: 2 }, activityCounts: {} })
  it('useExperiments lists newest first without asking for any run, follows the workers, and says why a cancel or the list failed', async () => {
    let failList = false
    const double = createLabDouble({
      listExperiments: () => {
        if (failList) throw new LabError('the lab file is locked')
        return [summary(1), summary(2)]
      },
      cancelExperiment: (id) => {
        throw new LabError(`experiment ${id} has finished`)
      },
    })
    const scope = effectScope()
    const io = scope.run(() => useExperiments(double.lab))!
    await io.refresh()
    expect(io.experiments.value.map((e) => e.id)).toEqual([2, 1])
    expect(double.calls.map((c) => c.channel)).not.toContain('runs:list')
    await io.cancel(2)
    expect(io.cancelError.value).toBe('Experiment 2 could not be cancelled: experiment 2 has finished')
    failList = true
    await io.refresh()
    expect(io.error.value).toBe('The experiments could not be listed: the lab file is locked')
    expect(io.experiments.value.map((e) => e.id)).toEqual([2, 1])
    expect(double.listenerCount('runProgress')).toBe(1)
    scope.stop()
    expect(double.listenerCount('runProgress')).toBe(0)
  })

  it('usePresets estimates each card, and says why a preset did not start or could not be estimated', async () => {
    const preset = (name: string): Preset => ({ name, title: name, description: '', source: '', experiment: { name, base: {} } })
    const double = createLabDouble({
      listPresets: () => [preset('a:quick'), preset('b:quick')],
      validateExperiment: (e) => {
        if (e.name === 'b:quick') throw new LabError('no calibration')
        return { ok: true, runCount: 3, issues: [], estimatedSeconds: 40, estimateBasis: 'from a 0.4 s calibration' }
      },
      startExperiment: () => {
        throw new LabError('the queue is full')
      },
    })
    const io = usePresets(double.lab)
    await io.load()
    await io.estimate()
    expect(io.sizes.value.get('a:quick')).toEqual({ runCount: 3, seconds: 40 })
    expect(io.basis.value).toBe('from a 0.4 s calibration')
    expect(io.error.value).toBe('b:quick could not be estimated: no calibration')
    expect(await io.start(io.presets.value[0])).toBeNull()
    expect(io.startError.value).toBe('a:quick could not start: the queue is full')
  })

  it('usePresets stops estimating when its page is left: no estimate is asked after the scope ends', async () => {
    const preset = (name: string): Preset => ({ name, title: name, description: '', source: '', experiment: { name, base: {} } })
    let scope = effectScope()
    const double = createLabDouble({
      listPresets: () => [preset('a'), preset('b'), preset('c')],
      validateExperiment: () => {
        // the page is left while the first estimate is on its way
        scope.stop()
        return { ok: true, runCount: 1, issues: [], estimatedSeconds: 1 }
      },
    })
    const io = scope.run(() => usePresets(double.lab))!
    await io.load()
    await io.estimate()
    expect(double.calls.filter((c) => c.channel === 'experiments:validate')).toHaveLength(1)
    scope = effectScope()
    const staying = scope.run(() => usePresets(double.lab))!
    await staying.load()
    scope = effectScope() // validateExperiment stops this fresh scope, not the one `staying` lives in
    await staying.estimate()
    expect(double.calls.filter((c) => c.channel === 'experiments:validate')).toHaveLength(4)
  })

  it('useDatasets says why listing, sample images or a download failed', async () => {
    const entry = { kind: 'mnist' as const, source: 'bundled' as const, trainSize: 10, testSize: 10, bytes: 1, configSource: 'bundled' as const }
    const double = createLabDouble({
      listDatasets: () => [entry],
      getDatasetSamples: () => {
        throw new LabError('the bundled file is damaged')
      },
      downloadDataset: () => {
        throw new LabError('no network')
      },
    })
    const scope = effectScope()
    const io = scope.run(() => useDatasets(double.lab))!
    await io.refresh()
    expect(io.datasets.value).toHaveLength(1)
    await io.show(entry)
    expect(io.error.value).toBe('The images of mnist could not be read: the bundled file is damaged')
    expect(io.samples.value).toBeNull()
    await io.startDownload('fashion-mnist')
    expect(io.download.value).toMatchObject({ kind: 'fashion-mnist', done: true, error: 'no network' })
    scope.stop()
  })

  it('useFigureExport saves main\'s rendered bytes, the plotted numbers and the summary, named after the comparison and its panels', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 255])
    const double = createLabDouble({ renderFigure: () => ({ base64: Buffer.from(png).toString('base64'), mimeType: 'image/png', csv: '', json: '' }) })
    const spec = reactive(FigureSpec.parse({ runIds: [1, 2], measure: 'weightAlignment' }))
    const data = ref<FigureData | null>(null)
    const summary = ref<SummaryRow[]>([{ label: 'λ=0.1', runIds: [1, 2], final: 0.5, best: 0.6, min: 0.1, max: 0.6 } as SummaryRow])
    const files: { name: string; data: unknown; mimeType: string }[] = []
    const scope = effectScope()
    const name = ref('lambda sweep')
    const io = scope.run(() => useFigureExport(double.lab, { spec, name, data, summary }, { save: (file, bytes, mimeType) => files.push({ name: file, data: bytes, mimeType }) }))!
    io.pixelRatio.value = 3
    await io.exportFigure('png')
    expect(io.status.value).toBe('exported PNG')
    expect(double.calls.at(-1)).toMatchObject({ argument: { format: 'png', pixelRatio: 3, spec: { measures: ['weightAlignment'], runIds: [1, 2], name: 'lambda sweep' } } })
    expect(files[0]).toMatchObject({ name: 'lambda-sweep-weightAlignment.png', mimeType: 'image/png' })
    expect(Array.from(files[0].data as Uint8Array)).toEqual(Array.from(png))
    io.exportData('csv')
    expect(files).toHaveLength(1) // nothing plotted yet
    data.value = { header: ['step', 'run 1'], rows: [[0, 0.25]] } as FigureData
    io.exportData('csv')
    io.exportData('json')
    io.exportSummary()
    expect(files.slice(1).map((f) => [f.name, f.mimeType])).toEqual([
      ['lambda-sweep-weightAlignment.csv', 'text/csv'],
      ['lambda-sweep-weightAlignment.json', 'application/json'],
      ['lambda-sweep-weightAlignment-summary.csv', 'text/csv'],
    ])
    expect(String(files[1].data)).toContain('step,run 1')
    expect(JSON.parse(String(files[2].data)).rows).toEqual([[0, 0.25]])
    expect(String(files[3].data)).toContain('λ=0.1,1 2,0.5,0.6,0.1,0.6')
    scope.stop()
  })

  it('useFigureExport reports a failed render in its status', async () => {
    const double = createLabDouble({ renderFigure: () => { throw new Error('no runs to plot') } })
    const io = useFigureExport(double.lab, { spec: FigureSpec.parse({ runIds: [1], measure: 'trainLoss' }), data: computed(() => null), summary: ref([]) }, { save: () => expect.fail('nothing to save') })
    await io.exportFigure('svg')
    expect(io.status.value).toMatch(/no runs to plot/)
  })

  it('base64ToBytes keeps every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(Array.from(base64ToBytes(Buffer.from(all).toString('base64')))).toEqual(Array.from(all))
  })

  it('useRunDeletion offers undo for its window, restores on undo, and its timer ends with the scope', async () => {
    vi.useFakeTimers()
    try {
      const trash = new Set<number>()
      const double = createLabDouble({
        deleteRuns: (ids) => ids.forEach((id) => trash.add(id)),
        restoreRuns: (ids) => ids.forEach((id) => trash.delete(id)),
      })
      let refreshes = 0
      const scope = effectScope()
      const d = scope.run(() => useRunDeletion(double.lab, () => void refreshes++, 1000))!
      expect(await d.deleteRuns([])).toBe(false)
      expect(await d.deleteRuns([1, 2])).toBe(true)
      expect([[...trash], d.undo.value, refreshes]).toEqual([[1, 2], { ids: [1, 2] }, 1])
      await vi.advanceTimersByTimeAsync(999)
      expect(d.undo.value).not.toBeNull()
      await vi.advanceTimersByTimeAsync(1)
      expect(d.undo.value).toBeNull()

      await d.deleteRuns([3])
      await d.undoDelete()
      expect([[...trash], d.undo.value, refreshes]).toEqual([[1, 2], null, 3])

      await d.deleteRuns([4])
      expect(vi.getTimerCount()).toBe(1)
      scope.stop()
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('useRunDeletion shows why main refused, keeping nothing to undo', async () => {
    const double = createLabDouble({ deleteRuns: () => { throw new Error('runs 5 are queued or training: cancel them first') } })
    const d = useRunDeletion(double.lab, () => {})
    expect(await d.deleteRuns([5])).toBe(false)
    expect(d.error.value).toMatch(/queued or training/)
    expect(d.undo.value).toBeNull()
  })

  it('useSavedComparisons saves under the trimmed name and lists the result', async () => {
    const stored = new Map<string, unknown>()
    const double = createLabDouble({
      saveComparison: ({ name, spec }) => void stored.set(name, spec),
      listComparisons: () => [...stored].map(([name, spec]) => ({ name, spec, updatedAt: 'now' })) as never,
    })
    const status = ref('')
    const s = useSavedComparisons(double.lab, { status })
    const spec = FigureSpec.parse({ runIds: [3], measure: 'trainLoss' })
    await s.save(spec)
    expect(stored.size).toBe(0) // no name, nothing saved
    s.saveName.value = '  fig 2  '
    await s.save(spec)
    expect(s.saved.value.map((c) => c.name)).toEqual(['fig 2'])
    expect(status.value).toBe("saved as 'fig 2'")
  })

  it('useRunDetail loads the run, saves tags and note, confirms for its window, and reloads when the run finishes', async () => {
    vi.useFakeTimers()
    try {
      const record = { id: 4, tags: ['a'], note: 'first', status: 'running' } as RunDetail
      let loads = 0
      const double = createLabDouble({
        getRun: () => (loads++, { ...record }),
        getWeightImages: () => null,
        getTheorySpectra: () => null,
        setRunTags: ({ tags }) => void (record.tags = tags),
        setRunNote: ({ note }) => void (record.note = note),
      })
      const scope = effectScope()
      const d = scope.run(() => useRunDetail(double.lab, ref(4), 500))!
      await vi.advanceTimersByTimeAsync(0)
      expect([d.tags.value, d.note.value, loads]).toEqual(['a', 'first', 1])
      d.tags.value = ' x, ,y '
      d.note.value = 'second'
      await d.saveAnnotations()
      expect([record.tags, record.note, d.saved.value]).toEqual([['x', 'y'], 'second', 'saved'])
      await vi.advanceTimersByTimeAsync(500)
      expect(d.saved.value).toBe('')
      double.emit('runFinished', { runId: 5, experimentId: 1, status: 'completed', error: null, finalMetrics: null })
      double.emit('runFinished', { runId: 4, experimentId: 1, status: 'completed', error: null, finalMetrics: null })
      await vi.advanceTimersByTimeAsync(0)
      expect(loads).toBe(2)
      await d.saveAnnotations()
      scope.stop()
      expect(vi.getTimerCount()).toBe(0)
      expect(double.listenerCount('runFinished')).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('useRunDetail resumes an interrupted run from its checkpoint, and shows why one cannot be resumed', async () => {
    const record = { id: 6, tags: [], note: '', status: 'interrupted', resumeFrom: 1500 } as unknown as RunDetail
    const resumed: number[] = []
    const double = createLabDouble({
      getRun: () => ({ ...record }),
      getWeightImages: () => null,
      getTheorySpectra: () => null,
      resumeRun: (id) => {
        if (record.resumeFrom === null) throw new Error(`run ${id} cannot be resumed: it has no checkpoint`)
        resumed.push(id)
        Object.assign(record, { status: 'queued', resumeFrom: null })
      },
    })
    const scope = effectScope()
    const d = scope.run(() => useRunDetail(double.lab, ref(6)))!
    await nextTick()
    await d.load()
    expect(d.run.value?.resumeFrom).toBe(1500)
    await d.resume()
    expect(resumed).toEqual([6])
    expect(d.run.value).toMatchObject({ status: 'queued', resumeFrom: null })
    expect(d.resumeError.value).toBe('')
    await d.resume()
    expect(d.resumeError.value).toMatch(/run 6 cannot be resumed: it has no checkpoint/)
    scope.stop()
  })
})
