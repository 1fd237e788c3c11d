// spec: QUAL-NOVELTY.1..9 (spec/17-quality-incentives.md; paper §5.1 "novelty")
// Near-duplicate detection: a 64-bit SimHash (Charikar 2002) over byte shingles of an output, compared
// by Hamming distance with a bounded FIFO window of recently accepted fingerprints. Pure and exact.
import { writeU32be } from "../codec/Bytes.ts"
import { DOMAIN, tagged } from "../codec/Canonical.ts"
import type { Sha256 } from "../codec/Hashing.ts"
import { PPM } from "../domain/Primitives.ts"
import type { QualityParams } from "./QualityParams.ts"

export type NoveltyParams = Pick<
  QualityParams,
  "noveltyWindow" | "noveltyShingleBytes" | "noveltyMaxBytes" | "noveltyDuplicateDistance" | "noveltyFullDistance"
>

const SHINGLE_PREFIX = tagged(DOMAIN.noveltyShingle, new Uint8Array(0))

/**
 * QUAL-NOVELTY.1: SimHash of `output`. Only the first noveltyMaxBytes bytes count. The shingles are the
 * windows output[i .. i+K) for i = 0 .. n−K (K = noveltyShingleBytes, n = the counted length); an output
 * shorter than K is one shingle, itself. Each shingle's 64-bit feature is the first 8 bytes (big-endian)
 * of SHA-256(tagged("POAI/v1/novelty-shingle", shingle)); bit b of the fingerprint (b = 0 the most
 * significant) is 1 iff more shingles have bit b set than clear.
 */
export const simhash64 = (sha256: Sha256, output: Uint8Array, p: Pick<NoveltyParams, "noveltyShingleBytes" | "noveltyMaxBytes">): bigint => {
  const K = p.noveltyShingleBytes
  const n = Math.min(output.length, p.noveltyMaxBytes)
  const bytes = output.subarray(0, n)
  const counts = new Int32Array(64)
  const count = n < K ? 1 : n - K + 1
  const add = (h: Uint8Array) => {
    for (let byte = 0; byte < 8; byte++) {
      const v = h[byte] as number
      for (let bit = 0; bit < 8; bit++) (counts[byte * 8 + bit] as number) += (v >>> (7 - bit)) & 1 ? 1 : -1
    }
  }
  if (n < K) add(sha256(tagged(DOMAIN.noveltyShingle, bytes)))
  else {
    // one preimage buffer, tag prefix written once: tagged(tag, shingle) without an allocation per shingle
    const buf = new Uint8Array(SHINGLE_PREFIX.length + K)
    buf.set(SHINGLE_PREFIX)
    for (let i = 0; i < count; i++) {
      buf.set(bytes.subarray(i, i + K), SHINGLE_PREFIX.length)
      add(sha256(buf))
    }
  }
  let fp = 0n
  for (let b = 0; b < 64; b++) fp = (fp << 1n) | ((counts[b] as number) > 0 ? 1n : 0n)
  return fp
}

/** Bytes of a novelty sketch (QUAL-NOVELTY.6). */
export const NOVELTY_SKETCH_BYTES = 8

/**
 * QUAL-NOVELTY.6: the novelty sketch a work claim carries: simhash64 of the claim's novelty bytes
 * (with the chain's noveltyShingleBytes / noveltyMaxBytes), as 8 bytes big-endian.
 */
export const noveltySketch = (sha256: Sha256, bytes: Uint8Array, p: Pick<NoveltyParams, "noveltyShingleBytes" | "noveltyMaxBytes">): Uint8Array =>
  sketchBytes(simhash64(sha256, bytes, p))

/** The 8 big-endian bytes of a 64-bit fingerprint. */
export const sketchBytes = (fp: bigint): Uint8Array => {
  const out = new Uint8Array(NOVELTY_SKETCH_BYTES)
  const v = BigInt.asUintN(64, fp)
  // bytewise: a DataView would move the fresh array's bytes off-heap (codec/Bytes.ts, toHex)
  writeU32be(out, 0, Number(v >> 32n))
  writeU32be(out, 4, Number(v & 0xffffffffn))
  return out
}

/** The 64-bit fingerprint of a sketch: its bytes as a big-endian integer (8 bytes: DT-WORK.2 checks the length). */
export const sketchFingerprint = (sketch: Uint8Array): bigint => {
  let fp = 0n
  for (const b of sketch) fp = (fp << 8n) | BigInt(b)
  return BigInt.asUintN(64, fp)
}

