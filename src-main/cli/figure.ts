import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { FigureFormat, figurePixelsFault, FigureSpec } from '../../src-shared/figure-spec'
import { maxFigureFontPt, maxFigureRuns, minFigureFontPt } from '../lib/limits'
// services/figures (ECharts, the PNG and PDF renderers: most of the command's start-up) is loaded
// only once the figure is known to be drawable, so a refused size or option answers without it
const figures = () => import('../services/figures')
import { presetFigureSpec } from '../services/presets'
import { experimentPreset, loadReference, referenceNames } from '../services/reproduction'
import { openStore } from '../store/store'
import { parseOptions, readJsonFile, UsageError } from './args'
import type { Command } from './command'

const help = `usage: fa-lab figure --db lab.sqlite (--view <saved comparison | spec.json> | --runs 1,2,3 | --experiment N)
                    --out fig.svg|png|pdf [--panels measure,measure] [--group-by PATH[,PATH]]
                    [--size 3.25inx2.4in] [--font-size PT] [--csv data.csv] [--json data.json] [--pixel-ratio R]
                    [--reference]

Renders a figure without a window (ECharts server-side rendering): the same figure the
comparison view shows and exports. --view names a comparison saved in the lab, or a JSON file
holding a figure spec ({"runIds": [...], "measures": ["signalAlignment", "testAccuracy"],
"groupBy": ["regularization.outputL2"], ...}), or a preset with a figure of its own
(song2021-width: the paper's Fig. 2; song2021-mnist: Fig. 3) drawn over the newest experiment of
that preset in the lab; --runs picks runs instead, and --experiment draws an experiment on the
figure the app opens it on (a preset's own figure, else its swept fields as lines with SD bands
over seeds).
The options below override the spec's:
  --panels       measures, one panel each (default: the spec's; for --runs weightAlignment)
  --group-by     config fields to group by (mean over the rest); 'none' for one line per run
  --size         width x height, each in in, cm or px: 3.25inx2.4in, 8.5cmx6cm, 800pxx500px
  --font-size    in points
  --csv          exactly the plotted numbers of every panel
  --reference    draws the preset's published numbers over the figure (resources/references):
                 hollow markers with ±2 SE bars, in the legend under the reference's citation
                 (song2021-width: Song et al. 2021); their rows join the CSV. The preset is the
                 one --view names, or the one the --experiment was made from`

/** `3.25inx2.4in`, `8cmx6cm`, `800x500` (px): width and height in one unit. */
export function parseSize(text: string): { width: number; height: number; unit: 'in' | 'cm' | 'px' } {
  const match = /^(\d+(?:\.\d+)?)(in|cm|px)?x(\d+(?:\.\d+)?)(in|cm|px)?$/.exec(text.trim())
  if (!match || (match[2] && match[4] && match[2] !== match[4])) throw new UsageError(`--size '${text}': expected WIDTHxHEIGHT with one unit of in, cm or px, such as 3.25inx2.4in`)
  return { width: Number(match[1]), height: Number(match[3]), unit: (match[2] ?? match[4] ?? 'px') as 'in' | 'cm' | 'px' }
}

