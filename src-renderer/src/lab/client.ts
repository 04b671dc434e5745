/**
 * The renderer's connection to the lab: Electron's preload (window.lab) when present, otherwise
 * browser mode over HTTP and a WebSocket on the loopback address, authorised by the token the
 * lab printed in its URL (kept in sessionStorage so a reload stays signed in).
 */
import { createLabApi, LabError, requestChannels, unwrapReply, type LabApi, type Reply, type WireError } from '../../../src-shared/contract'

const tokenKey = 'fa-lab-token'

function takeToken(): string {
  const params = new URLSearchParams(location.search)
  const fromUrl = params.get('token')
  if (fromUrl) {
    sessionStorage.setItem(tokenKey, fromUrl)
    params.delete('token')
    const query = params.toString()
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`)
  }
  return sessionStorage.getItem(tokenKey) ?? ''
}

function browserLab(): LabApi {
  const token = takeToken()
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let socket: WebSocket | null = null
  let retryMs = 250

  const connect = () => {
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events?token=${encodeURIComponent(token)}`)
    socket.onmessage = (message) => {
      const { channel, payload } = JSON.parse(String(message.data)) as { channel: string; payload: unknown }
      listeners.get(channel)?.forEach((l) => l(payload))
    }
    socket.onopen = () => (retryMs = 250)
    socket.onclose = () => {
      socket = null
      setTimeout(connect, retryMs)
      retryMs = Math.min(retryMs * 2, 5000)
    }
  }
  connect()

  return createLabApi(
    async (channel, argument) => {
      const response = await fetch(`/api/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ argument }),
      })
      const body = (await response.json().catch(() => ({ error: { message: `HTTP ${response.status}` } }))) as { result?: unknown; error?: WireError }
      if (!response.ok && !body.error) throw new LabError(`HTTP ${response.status}`)
      return unwrapReply(body as Reply)
    },
    (channel, listener) => {
      let set = listeners.get(channel)
      if (!set) listeners.set(channel, (set = new Set()))
      set.add(listener)
      return () => set!.delete(listener)
    },
  )
}

/**
 * Whether this page may talk to the lab: always in Electron; in browser mode only with the token
 * the lab printed, which the server must accept. `missing` and `refused` get the sign-in screen.
 */
export async function checkAccess(): Promise<'ok' | 'missing' | 'refused'> {
  if ((window as unknown as { lab?: LabApi }).lab) return 'ok'
  const token = takeToken()
  if (!token) return 'missing'
  const response = await fetch(`/api/${requestChannels.getLabInfo}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({}) }).catch(() => null)
  if (response?.status === 401) {
    sessionStorage.removeItem(tokenKey)
    return 'refused'
  }
  return 'ok'
}

export function connectLab(): LabApi {
  const injected = (window as unknown as { lab?: LabApi }).lab
  return injected ?? browserLab()
}
