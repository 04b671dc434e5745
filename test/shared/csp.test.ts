import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import config from '../../electron.vite.config'
import { contentSecurityPolicy, loopbackSockets } from '../../src-shared/csp'

const root = new URL('../..', import.meta.url).pathname

describe('one Content-Security-Policy', () => {
  it('is written once: no other source states a policy of its own', () => {
    const hits = execFileSync('git', ['grep', '-l', "default-src", '--', 'src-main', 'src-renderer', 'src-shared', 'electron.vite.config.ts'], { cwd: root, encoding: 'utf8' }).trim().split('\n')
    expect(hits).toEqual(['src-shared/csp.ts'])
    expect(readFileSync(`${root}/src-renderer/index.html`, 'utf8')).not.toMatch(/Content-Security-Policy/i)
  })

  it('the renderer build puts it into index.html as a meta tag, allowing event sockets on loopback', () => {
    const plugins = (config as unknown as { renderer: { plugins: { name: string; transformIndexHtml?: () => { tag: string; attrs: Record<string, string> }[] }[] } }).renderer.plugins
    const tags = plugins.find((p) => p.name === 'fa-lab-csp')!.transformIndexHtml!()
    expect(tags).toEqual([expect.objectContaining({ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ connect: loopbackSockets, meta: true }) } })])
    expect(tags[0].attrs.content).toContain("connect-src 'self' ws://127.0.0.1:* ws://localhost:*")
    expect(tags[0].attrs.content).not.toContain('frame-ancestors')
    expect(contentSecurityPolicy()).toContain("frame-ancestors 'none'")
  })
})
