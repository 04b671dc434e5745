#!/usr/bin/env node
// Builds the optional BLAS addon (src-main/native/blas). Never fails the install: without a
// compiler or a BLAS library the lab runs on tfjs-wasm and says so.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = join(dirname(fileURLToPath(import.meta.url)), 'blas')
const built = join(dir, 'build', 'Release', 'fa_lab_blas.node')
const stamp = join(dir, 'build', 'sources.sha256')

/** SHA-256 over the addon's sources (blas.c, binding.gyp, headers), in name order. */
function sourcesHash() {
  const hash = createHash('sha256')
  for (const name of readdirSync(dir).filter((n) => /\.(c|h|gyp)$/.test(n)).sort()) {
    hash.update(name).update(readFileSync(join(dir, name)))
  }
  return hash.digest('hex')
}

// --if-missing (npm test's pretest) skips the build only when the addon was built from the sources
// as they are now: after a pull or rebase that changed blas.c, tests never run an older addon.
const current = existsSync(built) && existsSync(stamp) && readFileSync(stamp, 'utf8') === sourcesHash()
if (process.argv.includes('--if-missing') && current) process.exit(0)

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
  writeFileSync(stamp, sourcesHash())
  console.log('fa-lab: built the BLAS addon; training uses OpenBLAS matrix products (backend "blas").')
} else {
  const reason = `${result.stderr ?? ''}${result.stdout ?? ''}`.split('\n').filter((l) => /error|not found|No such/i.test(l)).slice(0, 3).join('\n  ')
  console.log(
    'fa-lab: the optional BLAS addon was not built, so training falls back to tfjs-wasm (several times slower on large nets).\n' +
      '  To enable it, install a C compiler and OpenBLAS (Debian/Ubuntu: apt-get install build-essential libopenblas-dev) and run npm run build:native.' +
      (reason ? `\n  ${reason}` : ''),
  )
}
