/**
 * Every tfjs backend that starts here trains the synthetic example as the plain JavaScript backend
 * does. A backend that cannot start here (tfjs-node without libtensorflow, say) is skipped with the
 * reason in the test's name, so CI's log says what did not run and why.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { RunConfigInput } from '../../src-shared/config'
import { probeBackends } from '../../src-main/engine/tf'
import { trainRecorded } from './record'

const example = JSON.parse(readFileSync(new URL('../../resources/examples/song2021-synthetic.json', import.meta.url), 'utf8')) as RunConfigInput
const config = (backend: string): RunConfigInput => ({ ...example, steps: 40, evalEvery: 10, backend } as RunConfigInput)

const probes = await probeBackends()

describe('backends', () => {
  it('the plain JavaScript backend always starts', () => {
    expect(probes.find((p) => p.name === 'cpu')?.available).toBe(true)
  })

  for (const probe of probes.filter((p) => p.name !== 'cpu'))
    it.skipIf(!probe.available)(`${probe.name} trains the example as cpu does, to float32 rounding${probe.available ? '' : ` (skipped here: ${probe.reason})`}`, async () => {
      const reference = await trainRecorded(config('cpu'))
      const other = await trainRecorded(config(probe.name))
      expect(other.result.backend).toBe(probe.name)
      expect(other.evaluations.map((e) => e.step)).toEqual(reference.evaluations.map((e) => e.step))
      other.evaluations.forEach((e, i) => {
        for (const name of ['trainLoss', 'weightAlignment']) {
          const expected = reference.evaluations[i].metrics[name]
          expect(Math.abs(e.metrics[name] - expected), `${name} at step ${e.step}`).toBeLessThan(1e-4 * (1 + Math.abs(expected)))
        }
      })
    })
})
