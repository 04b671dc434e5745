/**
 * Ctrl-C and SIGTERM for long-running commands, installed before the command prints anything: a
 * signal that arrives while the lab is still starting (the user read the first line and pressed
 * Ctrl-C) must stop it cleanly, not kill it through the default handler.
 */

let pending: { stopped: Promise<NodeJS.Signals>; release(): void } | null = null

/**
 * Starts listening for SIGINT and SIGTERM (once per process; later calls share the listener) and
 * returns a promise of the first one, with `release` to remove the handlers when the command ends.
 */
export function armStopSignals(): { stopped: Promise<NodeJS.Signals>; release(): void } {
  if (pending) return pending
  let resolveStop!: (signal: NodeJS.Signals) => void
  const stopped = new Promise<NodeJS.Signals>((resolve) => (resolveStop = resolve))
  const onSignal = (signal: NodeJS.Signals) => resolveStop(signal)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  pending = {
    stopped,
    release() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      pending = null
    },
  }
  return pending
}
