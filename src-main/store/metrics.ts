/**
 * Metric series. They are stored in chunks, one row per (run, measure, flush) holding the steps,
 * values and wall times of that flush as little-endian float64 blobs: a chart's read of 50 runs
 * × 30,000 points touches a few hundred rows instead of 1.5 million. A finished run's chunks are
 * compacted into one per measure.
 */
import type { Db } from './connection'

export interface MetricPoint {
  step: number
  value: number
  wallTimeMs: number
}

export interface MetricSeries {
  runId: number
  name: string
  steps: Float64Array
  values: Float64Array
  wallTimesMs: Float64Array
}

/** One evaluation as the engine reports it. */
export interface EvaluationRecord {
  step: number
  metrics: Record<string, number>
  wallTimeMs: number
}

interface ChunkRow {
  steps: Buffer
  vals: Buffer
  walls: Buffer
}

const toBlob = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/** Concatenates chunk blobs (float64, in step order) with one copy per value. */
function concatChunks(rows: ChunkRow[]): { steps: Float64Array; values: Float64Array; wallTimesMs: Float64Array } {
  const bytes = rows.reduce((n, r) => n + r.steps.byteLength, 0)
  const steps = new Float64Array(bytes / 8)
  const values = new Float64Array(bytes / 8)
  const wallTimesMs = new Float64Array(bytes / 8)
  const views = [steps, values, wallTimesMs].map((a) => new Uint8Array(a.buffer))
  let offset = 0
  for (const row of rows) {
    views[0].set(row.steps, offset)
    views[1].set(row.vals, offset)
    views[2].set(row.walls, offset)
    offset += row.steps.byteLength
  }
  return { steps, values, wallTimesMs }
}

export function createMetrics(db: Db) {
  const nameIds = new Map<string, number>()
  const statements = {
    nameId: db.prepare(`SELECT id FROM metric_names WHERE name = ?`),
    insertName: db.prepare(`INSERT INTO metric_names (name) VALUES (?)`),
    insertChunk: db.prepare(`INSERT INTO metric_chunks (run_id, name_id, first_step, steps, vals, walls) VALUES (?, ?, ?, ?, ?, ?)`),
    chunks: db.prepare(`SELECT steps, vals, walls FROM metric_chunks WHERE run_id = ? AND name_id = ? ORDER BY first_step`),
    chunkCounts: db.prepare(`SELECT name_id, count(*) AS n FROM metric_chunks WHERE run_id = ? GROUP BY name_id`),
    deleteChunks: db.prepare(`DELETE FROM metric_chunks WHERE run_id = ? AND name_id = ?`),
    runMetricNames: db.prepare(`SELECT DISTINCT n.name FROM metric_chunks c JOIN metric_names n ON n.id = c.name_id WHERE c.run_id = ? ORDER BY n.name`),
    // The run's step count is written with its metrics, so that both survive a kill together.
    progress: db.prepare(`UPDATE runs SET steps_done = ? WHERE id = ?`),
  }

  function metricNameId(name: string): number {
    let id = nameIds.get(name)
    if (id !== undefined) return id
    const row = statements.nameId.get(name) as { id: number } | undefined
    id = row ? row.id : Number(statements.insertName.run(name).lastInsertRowid)
    nameIds.set(name, id)
    return id
  }

  const metrics = {
    /** Replaces a run's chunks by one chunk per measure (a finished run's series no longer grow). */
    compact(runId: number): void {
      const groups = statements.chunkCounts.all(runId) as { name_id: number; n: number }[]
      for (const { name_id: nameId } of groups.filter((g) => g.n > 1)) {
        const merged = concatChunks(statements.chunks.all(runId, nameId) as ChunkRow[])
        statements.deleteChunks.run(runId, nameId)
        statements.insertChunk.run(runId, nameId, merged.steps[0], toBlob(merged.steps), toBlob(merged.values), toBlob(merged.wallTimesMs))
      }
    },

    /**
     * Appends evaluations (in step order) as one chunk per measure, in one transaction, together
     * with the run's step count: after a kill, everything up to the last call is there.
     */
    appendMetrics(runId: number, evaluations: EvaluationRecord[]): void {
      if (evaluations.length === 0) return
      const byName = new Map<string, MetricPoint[]>()
      for (const e of evaluations)
        for (const [name, value] of Object.entries(e.metrics)) {
          let list = byName.get(name)
          if (!list) byName.set(name, (list = []))
          list.push({ step: e.step, value, wallTimeMs: e.wallTimeMs })
        }
      db.transaction(() => {
        for (const [name, points] of byName) {
          const steps = Float64Array.from(points, (p) => p.step)
          const values = Float64Array.from(points, (p) => p.value)
          const walls = Float64Array.from(points, (p) => p.wallTimeMs)
          statements.insertChunk.run(runId, metricNameId(name), steps[0], toBlob(steps), toBlob(values), toBlob(walls))
        }
        statements.progress.run(evaluations[evaluations.length - 1].step, runId)
      })()
    },

    /** Drops every point after `step` (a resumed run logs them again); call inside a transaction. */
    truncateMetrics(runId: number, step: number): void {
      const groups = statements.chunkCounts.all(runId) as { name_id: number }[]
      for (const { name_id: nameId } of groups) {
        const all = concatChunks(statements.chunks.all(runId, nameId) as ChunkRow[])
        let keep = all.steps.length
        while (keep > 0 && all.steps[keep - 1] > step) keep--
        if (keep === all.steps.length) continue
        statements.deleteChunks.run(runId, nameId)
        if (keep > 0) statements.insertChunk.run(runId, nameId, all.steps[0], toBlob(all.steps.slice(0, keep)), toBlob(all.values.slice(0, keep)), toBlob(all.wallTimesMs.slice(0, keep)))
      }
    },

    metricNames(runId: number): string[] {
      return (statements.runMetricNames.all(runId) as { name: string }[]).map((r) => r.name)
    },

    /** One measure of one run, in step order. */
    metricSeries(runId: number, name: string): MetricSeries {
      const id = (statements.nameId.get(name) as { id: number } | undefined)?.id
      const rows = id === undefined ? [] : (statements.chunks.all(runId, id) as ChunkRow[])
      return { runId, name, ...concatChunks(rows) }
    },

    /** One measure of many runs (for a chart). */
    metricSeriesMany(runIds: number[], name: string): MetricSeries[] {
      return runIds.map((id) => metrics.metricSeries(id, name))
    },
  }
  return metrics
}
