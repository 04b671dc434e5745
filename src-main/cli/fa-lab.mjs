#!/usr/bin/env node
// The `fa-lab` command: runs the TypeScript sources through tsx, so it works straight after
// `npm install` with no build step.
import { register } from 'tsx/esm/api'

register()
// A reader that stops early (`fa-lab runs | head`) closes the pipe: every command then stops
// quietly, as Unix tools do, instead of dying on EPIPE with a stack trace. Other write errors stay errors.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
}
const { main } = await import('./main.ts')
process.exitCode = await main(process.argv.slice(2))
