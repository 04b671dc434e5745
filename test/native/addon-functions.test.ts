/**
 * The addon's functions are named in blas.c (its header comment and its init table) and in
 * blas.ts (the BlasAddon interface, which the compiler holds addonFunctions to): the init table,
 * read out of the C source, names exactly addonFunctions, and the header documents each.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { addonFunctions, loadBlas } from '../../src-main/engine/blas'

const source = readFileSync(new URL('../../src-main/native/blas/blas.c', import.meta.url), 'utf8')

/** The names in `napi_property_descriptor properties[] = { {"name", ...}, ... }`. */
function initTable(c: string): string[] {
  const table = /napi_property_descriptor\s+properties\[\]\s*=\s*\{([\s\S]*?)\n\s*\};/.exec(c)
  if (!table) throw new Error('blas.c has no napi_property_descriptor table')
  return [...table[1].matchAll(/\{\s*"([A-Za-z]+)"\s*,/g)].map((m) => m[1])
}

describe('the addon’s function list', () => {
  it('blas.c’s init table names exactly the functions blas.ts lists', () => {
    expect(initTable(source).sort()).toEqual(Object.keys(addonFunctions).sort())
  })

  it('blas.c’s header comment documents each', () => {
    const header = source.slice(0, source.indexOf('*/'))
    for (const name of Object.keys(addonFunctions)) expect(header, name).toMatch(new RegExp(`\\b${name}\\(`))
  })

  it('the parse finds a function added to the table', () => {
    const added = source.replace('{"config", NULL,', '{"extra", NULL, extra, NULL, NULL, NULL, napi_default, NULL},\n      {"config", NULL,')
    expect(initTable(added)).toContain('extra')
    expect(initTable(added)).toHaveLength(Object.keys(addonFunctions).length + 1)
  })

  it('the built addon has every one', () => {
    const blas = loadBlas()
    expect(blas).not.toBeNull()
    for (const name of Object.keys(addonFunctions)) expect(typeof (blas as unknown as Record<string, unknown>)[name], name).toBe('function')
  })
})
