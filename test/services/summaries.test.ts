import { describe, expect, it } from 'vitest'
import { LabError } from '../../src-shared/contract'
import type { RawImageData } from '../../src-main/data/sources'
import { createEventHub } from '../../src-main/services/events'
import { samplesByClass, summarizeExperiments, weightImages } from '../../src-main/services/summaries'
import type { ExperimentRecord, RunRecord } from '../../src-main/store/store'

describe('lab service parts', () => {
  it('weight images are the columns of W1, and a damaged shape is refused before sizing anything', () => {
    const hidden = 3
    const values = Float32Array.from({ length: 784 * hidden }, (_, i) => i)
    const images = weightImages(7, { name: 'W1', shape: [784, hidden], values }, 2)!
    expect(images.imageShape).toEqual([28, 28])
    expect(images.units).toHaveLength(2)
    // unit u, pixel i is W1[i, u] = i·hidden + u
    expect(images.units[1].slice(0, 3)).toEqual([1, 4, 7])
    expect(weightImages(7, undefined, 2)).toBeNull()
    expect(() => weightImages(7, { name: 'W1', shape: [784, 1e9], values }, 2)).toThrow(LabError)
  })

  it('a conv model’s first layer [k, k, in, out] gives one k×k image per kernel, with its change, and a damaged shape is refused', () => {
    // W1[ky, kx, 0, o] = 10·(ky·3 + kx) + o, for 3×3 kernels, one input channel, 4 kernels
    const values = Float32Array.from({ length: 9 * 4 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4))
    const initial = new Float32Array(values.length).fill(1)
    const images = weightImages(7, { name: 'W1', shape: [3, 3, 1, 4], values }, 3, { name: 'W1.init', shape: [3, 3, 1, 4], values: initial })!
    expect(images.imageShape).toEqual([3, 3])
    expect(images.units).toHaveLength(3)
    expect(images.units[2]).toEqual([2, 12, 22, 32, 42, 52, 62, 72, 82])
    expect(images.change![2]).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81])
    expect(() => weightImages(7, { name: 'W1', shape: [3, 3, 1, 5], values }, 2)).toThrow(/kernels are damaged/)
    expect(() => weightImages(7, { name: 'W1', shape: [3, 3, 1, 4], values }, 2, { name: 'W1.init', shape: [3, 3, 4, 1], values: initial })).toThrow(/initial first-layer kernels/)
  })

  it('samples take the first images of each class in file order', () => {
    const labels = Uint8Array.from([1, 0, 1, 1, 0])
    const images = Uint8Array.from({ length: 5 * 4 }, (_, i) => i)
    const raw = { kind: 'mnist', source: 'bundled', rows: 2, cols: 2, train: { n: 5, images, labels }, test: { n: 0, images: new Uint8Array(), labels: new Uint8Array() }, files: [] } as RawImageData
    const { samples, imageShape } = samplesByClass(raw, ['zero', 'one'], 2)
    expect(imageShape).toEqual([2, 2])
    expect(samples[0]).toEqual([[4, 5, 6, 7], [16, 17, 18, 19]])
    expect(samples[1]).toEqual([[0, 1, 2, 3], [8, 9, 10, 11]])
  })

  it('experiment summaries count their own runs by status', () => {
    const experiment = (id: number) => ({ id, uid: `u${id}`, name: `e${id}`, description: '', definition: {}, createdAt: 'now' }) as ExperimentRecord
    const run = (experimentId: number | null, status: RunRecord['status']) => ({ experimentId, status }) as RunRecord
    const summaries = summarizeExperiments([experiment(1), experiment(2)], [run(1, 'completed'), run(1, 'completed'), run(1, 'failed'), run(null, 'completed')])
    expect(summaries.map((s) => [s.runCount, s.statusCounts])).toEqual([
      [3, { completed: 2, failed: 1 }],
      [0, {}],
    ])
  })

  it('the event hub delivers to the listeners of one event until they are removed', () => {
    const hub = createEventHub<{ a: number; b: string }>()
    const got: unknown[] = []
    const off = hub.on('a', (n) => got.push(n))
    hub.on('b', (s) => got.push(s))
    hub.emit('a', 1)
    hub.emit('b', 'x')
    off()
    hub.emit('a', 2)
    expect(got).toEqual([1, 'x'])
  })
})
