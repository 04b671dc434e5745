import { describe, expect, it } from 'vitest'
import { createSSRApp, h } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { z } from 'zod'
import ConfigForm from '../../src-renderer/src/components/ConfigForm.vue'
import { Optimizer, RunConfig } from '../../src-shared/config'
import { blankConfig, describeFields, type Field } from '../../src-shared/fields'

const render = (props: { config: Record<string, unknown>; issues?: Record<string, string>; fields?: Field[]; canPickFolder?: boolean }) =>
  renderToString(createSSRApp({ render: () => h(ConfigForm, { issues: {}, ...props }) }))

describe('the generated experiment form', () => {
  it('renders the run schema’s fields with their captions, units, options and defaults', async () => {
    const html = await render({ config: blankConfig() })
    expect(html).toContain('name="optimizer.learningRate"')
    expect(html).toContain('Learning rate η')
    expect(html).toContain('Output L2 λ')
    expect(html).toContain('placeholder="default 100"') // evalEvery
    expect(html).toContain('feedback alignment') // the rule's option label
    expect(html).toContain('name="data.n"')
    expect(html).not.toContain('name="data.normalize"') // an MNIST field, not shown for synthetic data
    expect(html).not.toContain('name="backend"') // advanced
    const mnist = await render({ config: { ...blankConfig(), data: { kind: 'mnist' } } })
    expect(mnist).toContain('name="data.normalize"')
    expect(mnist).toContain('name="data.source.kind"')
    expect(mnist).not.toContain('name="data.n"')
  })

  it('a field added to a copy of the schema appears in the form, with its metadata', async () => {
    const Extended = RunConfig.safeExtend({
      optimizer: Optimizer.extend({ warmupSteps: z.int().min(0).default(0).meta({ label: 'Warm-up', symbol: 'T_w', unit: 'steps', description: 'linear ramp of η' }) }),
    })
    const fields = describeFields(Extended)
    const html = await render({ config: blankConfig(fields), fields })
    expect(html).toContain('name="optimizer.warmupSteps"')
    expect(html).toContain('Warm-up T_w')
    expect(html).toContain('steps · linear ramp of η')
    expect(await render({ config: blankConfig() })).not.toContain('warmupSteps')
  })

  it('a folder source offers “Choose folder…” only where the native dialog exists (the desktop window)', async () => {
    const config = { ...blankConfig(), data: { kind: 'fashion-mnist', source: { dir: '/data/fashion' } } }
    const desktop = await render({ config, canPickFolder: true })
    expect(desktop).toContain('value="/data/fashion"')
    expect(desktop).toContain('data-pick-folder="data.source"')
    expect(desktop).toContain('Choose folder…')
    const browser = await render({ config })
    expect(browser).toContain('value="/data/fashion"') // the typed path stays
    expect(browser).not.toContain('Choose folder…')
    // the bundled sample has no folder to choose
    expect(await render({ config: { ...config, data: { kind: 'mnist', source: 'bundled' } }, canPickFolder: true })).not.toContain('Choose folder…')
  })
})
