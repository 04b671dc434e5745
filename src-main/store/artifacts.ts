/** Artifacts: named float32 tensors a run kept (final weights, biases, feedback matrices). */
import type { Db } from './connection'

export interface ArtifactRecord {
  name: string
  shape: number[]
  values: Float32Array
}

export function createArtifacts(db: Db) {
  const statements = {
    insertArtifact: db.prepare(`INSERT OR REPLACE INTO artifacts (run_id, name, shape, data) VALUES (?, ?, ?, ?)`),
    artifacts: db.prepare(`SELECT name, shape, data FROM artifacts WHERE run_id = ? ORDER BY name`),
  }
  return {
    saveArtifacts(runId: number, artifacts: ArtifactRecord[]): void {
      db.transaction(() => {
        for (const a of artifacts) statements.insertArtifact.run(runId, a.name, JSON.stringify(a.shape), Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength))
      })()
    },

    artifacts(runId: number): ArtifactRecord[] {
      return (statements.artifacts.all(runId) as { name: string; shape: string; data: Buffer }[]).map((row) => ({
        name: row.name,
        shape: JSON.parse(row.shape),
        values: new Float32Array(row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength)),
      }))
    },
  }
}
