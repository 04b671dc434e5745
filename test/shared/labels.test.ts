import { describe, expect, it } from 'vitest'
import { rules } from '../../src-shared/config'
import { fieldAt } from '../../src-shared/fields'
import { fieldValue, fieldValueLabel } from '../../src-shared/labels'

describe('legend labels read the rule names off the schema', () => {
  it('every rule has its short name, KP and DRTP included', () => {
    expect(rules.map((rule) => fieldValue('rule', rule))).toEqual(rules.map((rule) => fieldAt('rule')!.optionShortLabels![rule]))
    expect(fieldValue('rule', 'fa')).toBe('FA')
    expect(fieldValue('rule', 'kp')).toBe('KP')
    expect(fieldValue('rule', 'drtp')).toBe('DRTP')
    expect(fieldValueLabel('rule', 'kp')).toBe('learning rule KP')
  })

  it('other values as they are, and names the metadata lacks as given', () => {
    expect(fieldValue('model.activation', 'relu')).toBe('relu')
    expect(fieldValue('rule', 'constructor')).toBe('constructor')
    expect(fieldValue('optimizer.learningRate', 0.1)).toBe('0.1')
    expect(fieldValue('seed', undefined)).toBe('—')
  })
})
