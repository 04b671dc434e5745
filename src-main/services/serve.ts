/**
 * Serving the lab over a transport, written once for both front doors (Electron's ipc.ts and the
 * browser-mode server): every contract channel validated with the shared schemas, errors turned
 * into wire data with their kind (the request's own fault, or the lab's), events fanned out.
 */
import { ConfigError } from '../../src-shared/config'
import { dispatchTable, eventChannels, LabError, type LabEvents, type LabHandlers, type Reply } from '../../src-shared/contract'
import { IdxError } from '../data/idx'
import { StoreFormatError } from '../store/schema'
import type { LabService } from './lab'

/** One request's answer: the reply to send, and whether a failure was the request's own fault. */
export interface Answer {
  reply: Reply
  /** True when the request's own content caused the error (invalid argument, config, file): HTTP 400. */
  inputError: boolean
}

export interface LabTransport {
  /** Sends one event to every client of this transport. */
  send(channel: string, payload: unknown): void
}

/**
 * Errors a request's own content caused: invalid arguments, configs and files it named. Anything
 * else is the lab's fault.
 */
export function isInputError(error: unknown): boolean {
  return error instanceof LabError || error instanceof ConfigError || error instanceof IdxError || error instanceof StoreFormatError || error instanceof URIError
}

/**
 * Serves `lab` (with `overrides`, e.g. the desktop's native folder picker) over a transport: the
 * returned `answer(channel, argument)` validates and calls the service; its events go to
 * `transport.send` until `close()`.
 */
export function serveLab(lab: Pick<LabService, 'service' | 'on'>, transport: LabTransport, overrides: Partial<LabHandlers> = {}) {
  const table = dispatchTable({ ...lab.service, ...overrides })
  const offs = (Object.keys(eventChannels) as (keyof LabEvents)[]).map((event) => lab.on(event, (payload) => transport.send(eventChannels[event], payload)))
  return {
    /** Every request channel served. */
    channels: [...table.keys()],
    has: (channel: string) => table.has(channel),
    /** Answers one request; never throws. */
    async answer(channel: string, argument: unknown): Promise<Answer> {
      const handler = table.get(channel)
      if (!handler) return { reply: { error: { message: `no request channel '${channel}'` } }, inputError: true }
      try {
        return { reply: { result: (await handler(argument)) ?? null }, inputError: false }
      } catch (error) {
        return { reply: { error: LabError.toWire(error) }, inputError: isInputError(error) }
      }
    },
    close(): void {
      offs.forEach((off) => off())
    },
  }
}
