#!/usr/bin/env node
// Builds the optional BLAS addon (src-main/native/blas). Never fails the install: without a
// compiler or a BLAS library the lab runs on tfjs-wasm and says so.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = join(dirname(fileURLToPath(import.meta.url)), 'blas')
const built = join(dir, 'build', 'Release', 'fa_lab_blas.node')

/** True when the built addon exists and no source beside it (blas.c, binding.gyp, headers) is newer. */
function upToDate() {
  if (!existsSync(built)) return false
  const builtAt = statSync(built).mtimeMs
  return readdirSync(dir)
    .filter((name) => /\.(c|h|gyp)$/.test(name))
    .every((name) => statSync(join(dir, name)).mtimeMs <= builtAt)
}

// --if-missing (npm test's pretest) skips the build when the addon is current; a source changed by a
// pull or a rebase rebuilds it, so tests never run an addon older than its C code.
if (process.argv.includes('--if-missing') && upToDate()) process.exit(0)

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, [process.env.npm_config_node_gyp]]
  try {
    const npmDir = dirname(createRequire(import.meta.url).resolve('npm/package.json'))
    return [process.execPath, [join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]]
  } catch {
    const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
    return [process.execPath, [bundled]]
  }
}

// Node's own headers where the system has them, so the build needs no download.
function nodeDir() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`]
  const prefix = join(dirname(process.execPath), '..')
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : []
}

const [command, prefix] = nodeGyp()
const result = spawnSync(command, [...prefix, 'rebuild', '--release', ...nodeDir()], { cwd: dir, encoding: 'utf8' })
if (result.status === 0) {
  console.log('fa-lab: built the BLAS addon; training uses OpenBLAS matrix products (backend "blas").')
} else {
  const reason = `${result.stderr ?? ''}${result.stdout ?? ''}`.split('\n').filter((l) => /error|not found|No such/i.test(l)).slice(0, 3).join('\n  ')
  console.log(
    'fa-lab: the optional BLAS addon was not built, so training falls back to tfjs-wasm (several times slower on large nets).\n' +
      '  To enable it, install a C compiler and OpenBLAS (Debian/Ubuntu: apt-get install build-essential libopenblas-dev) and run npm run build:native.' +
      (reason ? `\n  ${reason}` : ''),
  )
}
