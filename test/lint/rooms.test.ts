import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkRooms } from '../../scripts/lint/rooms'

describe('the rooms of CONTRIBUTING.md', () => {
  it('the project keeps them', () => {
    expect(checkRooms(new URL('../..', import.meta.url).pathname)).toEqual([])
  })

  it('the check finds a file in the wrong room', () => {
    const root = mkdtempSync(join(tmpdir(), 'fa-lab-rooms-'))
    for (const dir of ['src-shared', 'src-main/engine', 'src-renderer/src/components']) mkdirSync(join(root, dir), { recursive: true })
    writeFileSync(join(root, 'src-shared/x.ts'), "import { readFile } from 'node:fs'\n")
    writeFileSync(join(root, 'src-main/engine/y.ts'), "import Database from 'better-sqlite3'\nimport * as tf from '@tensorflow/tfjs-core'\n")
    mkdirSync(join(root, 'src-main/services'), { recursive: true })
    writeFileSync(join(root, 'src-main/services/w.ts'), "export const f = (store: Store) => databaseOf(store).prepare('DELETE FROM runs').run()\n")
    // Electron's types may be imported anywhere in main; loading electron only in its entry points
    writeFileSync(join(root, 'src-main/dialogs.ts'), "import type { Dialog } from 'electron'\nimport { dialog } from 'electron'\n")
    writeFileSync(join(root, 'src-renderer/src/components/Z.vue'), "<script setup lang=\"ts\">\nconst runs = await window.lab.listRuns({})\n</script>\n")
    mkdirSync(join(root, 'src-renderer/src/views'), { recursive: true })
    writeFileSync(join(root, 'src-renderer/src/views/V.vue'), "<script setup lang=\"ts\">\nconst bytes = atob(result.base64)\nsetTimeout(() => (undo.value = null), 15_000)\nconst { runs } = useRuns(lab, filter)\n</script>\n<template><button @click=\"lab.cancelExperiment(e.id).then(refresh)\">Cancel</button></template>\n")
    const all = checkRooms(root)
    expect(all.filter((p) => p.startsWith('src-main/dialogs.ts'))).toEqual([expect.stringMatching(/^src-main\/dialogs\.ts:2: imports 'electron': only the Electron entry points load electron/)])
    const problems = all.filter((p) => !p.startsWith('src-main/dialogs.ts'))
    expect(problems).toEqual([
      expect.stringMatching(/^src-shared\/x\.ts:1: imports 'node:fs': src-shared is the contract/),
      expect.stringMatching(/^src-shared\/x\.ts:1: imports 'node:fs': no electron, node or DOM imports/),
      expect.stringMatching(/^src-main\/engine\/y\.ts:1: imports 'better-sqlite3': engine and data have no storage/),
      expect.stringMatching(/^src-main\/engine\/y\.ts:1: imports 'better-sqlite3': all SQL lives in store/),
      expect.stringMatching(/^src-main\/engine\/y\.ts:2: imports '@tensorflow\/tfjs-core': tf is imported only through engine\/tf\.ts/),
      expect.stringMatching(/^src-main\/services\/w\.ts:1: the raw SQLite connection stays in store\//),
      expect.stringMatching(/^src-renderer\/src\/components\/Z\.vue:2: the lab API comes from useLab/),
      expect.stringMatching(/^src-renderer\/src\/views\/V\.vue:2: views and components only render/),
      expect.stringMatching(/^src-renderer\/src\/views\/V\.vue:3: views and components only render/),
      expect.stringMatching(/^src-renderer\/src\/views\/V\.vue:6: views call the lab API through composables/),
    ])
  })

  it('knows the estimates room: it imports no runner, service or storage, and time estimates live nowhere else', () => {
    const root = mkdtempSync(join(tmpdir(), 'fa-lab-rooms-'))
    for (const dir of ['src-shared', 'src-main/estimates', 'src-main/services', 'src-renderer/src']) mkdirSync(join(root, dir), { recursive: true })
    writeFileSync(join(root, 'src-main/estimates/e.ts'), "import type { RunRecord } from '../store/store'\nimport { createRunner } from '../runner/runner'\nimport type { LabService } from '../services/lab'\n")
    writeFileSync(join(root, 'src-main/services/s.ts'), "import { layOnWorkers } from '../estimates/schedule'\nconst seconds = steps * cost.flopsPerStep / speed.flopsPerSecond\n")
    expect(checkRooms(root)).toEqual([
      expect.stringMatching(/^src-main\/estimates\/e\.ts:2: imports '\.\.\/runner\/runner': estimates\/ is one room/),
      expect.stringMatching(/^src-main\/estimates\/e\.ts:2: imports '\.\.\/runner\/runner': estimates\/ sits below/),
      expect.stringMatching(/^src-main\/estimates\/e\.ts:3: imports '\.\.\/services\/lab': estimates\/ sits below/),
      expect.stringMatching(/^src-main\/services\/s\.ts:1: imports '\.\.\/estimates\/schedule': the scheduling model and the live ETA/),
      expect.stringMatching(/^src-main\/services\/s\.ts:2: time estimates \(work over speed/),
    ])
  })
})
