import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import { Band, XAxis } from '../../src-shared/analysis'
import { ImageKind, ImageSource, RunStatus } from '../../src-shared/config'
import { dispatchTable, LabError, requestChannels, requestSchemas, type LabApi, type LabHandlers, type RunFilter } from '../../src-shared/contract'
import { ExperimentConfig, type ExperimentInput } from '../../src-shared/experiment'
import { FigureFormat, FigureSpec, FigureSpecObject, type FigureSpecInput } from '../../src-shared/figure-spec'

describe('the contract’s types come from the schemas', () => {
  it('takes its enums from config.ts, analysis.ts and figure-spec.ts instead of restating them', () => {
    expect(requestSchemas.downloadDataset).toBe(ImageKind)
    expect(requestSchemas.importDatasetFolder.shape.kind).toBe(ImageKind)
    expect(requestSchemas.getDatasetSamples.shape.source).toBe(ImageSource)
    expect(requestSchemas.listRuns.shape.status.unwrap().element).toBe(RunStatus)
    expect(requestSchemas.renderFigure.shape.format).toBe(FigureFormat)
    expect(requestSchemas.renderFigure.shape.spec).toBe(FigureSpec)
    expect(FigureSpecObject.shape.xAxis.unwrap()).toBe(XAxis)
    expect(FigureSpecObject.shape.band.unwrap()).toBe(Band)
    expect(requestSchemas.startExperiment.out).toBe(ExperimentConfig)
  })

  it('main’s dispatch hands the service a parsed experiment, and refuses a malformed one by name', async () => {
    let received: unknown
    const service = Object.fromEntries(Object.keys(requestChannels).map((name) => [name, (argument: unknown) => (received = argument)])) as unknown as LabHandlers
    const table = dispatchTable(service)
    await table.get(requestChannels.startExperiment)!({ name: 'e', base: { rule: 'fa' } })
    expect(received).toEqual(ExperimentConfig.parse({ name: 'e', base: { rule: 'fa' } }))
    expect(received).toMatchObject({ description: '', grid: {}, variants: [] })
    const refused = await table.get(requestChannels.startExperiment)!({ name: '', base: 3 }).catch((e) => e)
    expect(refused).toBeInstanceOf(LabError)
    expect((refused as LabError).issues.map((i) => i.path).sort()).toEqual(['base', 'name'])
    const polluted = await table.get(requestChannels.startExperiment)!(JSON.parse('{"name": "p", "base": {}, "grid": {"__proto__": [1]}}')).catch((e) => e)
    expect((polluted as LabError).message).toMatch(/__proto__/)
    // validation answers faults as data, so it accepts any value
    await table.get(requestChannels.validateExperiment)!(42)
    expect(received).toBe(42)
  })
})

describe('the request types are the schemas’ types', () => {
  it('LabApi takes each request’s schema input, and no argument where the schema takes none', () => {
    expectTypeOf<Parameters<LabApi['getLabInfo']>>().toEqualTypeOf<[]>()
    expectTypeOf<Parameters<LabApi['getRun']>>().toEqualTypeOf<[argument: number]>()
    expectTypeOf<RunFilter>().toEqualTypeOf<{ experimentId?: number | undefined; status?: RunStatus[] | undefined }>()
    expectTypeOf<Parameters<LabApi['getWeightImages']>[0]>().toEqualTypeOf<z.input<typeof requestSchemas.getWeightImages>>()
    expectTypeOf<Parameters<LabApi['startExperiment']>[0]>().toEqualTypeOf<ExperimentInput>()
    expectTypeOf<Parameters<LabApi['renderFigure']>[0]['spec']>().toEqualTypeOf<FigureSpecInput>()
    expectTypeOf<ReturnType<LabApi['chooseFolder']>>().toEqualTypeOf<Promise<string | null>>()
    // a field added to a schema is a field of the request: the schema is the only place it is written
    expectTypeOf<Parameters<LabApi['setRunNote']>[0]>().toEqualTypeOf<{ runId: number; note: string }>()
    expect(Object.keys(requestSchemas).sort()).toEqual(Object.keys(requestChannels).sort())
  })
})
