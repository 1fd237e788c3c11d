// Seeded PRNG for drivers (never used by the core): sfc32 seeded through splitmix32.
// Every source of randomness in a simulation derives from one integer seed, so a run is reproducible.

const splitmix32 = (a: number) => () => {
  a = (a + 0x9e3779b9) | 0
  let t = a ^ (a >>> 16)
  t = Math.imul(t, 0x21f0aaad)
  t = t ^ (t >>> 15)
  t = Math.imul(t, 0x735a2d97)
  return (t ^ (t >>> 15)) >>> 0
}

const hashLabel = (label: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number
  constructor(readonly seed: number) {
    const sm = splitmix32(seed >>> 0)
    this.a = sm()
    this.b = sm()
    this.c = sm()
    this.d = sm()
    for (let i = 0; i < 12; i++) this.u32()
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }
  chance(p: number): boolean {
    return p > 0 && this.next() < p
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }
  pick<T>(xs: ReadonlyArray<T>): T {
    if (xs.length === 0) throw new Error("pick from empty array")
    return xs[this.int(xs.length)] as T
  }
  /** An independent stream for a named purpose, so adding draws in one place does not shift another. */
  fork(label: string): Prng {
    return new Prng((this.seed ^ hashLabel(label)) >>> 0)
  }
}
