/**
 * The command line: another front door onto the same engine, data and (later) store services.
 * Each command returns its exit code; nothing here calls process.exit, so tests can run commands
 * in-process.
 */
import { ConfigError } from '../../src-shared/config'
import { terminalText } from '../../src-shared/text'
import { UsageError } from './args'
import { buildCommand } from './build'
import type { Command } from './command'
import { datasetsCommand } from './datasets'
import { figureCommand } from './figure'
import { reproduceCommand } from './reproduce'
import { resumeCommand } from './resume'
import { runCommand } from './run'
import { serveCommand } from './serve'
import { startCommand } from './start'
import { checkCommand, exportRunsCommand, importRunsCommand, mergeCommand, metricsCommand, renameCommand, runsCommand } from './store-commands'
import { trainCommand } from './train'

const commands: Record<string, Command> = {
  train: trainCommand,
  datasets: datasetsCommand,
  run: runCommand,
  resume: resumeCommand,
  runs: runsCommand,
  metrics: metricsCommand,
  rename: renameCommand,
  merge: mergeCommand,
  'export-runs': exportRunsCommand,
  'import-runs': importRunsCommand,
  check: checkCommand,
  build: buildCommand,
  figure: figureCommand,
  reproduce: reproduceCommand,
  serve: serveCommand,
  start: startCommand,
}

/** Every command with its name, in `fa-lab --help`'s order (the README's command table reads it too). */
export function commandList(): { name: string; command: Command }[] {
  return Object.entries(commands).map(([name, command]) => ({ name, command }))
}

export function usage(): string {
  const lines = commandList().map(({ name, command }) => `  ${name.padEnd(14)} ${command.summary}${command.synopsis ? `\n  ${' '.repeat(14)} ${name} ${command.synopsis}` : ''}`)
  return ['usage: fa-lab <command> [options]', '', 'commands:', ...lines, '', 'fa-lab <command> --help for its options'].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name ? 0 : 2
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (!command) {
    console.error(`fa-lab: unknown command '${terminalText(name)}'\n\n${usage()}`)
    return 2
  }
  try {
    return await command.run(rest)
  } catch (error) {
    // messages quote files, names and values as given: shown, never obeyed by the terminal
    console.error(terminalText(`fa-lab ${name}: ${error instanceof Error ? error.message : String(error)}`))
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 1
  }
}
