/** What every `fa-lab` command provides; main.ts dispatches to them by name. */
export interface Command {
  /** One line for `fa-lab --help`. */
  summary: string
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: string[]): Promise<number>
}
