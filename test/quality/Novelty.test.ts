// QUAL-NOVELTY.1..6: SimHash over byte shingles, Hamming distance to a bounded window, novelty in ppm.
import { describe, expect, it } from "vitest"
import { concatBytes, utf8 } from "../../src/codec/Bytes.ts"
import { Prng } from "../../src/drivers/Prng.ts"
import {
  admitFingerprint,
  emptyNoveltyWindow,
  hamming64,
  minDistance,
  noveltyFromDistance,
  noveltyOf,
  noveltySketch,
  noveltyWindowOf,
  simhash64,
  sketchBytes,
  sketchFingerprint,
} from "../../src/quality/Novelty.ts"
import { defaultQualityParams as P } from "../../src/quality/QualityParams.ts"
import { sha } from "./helpers.ts"

const fp = (b: Uint8Array) => simhash64(sha, b, P)
const text = (seed: number, n: number) => new Prng(seed).bytes(n)

describe("SimHash (QUAL-NOVELTY.1)", () => {
  it("is deterministic and 64-bit", () => {
    const a = text(1, 1000)
    expect(fp(a)).toBe(fp(a))
    expect(fp(a) < 1n << 64n && fp(a) >= 0n).toBe(true)
  })

  it("one shingle (output shorter than K): the fingerprint is the top 8 bytes of the shingle hash", () => {
    const short = utf8("abc")
    const h = sha(concatBytes(new Uint8Array([23]), utf8("POAI/v1/novelty-shingle"), short))
    let top = 0n
    for (let i = 0; i < 8; i++) top = (top << 8n) | BigInt(h[i]!)
    expect(fp(short)).toBe(top)
    expect(fp(new Uint8Array())).toBeTypeOf("bigint")
  })

  it("near-duplicates are close, unrelated outputs far (1 KiB outputs, 15 pairs each)", () => {
    for (let s = 0; s < 15; s++) {
      const a = text(100 + s, 1024)
      const edited = a.slice()
      const at = new Prng(200 + s).int(edited.length)
      edited[at] = edited[at]! ^ 0xff // one byte edited
      expect(hamming64(fp(a), fp(edited))).toBeLessThanOrEqual(P.noveltyDuplicateDistance)
      expect(hamming64(fp(a), fp(text(300 + s, 1024)))).toBeGreaterThanOrEqual(P.noveltyFullDistance)
    }
  })

  it("only the first noveltyMaxBytes bytes count", () => {
    const a = text(7, 64)
    const p = { ...P, noveltyMaxBytes: 32 }
    expect(simhash64(sha, a, p)).toBe(simhash64(sha, a.subarray(0, 32), p))
    expect(simhash64(sha, a, P)).not.toBe(simhash64(sha, a.subarray(0, 32), P))
  })
})

describe("window and novelty (QUAL-NOVELTY.2..4)", () => {
  it("hamming64 counts differing bits", () => {
    expect(hamming64(0n, 0n)).toBe(0)
    expect(hamming64(0n, (1n << 64n) - 1n)).toBe(64)
    expect(hamming64(0b1011n, 0b0110n)).toBe(3)
    expect(hamming64(1n << 63n, 1n << 31n)).toBe(2)
  })

  it("the window is FIFO and bounded", () => {
    let w = emptyNoveltyWindow(3)
    for (const f of [1n, 2n, 3n, 4n, 5n]) w = admitFingerprint(w, f)
    expect(w.fingerprints).toEqual([3n, 4n, 5n])
    expect(admitFingerprint(emptyNoveltyWindow(0), 9n).fingerprints).toEqual([])
    expect(minDistance(w, 4n)).toBe(0)
    expect(minDistance(w, 7n)).toBe(1) // 7 ^ 3 = 4, 7 ^ 5 = 2: one bit
    expect(minDistance(emptyNoveltyWindow(3), 7n)).toBeUndefined()
  })

  it("minDistance (32-bit halves) equals the minimum of hamming64 over the window, 300 random windows", () => {
    const rng = new Prng(31)
    const r64 = () => (BigInt(rng.u32()) << 32n) | BigInt(rng.u32())
    for (let i = 0; i < 300; i++) {
      let w = emptyNoveltyWindow(rng.range(1, 40))
      const n = rng.range(1, 60)
      for (let j = 0; j < n; j++) w = admitFingerprint(w, r64())
      const probe = rng.chance(0.2) ? w.fingerprints[rng.int(w.fingerprints.length)]! ^ (1n << BigInt(rng.int(64))) : r64()
      expect(minDistance(w, probe)).toBe(Math.min(...w.fingerprints.map((f) => hamming64(f, probe))))
      // the halves carried over from window to window equal those computed afresh from a copy of the list
      expect([...w.halves]).toEqual([...noveltyWindowOf(w.capacity, [...w.fingerprints]).halves])
    }
  })

  it("novelty: 10^6 for an empty window or d ≥ D1, 0 for d ≤ D0, linear in between (floor)", () => {
    const p = { noveltyDuplicateDistance: 3, noveltyFullDistance: 16 } // not the defaults (8, 20)
    expect(noveltyFromDistance(undefined, p)).toBe(1_000_000)
    expect([0, 3, 4, 10, 15, 16, 64].map((d) => noveltyFromDistance(d, p))).toEqual([0, 0, 76_923, 538_461, 923_076, 1_000_000, 1_000_000])
  })

  it("an exact re-submission has novelty 0, an unrelated output 10^6, a near-duplicate ≈ 0", () => {
    const a = text(11, 1024)
    let w = emptyNoveltyWindow(P.noveltyWindow)
    expect(noveltyOf(w, fp(a), P).ppm).toBe(1_000_000)
    w = admitFingerprint(w, fp(a))
    expect(noveltyOf(w, fp(a), P)).toEqual({ ppm: 0, minDistance: 0 })
    expect(noveltyOf(w, fp(text(12, 1024)), P).ppm).toBe(1_000_000)
    const near = a.slice()
    near[100] = near[100]! ^ 1
    expect(noveltyOf(w, fp(near), P).ppm).toBe(0) // distance ≤ noveltyDuplicateDistance
  })
})

describe("the sketch a claim carries (QUAL-NOVELTY.6)", () => {
  it("is simhash64 of the novelty bytes as 8 bytes big-endian, and reads back to the fingerprint", () => {
    for (const seed of [1, 2, 3, 4]) {
      const out = text(seed, 200 + seed)
      const s = noveltySketch(sha, out, P)
      expect(s.length).toBe(8)
      expect(sketchFingerprint(s)).toBe(fp(out))
      let be = 0n
      for (const b of s) be = (be << 8n) | BigInt(b)
      expect(be).toBe(fp(out))
    }
    expect([...sketchBytes(0x0102030405060708n)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(sketchFingerprint(new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 1]))).toBe(0xff00000000000001n)
    // the chain's shingle parameters enter the sketch
    const out = text(9, 300)
    expect(noveltySketch(sha, out, { ...P, noveltyShingleBytes: 4 })).not.toEqual(noveltySketch(sha, out, P))
  })
  it("a window rebuilt from the state's fingerprints scores like the one it was admitted into", () => {
    let w = emptyNoveltyWindow(4)
    for (const seed of [11, 12, 13, 14, 15]) w = admitFingerprint(w, fp(text(seed, 64)))
    const again = noveltyWindowOf(4, w.fingerprints)
    expect([...again.halves]).toEqual([...w.halves])
    expect(noveltyOf(again, fp(text(15, 64)), P).ppm).toBe(0)
  })
})
