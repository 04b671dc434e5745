/** What every `fa-lab` command provides; main.ts dispatches to them by name. */
export interface Command {
  /** One line for `fa-lab --help` and the README's command table (`npm run docs`). */
  summary: string
  /** Its arguments in brief, after its name: `--config run.json [--json]`; `fa-lab --help` and the README show it. */
  synopsis?: string
  /** Its whole `--help` text; without one, `fa-lab NAME --help` prints the usage line and summary. */
  help?: () => string
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: string[]): Promise<number>
}
