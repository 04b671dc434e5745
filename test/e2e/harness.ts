/**
 * What every end-to-end file starts with: the real CLI serving a lab in browser mode on an
 * ephemeral port, and Debian's Chromium with the flags this closed network needs (without the
 * background-networking ones Chromium keeps calling out and being refused).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import { figureSnapshot, type FigureSnapshot } from '../../src-renderer/src/charts/figure-snapshot'
import { renderSvg } from '../../src-main/services/figures'

const cli = join(new URL('../..', import.meta.url).pathname, 'src-main/cli/fa-lab.mjs')

export interface ServedLab {
  server: ChildProcess
  /** The URL `fa-lab serve` printed, with its session token. */
  url: string
  origin: string
}

/** Starts `fa-lab serve` on the lab file `<home>/lab.sqlite` and waits for the URL it prints. */
export async function serveLab(home: string, options: { workers: number; env?: Record<string, string> }): Promise<ServedLab> {
  const server = spawn(process.execPath, [cli, 'serve', '--db', join(home, 'lab.sqlite'), '--port', '0', '--workers', String(options.workers)], {
    env: { ...process.env, FA_LAB_HOME: home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    server.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)
      if (match) resolve(match[1])
    })
    server.once('exit', (code) => reject(new Error(`fa-lab serve exited with ${code}: ${out}`)))
  })
  return { server, url, origin: new URL(url).origin }
}

/** Stops the server as Ctrl-C would, and waits for it to exit. */
export async function stopLab(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGINT')
  await exited
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

export interface LabPage extends ServedLab {
  browser: Browser
  /** A page at the 1,440 × 900 window the issues were seen in. */
  page: Page
  /** The page's uncaught errors; closeLabPage fails the file when there are any. */
  pageErrors: Error[]
}

/** A served lab, Chromium and one page on it (not yet opened at the lab's URL). */
export async function openLabPage(home: string, options: { workers: number; env?: Record<string, string> }): Promise<LabPage> {
  const lab = await serveLab(home, options)
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  const pageErrors: Error[] = []
  page.on('pageerror', (error) => pageErrors.push(error))
  return { ...lab, browser, page, pageErrors }
}

/** Closes Chromium and stops the server; fails when the page threw an uncaught error. */
export async function closeLabPage(lab: LabPage | undefined): Promise<void> {
  await lab?.browser.close()
  await stopLab(lab?.server)
  expect(lab?.pageErrors.map(String) ?? []).toEqual([])
}

/** A client of the served lab's HTTP API with the session token of its URL; resolves to the result, throws the error. */
export function labApi(url: string) {
  const token = new URL(url).searchParams.get('token')
  return async <T = unknown>(channel: string, argument?: unknown): Promise<T> => {
    const response = await fetch(`${new URL(url).origin}/api/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ argument }) })
    const body = (await response.json()) as { result?: T; error?: { message: string } }
    if (body.error) throw new Error(body.error.message)
    return body.result as T
  }
}

/**
 * Checks a figure drawn on screen (its snapshot) against the SVG export of the same spec made
 * headless: the same series and points, axis ranges and ticks, texts, and plot rectangles (the
 * canvas snaps those to its device pixels: within 0.05 pt).
 */
export function expectScreenMatchesSvg(screen: FigureSnapshot, spec: FigureSpec, series: Record<string, RunSeries[]>, label: string): FigureSnapshot {
  let headless: FigureSnapshot | null = null
  renderSvg(buildFigure(spec, series), spec, (chart) => (headless = figureSnapshot(chart)))
  const svg = headless as FigureSnapshot | null
  if (!svg) throw new Error('the SVG renderer drew nothing')
  expect(screen.series, label).toEqual(svg.series)
  expect(screen.axes, label).toEqual(svg.axes)
  expect(screen.grids.length, label).toBe(svg.grids.length)
  screen.grids.forEach((g, i) => (['x', 'y', 'width', 'height'] as const).forEach((k) => expect(Math.abs(g[k] - svg.grids[i][k]), `${label} grid ${k}`).toBeLessThan(0.05)))
  expect(screen.texts.map((t) => t.text), label).toEqual(svg.texts.map((t) => t.text))
  return svg
}
