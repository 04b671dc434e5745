/**
 * The lab page's Content-Security-Policy, defined once: the Electron window's header, the meta tag
 * the renderer build puts in index.html (file:// pages get no headers), and browser mode's header
 * all come from here and differ only in where the page may open its event socket.
 */

/**
 * The policy as a header or meta value. `connect` adds event-socket origins (browser mode's
 * `ws://127.0.0.1:PORT`); `meta` leaves out frame-ancestors, which browsers ignore in a meta tag.
 */
export function contentSecurityPolicy(options: { connect?: string[]; meta?: boolean } = {}): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    ['style-src', "'self'", "'unsafe-inline'"],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['connect-src', "'self'", ...(options.connect ?? [])],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
  ]
  if (!options.meta) directives.push(['frame-ancestors', "'none'"])
  return directives.map((d) => d.join(' ')).join('; ')
}

/** Where a page served on any loopback port may open its event socket (the meta tag's policy). */
export const loopbackSockets = ['ws://127.0.0.1:*', 'ws://localhost:*']
