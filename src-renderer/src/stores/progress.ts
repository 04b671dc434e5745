import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { RunProgress } from '../../../src-shared/contract'

/** The latest progress of every run that reported any, shared by all views. */
export const useProgressStore = defineStore('progress', () => {
  const byRun = reactive(new Map<number, RunProgress>())
  const byExperiment = reactive(new Map<number, { runsDone: number; runsTotal: number; etaMs: number | null }>())

  function record(progress: RunProgress): void {
    byRun.set(progress.runId, progress)
    if (progress.experimentId !== null) byExperiment.set(progress.experimentId, { runsDone: progress.runsDone, runsTotal: progress.runsTotal, etaMs: progress.etaMs })
  }

  return { byRun, byExperiment, record }
})
