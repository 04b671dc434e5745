import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { FigureFormat, FigureSpec } from '../../src-shared/figure'
import { renderFigure } from '../services/figures'
import { openStore } from '../store/store'
import { parseOptions, readJsonFile, UsageError } from './args'
import type { Command } from './command'

const help = `usage: fa-lab figure --db lab.sqlite --view <saved comparison | spec.json> --out fig.svg|png|pdf
                    [--csv data.csv] [--json data.json] [--width W] [--height H] [--pixel-ratio R]

Renders a figure without a window (ECharts server-side rendering): the same figure the
comparison view exports. --view names a comparison saved in the lab, or a JSON file holding a
figure spec ({"runIds": [...], "measure": "weightAlignment", "groupBy": ["regularization.outputL2"], ...}).`

export const figureCommand: Command = {
  summary: 'render a saved comparison or a figure spec to SVG, PNG or PDF',
  async run(args) {
    const { values } = parseOptions(args, {
      db: { type: 'string' },
      view: { type: 'string' },
      out: { type: 'string' },
      csv: { type: 'string' },
      json: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      'pixel-ratio': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    })
    if (values.help) {
      console.log(help)
      return 0
    }
    if (!values.db || !values.view || !values.out) throw new UsageError(`--db, --view and --out are required\n\n${help}`)
    const format = extname(values.out).slice(1).toLowerCase() as FigureFormat
    if (!FigureFormat.options.includes(format)) throw new UsageError(`--out must end in ${FigureFormat.options.map((f) => `.${f}`).join(', ')}, not '${values.out}'`)
    const store = openStore(values.db, { mustExist: true })
    try {
      let spec: unknown = existsSync(values.view) ? await readJsonFile(values.view) : store.getComparison(values.view)
      if (spec === null) throw new Error(`no saved comparison named '${values.view}' in ${values.db}, and no such file`)
      const size = { ...(values.width ? { width: Number(values.width) } : {}), ...(values.height ? { height: Number(values.height) } : {}) }
      const parsed = FigureSpec.safeParse({ ...(spec as object), ...size })
      if (!parsed.success) throw new UsageError(`${values.view}: invalid figure spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
      const figure = await renderFigure(store, parsed.data, format, values['pixel-ratio'] ? Number(values['pixel-ratio']) : 2)
      await writeFile(values.out, figure.bytes)
      if (values.csv) await writeFile(values.csv, figure.csv)
      if (values.json) await writeFile(values.json, figure.json)
      console.log(`${values.out}: ${format.toUpperCase()} ${figure.bytes.length} bytes${values.csv ? `, data in ${values.csv}` : ''}`)
    } finally {
      store.close()
    }
    return 0
  },
}
