import { ImageData } from '../../src-shared/config'
import { catalog, type ImageKind } from '../data/catalog'
import { importFolder, listDatasets } from '../data/registry'
import { ensureDownloaded } from '../data/sources'
import { dataHome } from '../lib/paths'
import { parseOptions } from './args'
import type { Command } from './command'
import { progressBar } from './progress'

const help = `usage: fa-lab datasets [--json]                     list the data at hand, with sizes
       fa-lab datasets download <mnist|fashion-mnist>  fetch and verify the full dataset
       fa-lab datasets import <folder> [--kind mnist|fashion-mnist]
                                                    check a folder of IDX files and remember it`

function kindOf(value: string | undefined): ImageKind {
  const parsed = ImageData.shape.kind.safeParse(value)
  if (!parsed.success) throw new Error(`unknown dataset '${value}': use ${Object.keys(catalog).join(' or ')}`)
  return parsed.data
}

export const datasetsCommand: Command = {
  summary: 'list, download or import datasets',
  synopsis: '[--json] | download mnist|fashion-mnist | import DIR [--kind K]',
  help: () => help,
  async run(args) {
    const { values, positionals } = parseOptions(args, { json: { type: 'boolean', default: false }, kind: { type: 'string', default: 'mnist' } }, true)
    const [action, target] = positionals
    if (action === 'download') {
      const kind = kindOf(target)
      const bar = progressBar(`${kind}`)
      const dir = await ensureDownloaded(kind, { onProgress: (p) => bar.update(p.percent ?? 0, `${p.file} ${(p.receivedBytes / 1e6).toFixed(1)} MB`) })
      bar.done(`verified in ${dir}`)
      return 0
    }
    if (action === 'import') {
      if (!target) throw new Error('datasets import needs a folder')
      const entry = await importFolder(kindOf(values.kind), target)
      console.log(values.json ? JSON.stringify(entry) : `imported ${entry.kind} from ${entry.path}: ${entry.trainSize} training and ${entry.testSize} test images`)
      return 0
    }
    if (action !== undefined) {
      console.error(`fa-lab datasets: unknown action '${action}'\n\n${help}`)
      return 2
    }
    const entries = await listDatasets(dataHome())
    if (values.json) console.log(JSON.stringify(entries))
    else
      for (const e of entries)
        console.log(`${e.kind.padEnd(14)} ${e.source.padEnd(9)} train ${String(e.trainSize).padStart(6)}  test ${String(e.testSize).padStart(6)}  ${(e.bytes / 1e6).toFixed(1)} MB  ${e.path ?? ''}`)
    return 0
  },
}