const popcount32 = (x: number): number => {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

/** Number of differing bits of two 64-bit fingerprints. */
export const hamming64 = (a: bigint, b: bigint): number => {
  const x = a ^ b
  return popcount32(Number(x & 0xffffffffn)) + popcount32(Number((x >> 32n) & 0xffffffffn))
}

/** QUAL-NOVELTY.2: the window: at most noveltyWindow fingerprints of accepted outputs, oldest first. */
export interface NoveltyWindow {
  readonly capacity: number
  readonly fingerprints: ReadonlyArray<bigint>
  /** The same fingerprints as (high, low) 32-bit halves, for a comparison loop without big integers. */
  readonly halves: Uint32Array
}

/**
 * The (high, low) halves of a fingerprint list, memoized per list (an immutable array; the chain's
 * window is a new array per admission). A list made by `appendFingerprint` from a list with known
 * halves gets its halves by copying and appending, without converting every big integer again: the
 * window is read and re-admitted for every revealed claim, in building and in validating a block
 * (issue 12).
 */
const halvesMemo = new WeakMap<ReadonlyArray<bigint>, Uint32Array>()
const halvesOf = (fps: ReadonlyArray<bigint>): Uint32Array => {
  let out = halvesMemo.get(fps)
  if (out === undefined) {
    out = new Uint32Array(fps.length * 2)
    for (let i = 0; i < fps.length; i++) writeHalves(out, i, fps[i] as bigint)
    halvesMemo.set(fps, out)
  }
  return out
}
const writeHalves = (out: Uint32Array, i: number, f: bigint): void => {
  out[2 * i] = Number((f >> 32n) & 0xffffffffn)
  out[2 * i + 1] = Number(f & 0xffffffffn)
}

export const emptyNoveltyWindow = (capacity: number): NoveltyWindow => ({ capacity, fingerprints: [], halves: new Uint32Array(0) })

/** A window of the given capacity holding `fingerprints` (oldest first), as the chain state stores it (QUAL-NOVELTY.8). */
export const noveltyWindowOf = (capacity: number, fingerprints: ReadonlyArray<bigint>): NoveltyWindow => ({
  capacity,
  fingerprints,
  halves: halvesOf(fingerprints),
})

/** QUAL-NOVELTY.2: the fingerprints after admitting `fp` to a window of `capacity` holding `fps` (the oldest evicted beyond capacity). */
export const appendFingerprint = (capacity: number, fps: ReadonlyArray<bigint>, fp: bigint): ReadonlyArray<bigint> => {
  if (capacity <= 0) return fps
  const next = [...fps, fp]
  const out = next.length > capacity ? next.slice(next.length - capacity) : next
  const prev = halvesMemo.get(fps)
  if (prev !== undefined) {
    const h = new Uint32Array(out.length * 2)
    h.set(prev.subarray(2 * (next.length - out.length)))
    writeHalves(h, out.length - 1, fp)
    halvesMemo.set(out, h)
  }
  return out
}

/** QUAL-NOVELTY.2: append an accepted output's fingerprint; the oldest is evicted beyond capacity. */
export const admitFingerprint = (w: NoveltyWindow, fp: bigint): NoveltyWindow => {
  if (w.capacity <= 0) return w
  const fingerprints = appendFingerprint(w.capacity, w.fingerprints, fp)
  return { capacity: w.capacity, fingerprints, halves: halvesOf(fingerprints) }
}

/** Smallest Hamming distance from `fp` to the window, or undefined for an empty window. */
export const minDistance = (w: NoveltyWindow, fp: bigint): number | undefined => {
  const n = w.halves.length / 2
  if (n === 0) return undefined
  const hi = Number((fp >> 32n) & 0xffffffffn)
  const lo = Number(fp & 0xffffffffn)
  let best = 65
  for (let i = 0; i < n && best > 0; i++) {
    const d = popcount32(((w.halves[2 * i] as number) ^ hi) >>> 0) + popcount32(((w.halves[2 * i + 1] as number) ^ lo) >>> 0)
    if (d < best) best = d
  }
  return best
}

/**
 * QUAL-NOVELTY.3: novelty in ppm from the minimum distance d (D0 = noveltyDuplicateDistance,
 * D1 = noveltyFullDistance): 1,000,000 for an empty window or d ≥ D1; 0 for d ≤ D0; otherwise
 * floor((d − D0)·10^6 / (D1 − D0)).
 */
export const noveltyFromDistance = (d: number | undefined, p: Pick<NoveltyParams, "noveltyDuplicateDistance" | "noveltyFullDistance">): number => {
  const d0 = p.noveltyDuplicateDistance
  const d1 = p.noveltyFullDistance
  if (d === undefined || d >= d1) return PPM
  if (d <= d0) return 0
  return Math.floor(((d - d0) * PPM) / (d1 - d0))
}

/** QUAL-NOVELTY.4: novelty of an output against the window, with the distance it was derived from. */
export const noveltyOf = (w: NoveltyWindow, fp: bigint, p: NoveltyParams): { readonly ppm: number; readonly minDistance: number | undefined } => {
  const d = minDistance(w, fp)
  return { ppm: noveltyFromDistance(d, p), minDistance: d }
}
