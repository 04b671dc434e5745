/** A one-line progress bar on stderr (redrawn in place on a terminal, one line per 10% otherwise). */
export function progressBar(label: string, width = 30) {
  const tty = process.stderr.isTTY
  let lastDecile = -1
  return {
    update(percent: number, detail = '') {
      const clamped = Math.max(0, Math.min(100, percent))
      const filled = Math.round((clamped / 100) * width)
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${clamped.toFixed(0).padStart(3)}% ${detail}`
      if (tty) process.stderr.write(`\r${line}\x1b[K`)
      else if (Math.floor(clamped / 10) !== lastDecile) {
        lastDecile = Math.floor(clamped / 10)
        process.stderr.write(`${line}\n`)
      }
    },
    done(message: string) {
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}${label}: ${message}\n`)
    },
  }
}
