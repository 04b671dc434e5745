/**
 * Sweeps built by picking: the field search behind the picker, variants and linked fields as the
 * form edits them, and the run list it shows, in the order the lab really expands them to.
 */
import { describe, expect, it } from 'vitest'
import { expandExperiment, type ExperimentInput } from '../../src-shared/experiment'
import { blankConfig, fieldShortName } from '../../src-shared/fields'
import { searchFields } from '../../src-renderer/src/lab/field-search'
import { draftsToVariants, movedRow, previewExperiment, variantsToDrafts, zipLengthIssue } from '../../src-renderer/src/lab/grid'

const paths = (query: string) => searchFields(query).map((f) => f.path)

describe('an axis moved to another field', () => {
  it('keeps values the new field takes, else starts from its options or its example', () => {
    const lambda = { path: 'regularization.outputL2', values: '0, 0.2' }
    // λ's values are valid label noise: kept
    expect(movedRow(lambda, 'data.labelNoise')).toEqual({ path: 'data.labelNoise', values: '0, 0.2' })
    // 0 is no learning rate: the field's example instead of an error the user did not cause
    expect(movedRow(lambda, 'optimizer.learningRate')).toEqual({ path: 'optimizer.learningRate', values: '0.01', range: undefined })
    // a choice: every option, to prune
    expect(movedRow(lambda, 'rule').values).toBe('bp, fa, dfa, sign, kp, drtp')
    // a range of widths stays a range when its values are widths
    const widths = { path: 'model.hidden', values: '', range: { from: 100, to: 1600, count: 3, scale: 'log' as const } }
    expect(movedRow(widths, 'data.teacherWidth')).toEqual({ ...widths, path: 'data.teacherWidth' })
  })
})

describe('finding a field to sweep or set', () => {
  it('by label, symbol, Greek name, path or unit, every word matching, best first', () => {
    expect(paths('width')[0]).toBe('model.hidden')
    expect(paths('width')).toContain('data.teacherWidth')
    expect(paths('λ')[0]).toBe('regularization.outputL2')
    expect(paths('lambda')[0]).toBe('regularization.outputL2')
    expect(paths('eta')).toContain('optimizer.learningRate')
    expect(paths('learning rate')[0]).toBe('optimizer.learningRate')
    expect(paths('model.hid')).toEqual(['model.hidden'])
    expect(paths('no such thing')).toEqual([])
  })

  it('lists each path once, data sources left to the dataset picker, basic fields first when nothing is typed', () => {
    const all = paths('')
    expect(new Set(all).size).toBe(all.length)
    expect(all).not.toContain('data.source')
    expect(all.indexOf('optimizer.learningRate')).toBeLessThan(all.indexOf('backend'))
  })
})

describe('variants and linked fields as the form edits them', () => {
  it('variants round-trip between the experiment and the picked rows, values typed for their field', () => {
    const variants = [
      { name: 'linear', set: { 'model.activation': 'linear', 'optimizer.learningRate': 0.001, 'data.teacher': 'linear' }, grid: { 'regularization.outputL2': [0, 0.2, 0.3, 0.5] } },
      { set: { 'model.activation': 'relu', 'regularization.outputL2': { kind: 'exp', initial: 0.2, rate: 0.001 } }, grid: {} },
    ]
    const drafts = variantsToDrafts(variants)
    expect(drafts[0].set).toEqual([
      { path: 'model.activation', value: 'linear' },
      { path: 'optimizer.learningRate', value: '0.001' },
      { path: 'data.teacher', value: 'linear' },
    ])
    expect(drafts[1].name).toBe('')
    expect(draftsToVariants(drafts)).toEqual(variants)
    // what a researcher types: a number stays a number, a field not yet picked is left out
    expect(draftsToVariants([{ name: ' relu ', set: [{ path: 'optimizer.learningRate', value: '1e-2' }, { path: '', value: 'x' }], grid: [{ path: 'seed', values: '1 2' }] }])).toEqual([
      { name: 'relu', set: { 'optimizer.learningRate': 0.01 }, grid: { seed: [1, 2] } },
    ])
  })

  it('linked fields of different lengths are said plainly, with each field’s label and count', () => {
    expect(zipLengthIssue([{ path: 'model.hidden', values: '200 800' }, { path: 'data.teacherWidth', values: '200, 800' }])).toBeNull()
    expect(zipLengthIssue([{ path: 'model.hidden', values: '', range: { from: 100, to: 1600, count: 3, scale: 'log' } }, { path: 'data.teacherWidth', values: '100 400' }])).toBe(
      'Linked fields must have the same number of values, since the i-th values go together: Hidden width p has 3, Teacher width has 2',
    )
    expect(zipLengthIssue([{ path: 'model.hidden', values: '1 2' }, { path: '', values: '' }])).toBeNull()
  })

  it('the run list follows the lab’s own expansion: variant slowest, its axes, the shared sweep, linked fields fastest', () => {
    const base = { ...blankConfig(), steps: 10 }
    const experiment: ExperimentInput = {
      name: 'w',
      base,
      grid: { seed: [1, 2] },
      variants: [
        { name: 'linear', set: { 'model.activation': 'linear' }, grid: { 'regularization.outputL2': [0, 0.2] } },
        { set: { 'model.activation': 'relu' }, grid: {} },
      ],
      zip: { 'model.hidden': [100, 400], 'data.teacherWidth': [100, 400] },
    }
    const preview = previewExperiment(experiment)
    const { runs } = expandExperiment(experiment)
    expect(preview).toHaveLength(runs.length)
    expect(preview).toHaveLength((2 + 1) * 2 * 2)
    expect(preview.slice(0, 3)).toEqual([
      'linear · λ=0 seed=1 p=100 teacherWidth=100',
      'linear · λ=0 seed=1 p=400 teacherWidth=400',
      'linear · λ=0 seed=2 p=100 teacherWidth=100',
    ])
    expect(preview.at(-1)).toBe('ψ=relu · seed=2 p=400 teacherWidth=400')
    // each label names exactly the values of the run the lab makes at that place
    runs.forEach((run, i) => {
      for (const [path, value] of Object.entries(run.point)) {
        if (path === 'model.activation') continue
        expect(preview[i]).toContain(`${fieldShortName(path)}=${value}`)
      }
    })
    expect(previewExperiment(experiment, 5)).toHaveLength(5)
    // while the linked lists disagree in length the list still shows, with the gap marked
    expect(previewExperiment({ zip: { 'model.hidden': [1, 2], 'data.teacherWidth': [1] } })).toEqual(['p=1 teacherWidth=1', 'p=2 teacherWidth=?'])
  })
})
