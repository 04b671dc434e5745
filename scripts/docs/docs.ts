/**
 * `npm run docs`: rewrites README.md's generated tables (scripts/docs/readme.ts).
 * `npm run docs -- --check`: changes nothing; exits 1, naming README.md, when they are out of date.
 * `--readme PATH` works on another copy of the README (tests use it).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../src-main/lib/paths'
import { checkReadme, generatedRegions, regenerate } from './readme'

const at = process.argv.indexOf('--readme')
const path = at >= 0 ? process.argv[at + 1] : join(projectRoot(), 'README.md')
const readme = readFileSync(path, 'utf8')
const regions = await generatedRegions()
if (process.argv.includes('--check')) {
  const problem = checkReadme(readme, regions)
  if (problem) {
    console.error(at >= 0 ? problem.replace('README.md', path) : problem)
    process.exitCode = 1
  } else console.log('README.md: generated tables up to date')
} else {
  const next = regenerate(readme, regions)
  if (next !== readme) writeFileSync(path, next)
  console.log(next === readme ? 'README.md: generated tables up to date' : 'README.md: generated tables rewritten')
}
