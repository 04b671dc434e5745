/**
 * Checkpoints: the latest saved training state of each run (engine/checkpoint.ts's bytes), kept
 * until the run ends for good, and the preparation of an interrupted run for resuming.
 */
import { hostname } from 'node:os'
import { now, type Db } from './connection'
import { checkpointFault } from '../engine/checkpoint'
import { leaseMs, parseStoredConfig } from './runs'

export interface CheckpointRecord {
  step: number
  state: Uint8Array
  savedAt: string
}

/** Statuses a run can be resumed from. */
export const resumableStatuses = ['interrupted', 'cancelled', 'failed'] as const

export function createCheckpoints(db: Db, truncateMetrics: (runId: number, step: number) => void) {
  const statements = {
    save: db.prepare(`INSERT INTO checkpoints (run_id, step, state, saved_at) VALUES (?, ?, ?, ?) ON CONFLICT(run_id) DO UPDATE SET step = excluded.step, state = excluded.state, saved_at = excluded.saved_at`),
    get: db.prepare(`SELECT step, state, saved_at FROM checkpoints WHERE run_id = ?`),
    step: db.prepare(`SELECT step FROM checkpoints WHERE run_id = ?`),
    remove: db.prepare(`DELETE FROM checkpoints WHERE run_id = ?`),
    run: db.prepare(`SELECT status, config FROM runs WHERE id = ?`),
    // queued again, owned by this process (see runs.ts: leases)
    requeue: db.prepare(
      `UPDATE runs SET status = 'queued', ended_at = NULL, error = NULL, final_metrics = NULL, stop_reason = NULL, steps_done = ?, owner_pid = ?, owner_host = ?, lease_until_ms = ? WHERE id = ?`,
    ),
  }
  return {
    /** Replaces the run's checkpoint. */
    saveCheckpoint(runId: number, step: number, state: Uint8Array): void {
      statements.save.run(runId, step, Buffer.from(state.buffer, state.byteOffset, state.byteLength), now())
    },

    checkpoint(runId: number): CheckpointRecord | null {
      const row = statements.get.get(runId) as { step: number; state: Buffer; saved_at: string } | undefined
      return row ? { step: row.step, state: new Uint8Array(row.state), savedAt: row.saved_at } : null
    },

    /** The step of the run's checkpoint, or null when it has none. */
    checkpointStep(runId: number): number | null {
      return (statements.step.get(runId) as { step: number } | undefined)?.step ?? null
    },

    deleteCheckpoint(runId: number): void {
      statements.remove.run(runId)
    },

    /**
     * Queues an interrupted (or cancelled, or failed) run to continue from its checkpoint: measures
     * logged after the checkpoint are dropped (the run logs them again). A run without a checkpoint
     * (it ran before checkpoints existed, or stopped before its first) restarts from step 0, its
     * measures all dropped: its seed gives the same run. Returns null when it can, else why not.
     */
    prepareResume(runId: number): string | null {
      return db.transaction(() => {
        const run = statements.run.get(runId) as { status: string; config: string } | undefined
        if (!run) return `no run with id ${runId}`
        if (!(resumableStatuses as readonly string[]).includes(run.status)) return `run ${runId} is ${run.status}: only ${resumableStatuses.join(', ')} runs can be resumed`
        const { config, error } = parseStoredConfig(run.config)
        const saved = statements.get.get(runId) as { step: number; state: Buffer } | undefined
        if (!saved) {
          // no checkpoint: the run restarts from step 0 (its seed gives the same run), its measures all dropped
          if (error) return `run ${runId} cannot be restarted: its stored config fails today's schema (${error}); nothing was changed`
          truncateMetrics(runId, -1)
          statements.requeue.run(0, process.pid, hostname(), Date.now() + leaseMs, runId)
          return null
        }
        // The checkpoint is checked whole before anything is changed: its step decides which stored
        // points are dropped, so a damaged or crafted one must never reach truncateMetrics.
        const fault = error ?? checkpointFault(new Uint8Array(saved.state.buffer, saved.state.byteOffset, saved.state.byteLength), saved.step, config)
        if (fault) return `run ${runId} cannot be resumed: ${fault}; nothing was changed (its stored measures are kept; it can still be trained again from the start)`
        const step = saved.step
        truncateMetrics(runId, step)
        statements.requeue.run(step, process.pid, hostname(), Date.now() + leaseMs, runId)
        return null
      })()
    },
  }
}
