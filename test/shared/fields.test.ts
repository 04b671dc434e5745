import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ImageSource, Optimizer, parseRunConfig, RunConfig } from '../../src-shared/config'
import { applies, blankConfig, chooseAlternative, describeFields, fieldAt, fieldColumnName, fieldShortName, fieldTitle, runFields } from '../../src-shared/fields'
import { buildFigure } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'

/** Leaf paths of a JSON Schema, walked independently of src-shared/fields.ts. */
function leafPaths(schema: Record<string, any>, prefix = ''): string[] {
  if (schema.oneOf) return schema.oneOf.flatMap((alternative: Record<string, any>) => leafPaths(alternative, prefix))
  if (schema.type === 'object' && schema.properties) return Object.entries(schema.properties).flatMap(([key, child]) => leafPaths(child as Record<string, any>, prefix ? `${prefix}.${key}` : key))
  return [prefix]
}

describe('config fields read off the run schema', () => {
  it('describes every field of the run schema, each with a label from its metadata', () => {
    const expected = new Set(leafPaths(z.toJSONSchema(RunConfig, { io: 'input', unrepresentable: 'any' }) as Record<string, any>))
    expect(expected.size).toBeGreaterThan(30)
    expect(new Set(runFields.map((f) => f.path))).toEqual(expected)
    for (const field of runFields) expect(field.label, `${field.path} has no label in config.ts`).not.toBe(field.path.split('.').at(-1))
  })

  it('reads kinds, options, defaults, symbols and the alternatives of data.kind and model.kind', () => {
    expect(fieldAt('optimizer.learningRate')).toMatchObject({ kind: 'number', label: 'Learning rate', symbol: 'η', required: true, example: 0.01 })
    expect(fieldAt('evalEvery')).toMatchObject({ kind: 'integer', default: 100, required: false, unit: 'steps' })
    expect(fieldAt('backend')!.options).toEqual(['auto', 'tensorflow', 'blas', 'wasm', 'cpu'])
    expect(fieldAt('data.kind')).toMatchObject({ kind: 'select', options: ['synthetic', 'mnist', 'fashion-mnist'], alternatives: [['synthetic'], ['mnist', 'fashion-mnist']] })
    expect(fieldAt('data.source')!.kind).toBe('source')
    // the source's options are ImageSource's own: each named one parses, `dir` is its folder form, each has its label
    const source = fieldAt('data.source')!
    expect(source.options).toEqual(['bundled', 'download', 'dir'])
    for (const option of source.options!) expect(ImageSource.safeParse(option === 'dir' ? { dir: '/data' } : option).success, option).toBe(true)
    expect(Object.keys(source.optionLabels!).sort()).toEqual([...source.options!].sort())
    expect(runFields.filter((f) => f.path === 'model.hidden').map((f) => f.kind)).toEqual(['integer', 'integer-list', 'integer-list'])
    const teacherWidth = fieldAt('data.teacherWidth')!
    expect(applies(teacherWidth, { data: { kind: 'synthetic' } })).toBe(false) // teacher defaults to linear
    expect(applies(teacherWidth, { data: { kind: 'synthetic', teacher: 'two-layer' } })).toBe(true)
    expect(applies(teacherWidth, { data: { kind: 'mnist', teacher: 'two-layer' } })).toBe(false)
    expect(applies(fieldAt('feedbackMagnitude')!, { rule: 'sign' })).toBe(true)
  })

  it('a blank config and each alternative come from the schema and pass it', () => {
    const blank = blankConfig()
    expect(blank).toEqual({ data: { kind: 'synthetic', n: 50, inputDim: 150 }, model: { kind: 'two-layer', hidden: 200 }, rule: 'fa', optimizer: { learningRate: 0.01 }, steps: 2000 })
    expect(() => parseRunConfig(blank)).not.toThrow()
    chooseAlternative(blank, fieldAt('model.kind')!, 'mlp')
    expect(blank.model).toEqual({ kind: 'mlp', hidden: [100, 100] })
    chooseAlternative(blank, fieldAt('data.kind')!, 'mnist')
    expect(blank.data).toEqual({ kind: 'mnist' })
    chooseAlternative(blank, fieldAt('data.kind')!, 'fashion-mnist')
    expect(blank.data).toEqual({ kind: 'fashion-mnist' })
    expect(() => parseRunConfig({ ...blank, model: { ...(blank.model as object), outputs: 10 } })).not.toThrow()
  })

  it('a field added to a copy of the schema is described with its metadata', () => {
    const Extended = RunConfig.safeExtend({
      optimizer: Optimizer.extend({ warmupSteps: z.int().min(0).default(0).meta({ label: 'Warm-up', unit: 'steps', description: 'linear ramp of η' }) }),
    })
    const fields = describeFields(Extended)
    expect(fields.find((f) => f.path === 'optimizer.warmupSteps')).toMatchObject({ kind: 'integer', label: 'Warm-up', unit: 'steps', default: 0, help: 'linear ramp of η' })
    expect(fields.length).toBe(runFields.length + 1)
  })

  it('legends, table headers and axis titles use the fields’ symbols and labels', () => {
    expect(fieldShortName('regularization.outputL2')).toBe('λ')
    expect(fieldShortName('rule')).toBe('rule')
    expect(fieldColumnName('optimizer.batchSize')).toBe('Batch size')
    expect(fieldTitle('model.hidden')).toBe('Hidden width p (units)')
    const series = [100, 200].map((hidden, i) => ({ runId: i + 1, config: { model: { hidden }, regularization: { outputL2: 0.1 } }, steps: [0, 10], values: [0, 0.5 + i / 10], wallTimesMs: [0, 1] }))
    const { option, data, lines } = buildFigure(FigureSpec.parse({ kind: 'sweep', runIds: [1, 2], measures: ['weightAlignment'], groupBy: ['regularization.outputL2'], band: 'none', size: { width: 6.75, height: 4, unit: 'in' } }), { weightAlignment: series })
    expect((option.xAxis as { name: string }[])[0].name).toBe('Hidden width p (units)')
    expect((option.yAxis as { name: string }[])[0].name).toBe('weight alignment cos(β, b)')
    expect(data.header[3]).toBe('Hidden width p (units)')
    // one field tells the lines apart: the entry is its value (and λ would title a legend of two or more)
    expect(lines.map((l) => l.label)).toEqual(['0.1'])
  })
})
