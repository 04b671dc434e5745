/**
 * `fa-lab train` on a busy machine (issue 27 D14): it trained on OpenBLAS's default of every core
 * while another process kept one busy, and its MNIST step fell to half of PyTorch's one-thread
 * speed. It now counts the one-minute load average as busy cores and gives OpenBLAS the cores left
 * (blasThreadsPerWorker, the runner's rule, for one worker). The load average is the one thing
 * staged here: a real one takes a minute to rise. The command runs in this process, so the threads
 * OpenBLAS really has after it are read from the addon.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { syntheticExample } from '../examples'

const machine = vi.hoisted(() => ({ load: [0, 0, 0] }))
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>()
  const loadavg = () => machine.load
  return { ...os, loadavg, default: { ...os, loadavg } }
})

const { trainCommand } = await import('../../src-main/cli/train')
const { blasThreadsPerWorker } = await import('../../src-main/lib/limits')
const { loadBlas } = await import('../../src-main/engine/blas')

const cores = availableParallelism()
const dir = mkdtempSync(join(tmpdir(), 'fa-lab-train-load-'))
const config = join(dir, 'run.json')
writeFileSync(config, JSON.stringify(syntheticExample({ steps: 20, evalEvery: 10, backend: 'blas' })))

/** fa-lab train --json in this process under a load average of `load`: its summary line. */
async function trainUnder(load: number): Promise<{ blasThreads?: number; backend: string; status: string }> {
  machine.load = [load, load, load]
  const lines: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line))
  try {
    expect(await trainCommand.run(['--config', config, '--json'])).toBe(0)
  } finally {
    log.mockRestore()
  }
  return JSON.parse(lines.at(-1)!)
}

afterEach(() => loadBlas()?.setThreads(cores))

describe('fa-lab train on a busy machine (issue 27 D14)', () => {
  it('trains on the cores the load average leaves free, at least one, and OpenBLAS has that many threads', async () => {
    expect(loadBlas(), 'the BLAS addon (npm run build:native)').not.toBeNull()
    for (const load of [0, cores - 0.8, cores + 30]) {
      loadBlas()!.setThreads(cores) // OpenBLAS's default, what train ran on before
      const summary = await trainUnder(load)
      const expected = blasThreadsPerWorker(1, Math.round(load), cores)
      expect(summary, `load ${load} on ${cores} cores`).toMatchObject({ backend: 'blas', status: 'completed', blasThreads: expected })
      expect(loadBlas()!.threads(), `load ${load}`).toBe(expected)
    }
    // one core busy on a machine of two or more: one fewer thread than cores
    if (cores >= 2) expect((await trainUnder(1)).blasThreads).toBe(cores - 1)
  })
})
