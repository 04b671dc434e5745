/**
 * The addon's functions are named in blas.c's init table and in blas.ts (the BlasAddon interface,
 * which the compiler holds addonFunctions to, documents each): the init table, read out of the C
 * source, names exactly addonFunctions, and blas.c's header points at the interface instead of
 * listing them again.
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

  it('each is documented once, in blas.ts’s interface, and blas.c’s header points there', () => {
    const header = source.slice(0, source.indexOf('*/'))
    expect(header).toContain('src-main/engine/blas.ts (BlasAddon)')
    for (const name of Object.keys(addonFunctions)) expect(header, name).not.toMatch(new RegExp(`\\b${name}\\(`))
    const ts = readFileSync(new URL('../../src-main/engine/blas.ts', import.meta.url), 'utf8')
    const body = ts.slice(ts.indexOf('export interface BlasAddon {'), ts.indexOf('\n}\n', ts.indexOf('export interface BlasAddon {')))
    // every member follows a doc comment, or is the pair to the one above it (resetSgemmTime, threads)
    const members = [...body.matchAll(/\n  (\/\*\*[^\n]*\*\/\n  )?([A-Za-z]+)\(/g)].map((m) => ({ name: m[2], documented: !!m[1] }))
    expect(members.map((m) => m.name).sort()).toEqual(Object.keys(addonFunctions).sort())
    expect(members.filter((m) => !m.documented).map((m) => m.name)).toEqual(['resetSgemmTime', 'threads'])
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
