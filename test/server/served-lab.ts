/**
 * A lab service served on loopback for one test file: a temporary folder with a stand-in
 * renderer page, the lab file in it, one worker. Read `served.server` and `served.lab` inside tests.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { startServer } from '../../src-main/server/server'
import { createLabService, type LabService } from '../../src-main/services/lab'

export interface ServedLab {
  dir: string
  lab: LabService
  server: Awaited<ReturnType<typeof startServer>>
}

/** Starts the lab before the file's tests and closes it after them; `prepare` may add files to `dir` first. */
export function serveLabForFile(prefix: string, prepare?: (dir: string) => void): ServedLab {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const served = { dir } as ServedLab
  beforeAll(async () => {
    const staticDir = join(dir, 'renderer')
    mkdirSync(staticDir)
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>lab</title>')
    prepare?.(dir)
    served.lab = createLabService({ labPath: join(dir, 'lab.sqlite'), mode: 'browser', workers: 1, dataDir: dir })
    served.server = await startServer({ lab: served.lab, staticDir })
  })
  afterAll(async () => {
    await served.server.close()
    await served.lab.close()
  })
  return served
}
