/** The session for a run's model: a conv model's (engine/conv-session.ts) or an MLP's (engine/session.ts). */
import type { RunConfig } from '../../src-shared/config'
import type { Dataset } from '../data/dataset'
import { createConvSession } from './conv-session'
import { createSession, type RunSession, type SessionOptions } from './session'

export function createRunSession(config: RunConfig, data: Dataset, options: SessionOptions = {}): RunSession {
  return config.model.kind === 'conv' ? createConvSession(config, data, { fused: options.fused, resume: options.resume }) : createSession(config, data, options)
}
