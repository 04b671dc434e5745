import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src-shared/config'
import type { RunSummary } from '../../src-shared/contract'
import { applyConfigChanges, configChanges, packRunSummaries, unpackRunList } from '../../src-shared/run-list'

const synthetic = parseRunConfig({ seed: 1, rule: 'fa', data: { kind: 'synthetic', n: 50, inputDim: 20 }, model: { kind: 'two-layer', hidden: 100 }, optimizer: { learningRate: 0.01 }, steps: 100 })
const mnist = parseRunConfig({ seed: 1, rule: 'bp', data: { kind: 'mnist' }, model: { kind: 'two-layer', hidden: 400, outputs: 10 }, loss: 'cross-entropy', optimizer: { learningRate: 0.1 }, steps: 100 })

function summary(id: number, experimentId: number | null, config: unknown): RunSummary {
  return { id, experimentId, name: `run ${id}`, status: 'completed', rule: 'fa', seed: 1, backend: 'blas', trainingPath: null, stepsDone: 100, totalSteps: 100, activity: null, durationMs: 10, startedAt: null, error: null, finalMetrics: { trainLoss: 0.5 }, stopReason: null, config: config as RunSummary['config'], tags: [], note: '', renamed: false }
}

describe('runs:list packed as base configs and changes (src-shared/run-list.ts)', () => {
  it('a sweep run carries only its swept fields; unpacking gives back each whole config, its objects shared where nothing changed', () => {
    const swept = { ...synthetic, seed: 7, rule: 'kp' as const, model: { ...synthetic.model, hidden: 800 }, regularization: { ...synthetic.regularization, outputL2: 0.1 } }
    const changes = configChanges(synthetic, swept)
    expect(changes.map(([path]) => path.join('.')).sort()).toEqual(['model.hidden', 'regularization.outputL2', 'rule', 'seed'])
    const back = applyConfigChanges(synthetic, changes) as typeof swept
    expect(back).toEqual(swept)
    expect(back.data).toBe(synthetic.data)
    expect(back.model).not.toBe(synthetic.model)
    expect(configChanges(synthetic, structuredClone(synthetic))).toEqual([])
  })

  it('values of another shape are sent whole: another data kind, an array of another length, an object with other keys, a whole unreadable config', () => {
    const cases: [unknown, unknown][] = [
      [synthetic, mnist],
      [{ hidden: [100, 100] }, { hidden: [100] }],
      [{ model: { kind: 'a', x: 1 } }, { model: { kind: 'b', y: 1 } }],
      [synthetic, {}],
      [synthetic, 'not a config'],
      [{}, { a: null }],
    ]
    for (const [base, config] of cases) {
      const changes = configChanges(base, config)
      expect(changes.length).toBeGreaterThan(0)
      expect(applyConfigChanges(base, changes)).toEqual(config)
    }
    expect(configChanges(synthetic, mnist).find(([path]) => path.join('.') === 'data')?.[1]).toEqual(mnist.data)
  })

  it('a stored key named __proto__ stays data, and unpacked configs cannot be changed', () => {
    const base = JSON.parse('{"a": {"b": 1}}')
    const config = JSON.parse('{"a": {"b": 2, "__proto__": {"polluted": true}}}')
    const back = applyConfigChanges(base, configChanges(base, config)) as Record<string, Record<string, unknown>>
    expect(Object.hasOwn(back.a, '__proto__')).toBe(true)
    expect(back.a.__proto__).toEqual({ polluted: true })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const [run] = unpackRunList(packRunSummaries([summary(1, 1, synthetic), summary(2, 1, { ...synthetic, seed: 2 })])).slice(1)
    expect(Object.isFrozen(run.config)).toBe(true)
    expect(Object.isFrozen(run.config.model)).toBe(true)
  })

  it('one base per experiment, and one for the runs of none; every run unpacks to its summary with its config', () => {
    const runs = [summary(1, 1, synthetic), summary(2, 2, mnist), summary(3, 1, { ...synthetic, seed: 2 }), summary(4, null, mnist), summary(5, null, {}), summary(6, 2, { ...mnist, rule: 'dfa' })]
    const list = packRunSummaries(runs)
    expect(list.bases).toHaveLength(3)
    expect(list.runs.map((r) => r.base)).toEqual([0, 1, 0, 2, 2, 1])
    expect(list.runs.map((r) => r.changes.length)).toEqual([0, 0, 1, 0, 1, 1])
    expect(list.runs.every((r) => !('config' in r))).toBe(true)
    // over the wire as JSON, as browser mode sends it
    expect(unpackRunList(JSON.parse(JSON.stringify(list)))).toEqual(runs)
    expect(() => unpackRunList({ bases: [], runs: [{ ...list.runs[0], base: 0 }] })).toThrow(/run 1 names base 0, of 0/)
  })
})
