/** Saved comparisons (a comparison view's settings stored under a name) and the lab's settings by key. */
import { now, type Db } from './connection'

export function createComparisons(db: Db) {
  return {
    /** Saves (or replaces) a comparison's settings under a name. */
    saveComparison(name: string, spec: unknown): void {
      db.prepare(`INSERT INTO comparisons (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`).run(name, JSON.stringify(spec), now())
    },

    getComparison(name: string): unknown | null {
      const row = db.prepare(`SELECT spec FROM comparisons WHERE name = ?`).get(name) as { spec: string } | undefined
      return row ? JSON.parse(row.spec) : null
    },

    /** A lab-wide setting or measurement stored under `key` (JSON), or null. */
    setting(key: string): unknown | null {
      const row = db.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined
      return row ? JSON.parse(row.value) : null
    },

    saveSetting(key: string, value: unknown): void {
      db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(key, JSON.stringify(value), now())
    },

    listComparisons(): { name: string; spec: unknown; updatedAt: string }[] {
      return (db.prepare(`SELECT name, spec, updated_at FROM comparisons ORDER BY name`).all() as { name: string; spec: string; updated_at: string }[]).map((r) => ({ name: r.name, spec: JSON.parse(r.spec), updatedAt: r.updated_at }))
    },
  }
}
