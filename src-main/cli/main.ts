/**
 * The command line: another front door onto the same engine, data and (later) store services.
 * Each command returns its exit code; nothing here calls process.exit, so tests can run commands
 * in-process.
 */
import { ConfigError } from '../../src-shared/config'
import { terminalText } from '../../src-shared/text'
import { UsageError } from './args'
import type { Command } from './command'

/** One of the lab-file commands, all in store-commands.ts. */
type StoreCommands = typeof import('./store-commands')
const storeCommand = (name: { [K in keyof StoreCommands]: StoreCommands[K] extends Command ? K : never }[keyof StoreCommands]) => async (): Promise<Command> => (await import('./store-commands'))[name]

// Each command is loaded when it is run: `fa-lab runs` need not load tfjs, the server and the
// figure renderer (about 3 s of module loading) to list a lab's runs.
const commands: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./train')).trainCommand,
  datasets: async () => (await import('./datasets')).datasetsCommand,
  run: async () => (await import('./run')).runCommand,
  resume: async () => (await import('./resume')).resumeCommand,
  runs: storeCommand('runsCommand'),
  metrics: storeCommand('metricsCommand'),
  rename: storeCommand('renameCommand'),
  merge: storeCommand('mergeCommand'),
  'export-runs': storeCommand('exportRunsCommand'),
  'import-runs': storeCommand('importRunsCommand'),
  check: storeCommand('checkCommand'),
  build: async () => (await import('./build')).buildCommand,
  figure: async () => (await import('./figure')).figureCommand,
  reproduce: async () => (await import('./reproduce')).reproduceCommand,
  serve: async () => (await import('./serve')).serveCommand,
  start: async () => (await import('./start')).startCommand,
}

/** Every command with its name, in `fa-lab --help`'s order (the README's command table reads it too). */
export async function commandList(): Promise<{ name: string; command: Command }[]> {
  return Promise.all(Object.entries(commands).map(async ([name, load]) => ({ name, command: await load() })))
}

export async function usage(): Promise<string> {
  const lines = (await commandList()).map(({ name, command }) => `  ${name.padEnd(14)} ${command.summary}${command.synopsis ? `\n  ${' '.repeat(14)} ${name} ${command.synopsis}` : ''}`)
  return ['usage: fa-lab <command> [options]', '', 'commands:', ...lines, '', 'fa-lab <command> --help for its options'].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage())
    return name ? 0 : 2
  }
  const command = Object.hasOwn(commands, name) ? await commands[name]() : undefined
  if (!command) {
    console.error(`fa-lab: unknown command '${terminalText(name)}'\n\n${await usage()}`)
    return 2
  }
  // Every command answers --help (or -h) here, before its own options are parsed, and does nothing else.
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help?.() ?? `usage: fa-lab ${name}${command.synopsis ? ` ${command.synopsis}` : ''}\n\n${command.summary}`)
    return 0
  }
  try {
    return await command.run(rest)
  } catch (error) {
    // messages quote files, names and values as given: shown, never obeyed by the terminal
    console.error(terminalText(`fa-lab ${name}: ${error instanceof Error ? error.message : String(error)}`))
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 1
  }
}
