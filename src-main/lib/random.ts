/**
 * Seeded pseudo-random numbers that do not depend on the tensor backend, so that a run's
 * initial weights, feedback matrices, data and shuffles are identical on every backend.
 *
 * Generator: xoshiro128** (Blackman & Vigna), state seeded through splitmix32 from a hash of
 * (seed, stream name). Named streams keep draws independent: adding a dropout draw does not
 * shift the initial weights.
 */

export interface Rng {
  /** Uniform in [0, 1), 32-bit resolution. */
  uniform(): number
  /** Standard normal N(0, 1) by the Box–Muller transform. */
  normal(): number
  /** Uniform integer in [0, n). */
  integer(n: number): number
  /** A Float32Array of `length` standard normal draws, each multiplied by `scale`. */
  normalArray(length: number, scale?: number): Float32Array
  /** A Fisher–Yates shuffled permutation of 0..n-1. */
  permutation(n: number): Int32Array
  /** The generator's position (its four state words and a pending normal draw), for checkpoints. */
  state(): RngState
  /** Moves the generator to a position `state()` returned. */
  restore(state: RngState): void
}

/** [a, b, c, d, spare]: xoshiro128**'s state words and Box–Muller's pending draw (null when none). */
export type RngState = [number, number, number, number, number | null]

/** FNV-1a over the UTF-16 code units of a string, 32-bit. */
function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0
  let z = state.s
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** murmur3's 32-bit finaliser: a bijection of 32-bit words with fmix32(0) = 0. */
function fmix32(x: number): number {
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/**
 * A seed as two 32-bit words, so every safe integer (±(2⁵³ − 1)) is distinct: `low` is the seed
 * modulo 2³², `high` the rest. Seeds in 0..2³²−1 have high = 0 and keep the streams they always had.
 */
function seedWords(seed: number): { low: number; high: number } {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed ${seed} is not an integer in ±(2^53 − 1)`)
  const high = Math.floor(seed / 4294967296)
  return { low: (seed - high * 4294967296) | 0, high: high | 0 }
}

/**
 * Derives a 32-bit seed for a named sub-stream; used also for tfjs ops that take a seed. Both
 * words of the seed enter the hash, so seeds that agree modulo 2³² give different streams.
 */
export function deriveSeed(seed: number, stream: string): number {
  const { low, high } = seedWords(seed)
  const mix = { s: (hashString(stream) ^ Math.imul(low, 0x27d4eb2d) ^ Math.imul(high, 0x165667b1)) | 0 }
  splitmix32(mix)
  return splitmix32(mix)
}

/**
 * A generator for (seed, stream). Its 128-bit state is a one-to-one function of (seed, stream
 * hash): the high word of the seed is also mixed into the last state word, so no two safe-integer
 * seeds share a state.
 */
export function createRng(seed: number, stream = ''): Rng {
  const init = { s: deriveSeed(seed, stream) }
  let a = splitmix32(init)
  let b = splitmix32(init)
  let c = splitmix32(init)
  let d = (splitmix32(init) ^ fmix32(seedWords(seed).high)) >>> 0
  if ((a | b | c | d) === 0) a = 1

  function nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result
  }

  let spare: number | null = null
  function normal(): number {
    if (spare !== null) {
      const value = spare
      spare = null
      return value
    }
    let u = 0
    while (u === 0) u = uniform()
    const v = uniform()
    const radius = Math.sqrt(-2 * Math.log(u))
    spare = radius * Math.sin(2 * Math.PI * v)
    return radius * Math.cos(2 * Math.PI * v)
  }

  function uniform(): number {
    return nextUint32() / 4294967296
  }

  return {
    state: () => [a, b, c, d, spare],
    restore(state) {
      ;[a, b, c, d, spare] = state
    },
    uniform,
    normal,
    integer: (n) => Math.floor(uniform() * n),
    normalArray(length, scale = 1) {
      const out = new Float32Array(length)
      for (let i = 0; i < length; i++) out[i] = normal() * scale
      return out
    },
    permutation(n) {
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) out[i] = i
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(uniform() * (i + 1))
        const t = out[i]
        out[i] = out[j]
        out[j] = t
      }
      return out
    },
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
