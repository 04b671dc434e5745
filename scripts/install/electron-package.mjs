#!/usr/bin/env node
// Keeps Electron's npm package installed where its binary cannot be downloaded.
//
// Electron is an optional dependency because its install script downloads the binary (from
// github.com), which fails offline or behind a firewall that lets only the npm registry through.
// When an optional dependency's install script fails, npm removes the whole package, yet the
// type-check (electron.d.ts) and electron-vite's build (Electron's version sets its targets) need
// the package, not the binary. So the project's postinstall puts the package back, at the version
// in package-lock.json, without running its install script, with its own dependencies nested
// inside it so that `npm rebuild electron` can fetch the binary later. Where the binary did
// download, or npm was told to omit optional dependencies, this does nothing. Never fails the
// install: without the package, `npm run build` builds the renderer alone, as before.
//
// usage: node scripts/install/electron-package.mjs [project folder]
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'))
const target = join(root, 'node_modules', 'electron')

function electronVersion() {
  try {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'))
    return lock.packages?.['node_modules/electron']?.version ?? null
  } catch {
    return null
  }
}

// npm's settings that say where and how to fetch pass through; the ones that describe the outer
// install (its prefix, what it omits, its lockfile) must not steer the staging install.
const passedSettings = /^npm_config_(registry|cache|cafile|ca|cert|key|proxy|https_proxy|noproxy|strict_ssl|userconfig|globalconfig|offline|prefer_offline|fetch_\w+|@[\w.-]+:registry|\/\/.*)$/i

function npmEnvironment() {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) || passedSettings.test(key)) env[key] = value
  }
  return env
}

function npmCommand() {
  // Under npm, npm_execpath is npm's own CLI script; run it with this Node.
  const cli = process.env.npm_execpath
  if (cli && /\.c?js$/.test(cli)) return [process.execPath, [cli]]
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', []]
}

function main() {
  if (existsSync(join(target, 'package.json'))) return 0
  if (/\boptional\b/.test(process.env.npm_config_omit ?? '')) return 0
  const version = electronVersion()
  if (!version) return 0
  const staging = join(root, 'node_modules', '.fa-lab-electron-staging')
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'fa-lab-electron-staging', private: true }))
  const [command, prefix] = npmCommand()
  const args = [...prefix, 'install', `electron@${version}`, '--ignore-scripts', '--no-save', '--no-package-lock', '--install-strategy=nested', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']
  const result = spawnSync(command, args, { cwd: staging, env: npmEnvironment(), encoding: 'utf8', shell: process.platform === 'win32' })
  const staged = join(staging, 'node_modules', 'electron')
  if (result.status !== 0 || !existsSync(join(staged, 'package.json'))) {
    console.error(`fa-lab: Electron's binary could not be downloaded, and its npm package could not be put back either (${(result.stderr || result.error?.message || '').trim().split('\n').pop()}). \`npm run build\` builds the renderer alone; \`npm run lab\` opens the lab in your browser.`)
    rmSync(staging, { recursive: true, force: true })
    return 0
  }
  renameSync(staged, target)
  rmSync(staging, { recursive: true, force: true })
  console.error(
    `fa-lab: Electron's binary could not be downloaded (npm then leaves Electron out), so Electron ${version}'s npm package was put back without it: ` +
      'the type-check and `npm run build` work, and `npm run lab` opens the lab in your browser. ' +
      "For the desktop window, run `npm rebuild electron` on a network that reaches Electron's downloads (github.com).",
  )
  return 0
}

process.exitCode = main()
