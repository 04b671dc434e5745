import { describe, expect, it } from 'vitest'
import { asciiJson } from '../../src-main/server/ascii-json'

describe('browser mode sends JSON as ASCII', () => {
  it('every unit above 0x7f is a \\u escape, and the bytes parse back to the same value', () => {
    const value = { name: 'FA λ=0.1 p=800', symbols: ['η', 'β', '·', '“quoted”'], emoji: 'run 😀', lone: '\ud800', plain: 'seed 3', nested: { 'λ key': [1, 'µ'] } }
    const text = JSON.stringify(value)
    const bytes = asciiJson(text)
    expect([...bytes].every((b) => b <= 0x7f)).toBe(true)
    expect(JSON.parse(bytes.toString('latin1'))).toEqual(value)
    expect(bytes.toString('latin1')).toContain('FA \\u03bb=0.1')
    // a surrogate pair is two escapes, as JSON writes characters outside the BMP
    expect(bytes.toString('latin1')).toContain('\\ud83d\\ude00')
    expect(asciiJson('{"a":"plain"}').toString('latin1')).toBe('{"a":"plain"}')
  })
})
