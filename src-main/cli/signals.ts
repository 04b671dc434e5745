/**
 * Ctrl-C and SIGTERM for the long-running commands (run, resume, reproduce, train, serve, start),
 * the one definition they all arm as the first thing they do: a signal that arrives while the
 * command is still setting up (reading the experiment, storing its runs, starting the lab) must
 * stop it cleanly, with a line saying what it stopped and exit 130, not kill it through the default
 * handler and leave its stored runs to be found `interrupted` by the next open.
 *
 * A signal is only seen when JavaScript returns to the event loop: code that does long synchronous
 * work (storing 10,000 runs) asks `stopSeen()` afterwards, which lets a signal pressed meanwhile in.
 */

export interface StopSignals {
  /** Resolves with the first SIGINT or SIGTERM received after arming. */
  stopped: Promise<NodeJS.Signals>
  /** That signal once it has been received, else null: for checks between steps of work. */
  readonly received: NodeJS.Signals | null
  /** Removes the handlers when the last command that armed them releases them (calls nest: reproduce runs `run`). */
  release(): void
}

interface Armed {
  stopped: Promise<NodeJS.Signals>
  received: NodeJS.Signals | null
  /** How many commands armed it and have not released it. */
  users: number
  remove(): void
}
let shared: Armed | null = null

/**
 * `body` with the stop signals armed from its first moment and released after it: a long
 * command's whole run, so Ctrl-C while it reads, checks or stores stops it cleanly.
 */
export async function withStopSignals<T>(body: (signals: StopSignals) => Promise<T>): Promise<T> {
  const signals = armStopSignals()
  try {
    return await body(signals)
  } finally {
    signals.release()
  }
}

/**
 * Starts listening for SIGINT and SIGTERM, or joins the listener already armed (a command that
 * calls another shares its signal), and returns it; `release` when the command ends.
 */
export function armStopSignals(): StopSignals {
  if (!shared) {
    let resolveStop!: (signal: NodeJS.Signals) => void
    const state: Armed = {
      stopped: new Promise<NodeJS.Signals>((resolve) => (resolveStop = resolve)),
      received: null,
      users: 0,
      remove: () => {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      },
    }
    const onSignal = (signal: NodeJS.Signals) => {
      state.received ??= signal
      resolveStop(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    shared = state
  }
  const state = shared
  state.users++
  let released = false
  return {
    stopped: state.stopped,
    get received() {
      return state.received
    },
    release() {
      if (released) return
      released = true
      if (--state.users > 0) return
      state.remove()
      if (shared === state) shared = null
    },
  }
}

/**
 * The signal received so far, after letting one that arrived during synchronous work be delivered
 * (Node runs signal handlers from the event loop: one turn of it is enough).
 */
export async function stopSeen(signals: StopSignals): Promise<NodeJS.Signals | null> {
  await new Promise((resolve) => setImmediate(resolve))
  return signals.received
}
