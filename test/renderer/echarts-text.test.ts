import { describe, expect, it } from 'vitest'
import { getWidth } from 'zrender/lib/contain/text.js'
import '../../src-renderer/src/charts/echarts-setup'

describe("the renderer's ECharts", () => {
  it('measures user text such as __proto__ without writing to Object.prototype (issue 27 D1: Compare polluted the page)', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    for (const text of ['__proto__', 'constructor', 'toString', 'valueOf', '__proto__']) expect(getWidth(text, '12px sans-serif')).toBeGreaterThan(0)
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
    expect('prev' in {}).toBe(false)
  })
})
