#!/usr/bin/env node
// Builds better-sqlite3 for the installed Electron's ABI into .electron-native/<version>/, a copy
// beside node_modules: the Node build in node_modules stays for the CLI and the tests, and the
// store picks this one when it runs inside Electron (src-main/lib/paths.ts electronSqliteBinding).
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const electronVersion = require('electron/package.json').version
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'))
const sqliteVersion = require('better-sqlite3/package.json').version
const target = join(root, '.electron-native', electronVersion)
const binding = join(target, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

if (existsSync(binding)) process.exit(0)
console.log(`fa-lab: building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (once)…`)
rmSync(target, { recursive: true, force: true })
mkdirSync(join(target, 'node_modules'), { recursive: true })
cpSync(sqliteDir, join(target, 'node_modules', 'better-sqlite3'), { recursive: true, filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`) })
writeFileSync(join(target, 'package.json'), JSON.stringify({ name: 'fa-lab-electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }))
// An npm `nodedir` setting (inherited as npm_config_nodedir under npm run) makes node-gyp compile
// against Node's own headers whatever target it is given: a binding Electron would refuse.
for (const key of Object.keys(process.env)) if (key.toLowerCase() === 'npm_config_nodedir') delete process.env[key]
const { rebuild } = await import('@electron/rebuild')
await rebuild({ buildPath: target, electronVersion, onlyModules: ['better-sqlite3'], force: true })
if (!existsSync(binding)) {
  console.error(`fa-lab: the Electron build of better-sqlite3 did not produce ${binding}`)
  process.exit(1)
}
