#!/usr/bin/env node
// The `fa-lab` command: runs the TypeScript sources through tsx, so it works straight after
// `npm install` with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('./main.ts')
process.exitCode = await main(process.argv.slice(2))