export const figureCommand: Command = {
  summary: 'render a saved comparison, a figure spec or chosen runs to SVG, PNG or PDF',
  synopsis: '--db lab.sqlite (--view NAME|spec.json | --runs 1,2,3 | --experiment N) --out fig.svg|png|pdf [--panels a,b] [--group-by PATH] [--size 3.25inx2.4in] [--font-size 8] [--csv data.csv] [--reference]',
  help: () => help,
  async run(args) {
    const { values } = parseOptions(args, {
      db: { type: 'string' },
      view: { type: 'string' },
      runs: { type: 'string' },
      experiment: { type: 'string' },
      panels: { type: 'string' },
      'group-by': { type: 'string' },
      size: { type: 'string' },
      'font-size': { type: 'string' },
      out: { type: 'string' },
      csv: { type: 'string' },
      json: { type: 'string' },
      'pixel-ratio': { type: 'string' },
      reference: { type: 'boolean' },
    })
    const sources = [values.view, values.runs, values.experiment].filter((v) => v !== undefined).length
    if (!values.db || !values.out || sources !== 1) throw new UsageError(`--db, --out and one of --view, --runs or --experiment are required\n\n${help}`)
    const format = extname(values.out).slice(1).toLowerCase() as FigureFormat
    if (!FigureFormat.options.includes(format)) throw new UsageError(`--out must end in ${FigureFormat.options.map((f) => `.${f}`).join(', ')}, not '${values.out}'`)
    const overrides: Record<string, unknown> = {}
    if (values.panels) overrides.measures = values.panels.split(',').map((m) => m.trim()).filter(Boolean)
    if (values['group-by']) overrides.groupBy = values['group-by'] === 'none' ? [] : values['group-by'].split(',').map((p) => p.trim()).filter(Boolean)
    if (values.size) overrides.size = parseSize(values.size)
    if (values['font-size']) {
      const size = Number(values['font-size'])
      if (!(size >= minFigureFontPt && size <= maxFigureFontPt)) throw new UsageError(`--font-size '${values['font-size']}': expected points between ${minFigureFontPt} and ${maxFigureFontPt}`)
      overrides.fontSize = size
    }
    const pixelRatio = values['pixel-ratio'] === undefined ? 2 : Number(values['pixel-ratio'])
    const ratioFault = figurePixelsFault({ size: { width: 1, height: 1, unit: 'in' } }, pixelRatio)
    if (ratioFault) throw new UsageError(`--pixel-ratio '${values['pixel-ratio']}': ${ratioFault}`)
    const store = openStore(values.db, { mustExist: true })
    try {
      let base: unknown
      /** The preset whose published numbers --reference draws: the one --view names, or the one --experiment was made from. */
      let preset: string | null = null
      if (values.view) {
        base = existsSync(values.view) ? await readJsonFile(values.view) : store.getComparison(values.view)
        if (base === null) {
          base = await presetFigureSpec(store, values.view)
          if (base !== null) preset = values.view
        }
        if (base === null) throw new Error(`no saved comparison named '${values.view}' in ${values.db}, no preset of that name, and no such file`)
      } else if (values.runs) {
        const runIds = values.runs.split(',').map((id) => {
          const n = Number(id)
          if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--runs: '${id}' is not a run id`)
          return n
        })
        base = { runIds, measures: ['weightAlignment'] }
      } else {
        const experimentId = Number(values.experiment)
        if (!Number.isInteger(experimentId) || experimentId <= 0) throw new UsageError(`--experiment: '${values.experiment}' is not an experiment id`)
        // the figure the app opens the experiment on
        const natural = await (await figures()).naturalFigure(store, { experimentId })
        base = natural.spec
        if (natural.runsAsked > natural.spec.runIds.length) console.error(`figure: experiment ${experimentId} has ${natural.runsAsked.toLocaleString('en-US')} runs; a figure draws at most ${maxFigureRuns.toLocaleString('en-US')}, so this one shows the first ${natural.spec.runIds.length.toLocaleString('en-US')}`)
        const experiment = store.getExperiment(experimentId)
        preset = experiment ? experimentPreset(experiment) : null
      }
      if (values.reference) {
        const named = (base as { reference?: unknown } | null)?.reference
        preset ??= typeof named === 'string' ? named : null
        if (preset === null) throw new UsageError(`--reference: this figure is not a preset's, so it has no published numbers: use --view with a preset (${(await referenceNames()).join(', ')}) or --experiment N of one`)
        if (!(await loadReference(preset))) throw new UsageError(`--reference: the preset ${preset} ships no published numbers (resources/references has ${(await referenceNames()).join(', ')})`)
        overrides.reference = preset
      }
      const parsed = FigureSpec.safeParse({ ...(FigureSpec.safeParse(base).data ?? (base as object)), ...overrides })
      if (!parsed.success) throw new UsageError(`${values.view ?? 'figure'}: invalid figure spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
      if (values.panels) {
        // a panel no run has measured would be an empty figure: name it instead (exit 2)
        const logged = new Set(parsed.data.runIds.flatMap((id) => store.metricNames(id)))
        const unknown = parsed.data.measures.filter((m) => !logged.has(m))
        if (unknown.length) throw new UsageError(`--panels: no run of this figure has measured ${unknown.map((m) => `'${m}'`).join(', ')}; its runs have ${[...logged].sort().join(', ') || 'no measures yet'}`)
      }
      const sizeFault = format === 'png' ? figurePixelsFault(parsed.data, pixelRatio) : null
      if (sizeFault) throw new UsageError(`${values.view ?? 'figure'}: ${sizeFault}`)
      const figure = await (await figures()).renderFigure(store, parsed.data, format, pixelRatio)
      await writeFile(values.out, figure.bytes)
      if (values.csv) await writeFile(values.csv, figure.csv)
      if (values.json) await writeFile(values.json, figure.json)
      for (const w of figure.figure.warnings) console.error(`warning: group '${w.label}' averages runs that differ in ${w.fields.join(', ')} (add them with --group-by)`)
      for (const note of figure.figure.notes) console.error(`note: ${note}`)
      console.log(`${values.out}: ${format.toUpperCase()} ${figure.bytes.length} bytes${values.csv ? `, data in ${values.csv}` : ''}`)
    } finally {
      store.close()
    }
    return 0
  },
}
