#!/usr/bin/env node
// The `fa-lab` command: runs the TypeScript sources through tsx, so it works straight after
// `npm install` with no build step.
import { getSystemErrorMap } from 'node:util'
import { register } from 'tsx/esm/api'

register()
// A reader that stops early (`fa-lab runs | head`) closes the pipe: every command then stops
// quietly, as Unix tools do, instead of dying on EPIPE with a stack trace. Any other failed write
// (a full disk, `>/dev/full`, an I/O error) is an error: one line naming it, and exit 1.
for (const [stream, name] of [[process.stdout, 'standard output'], [process.stderr, 'standard error']]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0)
    const [code, description] = getSystemErrorMap().get(error.errno) ?? [error.code, error.message]
    // when standard error itself failed there is nowhere left to say so
    if (stream !== process.stderr) process.stderr.write(`fa-lab: cannot write to ${name}: ${description}${code ? ` (${code})` : ''}\n`)
    process.exit(1)
  })
}
const { main } = await import('./main.ts')
process.exitCode = await main(process.argv.slice(2))
