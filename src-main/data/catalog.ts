/**
 * The image datasets the lab knows: their four standard files, published SHA-256 values of the
 * gzipped files, and public mirrors tried in order.
 */
import type { ImageKind } from '../../src-shared/config'

export type { ImageKind }
export type FileRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels'

export interface CatalogFile {
  role: FileRole
  /** Standard name of the gzipped file. */
  name: string
  sha256: string
}

export interface CatalogEntry {
  kind: ImageKind
  title: string
  classNames: string[]
  files: CatalogFile[]
  /** Base URLs; a file's URL is base + name. */
  mirrors: string[]
  /** Whether a bundled sample ships with the lab. */
  bundled: boolean
}

const digitNames = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

export const catalog: Record<ImageKind, CatalogEntry> = {
  mnist: {
    kind: 'mnist',
    title: 'MNIST handwritten digits',
    classNames: digitNames,
    // SHA-256 of the original distribution files (the two t10k files ship in resources/data).
    files: [
      { role: 'trainImages', name: 'train-images-idx3-ubyte.gz', sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
      { role: 'trainLabels', name: 'train-labels-idx1-ubyte.gz', sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c' },
      { role: 'testImages', name: 't10k-images-idx3-ubyte.gz', sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6' },
      { role: 'testLabels', name: 't10k-labels-idx1-ubyte.gz', sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6' },
    ],
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
    bundled: true,
  },
  'fashion-mnist': {
    kind: 'fashion-mnist',
    title: 'Fashion-MNIST (Zalando)',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    files: [
      { role: 'trainImages', name: 'train-images-idx3-ubyte.gz', sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84' },
      { role: 'trainLabels', name: 'train-labels-idx1-ubyte.gz', sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845' },
      { role: 'testImages', name: 't10k-images-idx3-ubyte.gz', sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073' },
      { role: 'testLabels', name: 't10k-labels-idx1-ubyte.gz', sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5' },
    ],
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/'],
    bundled: false,
  },
}

/** Mirrors from FA_LAB_MIRRORS (comma-separated base URLs) when set, else the catalog's. */
export function mirrorsFor(kind: ImageKind): string[] {
  const override = process.env.FA_LAB_MIRRORS?.split(',').map((m) => m.trim()).filter(Boolean)
  return override?.length ? override : catalog[kind].mirrors
}
