import { describe, expect, it } from 'vitest'
import { listPresets } from '../../src-main/services/presets'

describe('presets', () => {
  it('every preset names its source, for the first screen’s cards', async () => {
    const presets = await listPresets()
    expect(presets.length).toBeGreaterThan(0)
    for (const preset of presets) expect(preset.source, preset.name).toMatch(/\w{4,}/)
  })
})
