import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LabError, requestChannels, unwrapReply } from '../../src-shared/contract'
import { createLabService } from '../../src-main/services/lab'
import { serveLab } from '../../src-main/services/serve'

const dir = mkdtempSync(join(tmpdir(), 'fa-lab-serve-'))
const lab = createLabService({ labPath: join(dir, 'lab.sqlite'), mode: 'browser', workers: 1, dataDir: dir })
afterAll(() => lab.close())

describe('serving the lab over a transport (shared by ipc.ts and the browser-mode server)', () => {
  const sent: { channel: string; payload: unknown }[] = []
  const served = serveLab(lab, { send: (channel, payload) => sent.push({ channel, payload }) }, { chooseFolder: () => '/chosen' })

  it('serves every contract channel, validating arguments with the shared schemas', async () => {
    expect(served.channels.sort()).toEqual(Object.values(requestChannels).sort())
    expect(await served.answer('runs:list', {})).toEqual({ reply: { result: { bases: [], runs: [] } }, inputError: false })
    expect((await served.answer('dialog:choose-folder', undefined)).reply).toEqual({ result: '/chosen' })
    const bad = await served.answer('runs:get', -3)
    expect(bad.inputError).toBe(true)
    expect(bad.reply.error?.message).toMatch(/invalid argument for getRun/)
    expect(() => unwrapReply(bad.reply)).toThrow(LabError)
    const missing = await served.answer('runs:get', 12345)
    expect(missing).toMatchObject({ inputError: true, reply: { error: { message: 'no run with id 12345' } } })
  })

  it('an invalid experiment comes back with every issue, as a LabError on the client side', async () => {
    const { reply, inputError } = await served.answer('experiments:start', { name: 'x', base: { rule: 'fa' }, grid: {} })
    expect(inputError).toBe(true)
    const error = (() => {
      try {
        unwrapReply(reply)
      } catch (e) {
        return e as LabError
      }
    })()!
    expect(error).toBeInstanceOf(LabError)
    expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['base.steps', 'base.optimizer']))
  })

  it('fans the lab’s events out to the transport until closed', async () => {
    process.env.FA_LAB_MIRRORS = 'http://127.0.0.1:1/'
    try {
      await served.answer('datasets:download', 'fashion-mnist')
      await expect.poll(() => sent.find((e) => e.channel === 'datasets:download-progress' && (e.payload as { done: boolean }).done)).toBeTruthy()
    } finally {
      delete process.env.FA_LAB_MIRRORS
    }
    served.close()
    const before = sent.length
    await served.answer('datasets:download', 'fashion-mnist')
    await new Promise((r) => setTimeout(r, 300))
    expect(sent.length).toBe(before)
  })
})
