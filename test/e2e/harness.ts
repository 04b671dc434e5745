/**
 * What every end-to-end file starts with: the real CLI serving a lab in browser mode on an
 * ephemeral port and Debian's Chromium (scripts/served-lab.ts, which the bench starts them with
 * too), a page at the issues' window size, and the figure read back from the chart.
 */
import type { Browser, Page } from 'playwright-core'
import { expect } from 'vitest'
import type { RunSeries } from '../../src-shared/analysis'
import { buildFigure } from '../../src-shared/figure'
import { FigureSpec } from '../../src-shared/figure-spec'
import { figureSnapshot, type FigureSnapshot } from '../../src-renderer/src/charts/figure-snapshot'
import { renderSvg } from '../../src-main/services/figures'
import { launchChromium, serveLab, stopLab, type ServedLab } from '../../scripts/served-lab'

export { launchChromium, serveLab, stopLab, type ServedLab }


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
