// spec: ENC-CBOR.3, ENC-CBOR.5 (spec/02-encoding.md)
// canonicalDecode reads canonical bytes in one pass (src/codec/FastCborDecode.ts) and leaves every
// other input to the full strict decoder. Whatever the input, it must answer exactly what the full
// decoder answers (the same accepted value, or the same reason and detail): checked on the encodings
// of arbitrary data-model values (fast-check, 3,000 runs, seed 91), on byte-level mutations of them
// (6,000 runs, seed 92), on arbitrary byte strings (3,000 runs, seed 93) and on every row of the
// ENC-CBOR.3 table, with the fast path's own answer checked where it must decide by itself.
import { Either } from "effect"
import fc from "fast-check"
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "vitest"
import { fromHex, toHex } from "../../src/codec/Bytes.ts"
import { canonicalDecode, canonicalEncode, fullCanonicalDecode, MAX_NESTING, MAX_WIRE_BYTES } from "../../src/codec/Canonical.ts"
import { fastCanonicalDecode, fastDecodeStats, UNSURE } from "../../src/codec/FastCborDecode.ts"
import { CODEC_NAMES, sampleOf } from "../fixtures/samples.ts"
import { cborValue } from "../fixtures/cborValues.ts"
import { Codecs } from "../../src/codec/index.ts"

const value = cborValue({ keys: ["constructor", "1", "0"], strings: ["\u00ff", "a\u007fb"] })

/** canonicalDecode and the full decoder give the same answer on `b` (values compared with their types). */
// (node's isDeepStrictEqual, not vitest's: vitest compares `constructor` properties as types, and a
// decoded map may have a "constructor" key)
const agree = (b: Uint8Array): void => {
  const got = canonicalDecode(b)
  const want = fullCanonicalDecode(b)
  expect(Either.isRight(got), toHex(b)).toBe(Either.isRight(want))
  if (Either.isRight(got) && Either.isRight(want)) expect(isDeepStrictEqual(got.right, want.right), toHex(b)).toBe(true)
  if (Either.isLeft(got) && Either.isLeft(want)) expect(got.left, toHex(b)).toStrictEqual(want.left)
}

/** Whether every text string in v (keys included) is ASCII and no key is "__proto__": the fast path's domain. */
const inFastDomain = (v: unknown): boolean => {
  if (typeof v === "string") return /^[\x00-\x7f]*$/.test(v)
  if (Array.isArray(v)) return v.every(inFastDomain)
  if (v instanceof Uint8Array || v === null || typeof v !== "object") return true
  return Object.entries(v).every(([k, x]) => k !== "__proto__" && inFastDomain(k) && inFastDomain(x))
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x18, 0x1f, 0x5f, 0x7f, 0x9f, 0xbf, 0xc0, 0xf4, 0xf7, 0xf9, 0xff, 0x61, 0xa1) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
)
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never
const mutate = (b: Uint8Array, m: Mutation): Uint8Array => {
  const a = [...b]
  const i = a.length === 0 ? 0 : ("at" in m ? m.at : 0) % a.length
  switch (m.kind) {
    case "set":
      if (a.length > 0) a[i] = m.byte
      break
    case "flip":
      if (a.length > 0) a[i] = (a[i] as number) ^ (1 << m.bit)
      break
    case "insert":
      a.splice(i, 0, m.byte)
      break
    case "delete":
      a.splice(i, 1)
      break
    case "truncate":
      a.length = i
      break
    case "append":
      a.push(m.byte)
      break
    case "swap": {
      const j = a.length === 0 ? 0 : m.with % a.length
      if (a.length > 0) [a[i], a[j]] = [a[j] as number, a[i] as number]
      break
    }
  }
  return new Uint8Array(a)
}

describe("ENC-CBOR.5: the one-pass decoder answers what the full strict decoder answers", () => {
  it("on the encodings of arbitrary data-model values, deciding alone where all text is ASCII (3,000 runs, seed 91)", () => {
    let decidedAlone = 0
    fc.assert(
      fc.property(value, (v) => {
        const b = canonicalEncode(v)
        agree(b)
        const fast = fastCanonicalDecode(b)
        if (inFastDomain(v)) {
          expect(fast).not.toBe(UNSURE)
          decidedAlone++
        }
        if (fast !== UNSURE) expect(toHex(canonicalEncode(fast))).toBe(toHex(b))
      }),
      { numRuns: 3000, seed: 91 },
    )
    expect(decidedAlone).toBeGreaterThan(1000) // the property above is not vacuous
  })

  it("on byte-level mutations of those encodings (6,000 runs, seed 92)", () => {
    let accepted = 0
    let rejected = 0
    fc.assert(
      fc.property(value, fc.array(mutation, { minLength: 1, maxLength: 3 }), (v, ms) => {
        let b = canonicalEncode(v)
        for (const m of ms) b = mutate(b, m)
        agree(b)
        if (Either.isRight(canonicalDecode(b))) accepted++
        else rejected++
      }),
      { numRuns: 6000, seed: 92 },
    )
    // both outcomes occur often: mutants that stay canonical and mutants each reason rejects
    expect(accepted).toBeGreaterThan(300)
    expect(rejected).toBeGreaterThan(1000)
  })

  it("on arbitrary byte strings (3,000 runs, seed 93)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), (b) => agree(b)), { numRuns: 3000, seed: 93 })
  })

  it("on every row of the ENC-CBOR.3 table, leaving each rejection to the full decoder", () => {
    const rows: ReadonlyArray<[string, "malformed" | "non-canonical"]> = [
      ["", "malformed"],
      ["18", "malformed"], // truncated head
      ["6261", "malformed"], // truncated text
      ["8201", "malformed"], // truncated array
      ["0101", "malformed"], // trailing bytes
      ["1c", "malformed"], // reserved additional information
      ["ff", "malformed"], // stray break
      ["9f01ff", "malformed"], // indefinite array
      ["a2616101616102", "malformed"], // duplicate key
      ["a10101", "malformed"], // integer key
      ["c101", "malformed"], // tag
      ["f7", "malformed"], // undefined
      ["f0", "malformed"], // other simple value
      ["f93e00", "malformed"], // 1.5
      ["1b0020000000000000", "malformed"], // 2^53
      ["3b001fffffffffffff", "malformed"], // -2^53
      ["fb4340000000000000", "malformed"], // 2^53 as a float
      ["a1695f5f70726f746f5f5ff93e00", "malformed"], // {"__proto__": 1.5}
      ["1800", "non-canonical"],
      ["5801ff", "non-canonical"],
      ["980101", "non-canonical"],
      ["1b0000000000000000", "non-canonical"], // 0 in 8 bytes
      ["1a0000ffff", "non-canonical"],
      ["190017", "non-canonical"],
      ["a2616201616101", "non-canonical"], // keys out of order
      ["a262616101616101", "non-canonical"], // the longer key first
      ["f93c00", "non-canonical"], // 1.0
      ["fb433fffffffffffff", "non-canonical"], // 2^53 - 1 as a float
      ["62c328", "non-canonical"], // invalid UTF-8
      ["a1695f5f70726f746f5f5f01", "non-canonical"], // {"__proto__": 1}
    ]
    for (const [hex, reason] of rows) {
      const b = fromHex(hex)
      expect(fastCanonicalDecode(b), hex).toBe(UNSURE)
      const got = canonicalDecode(b)
      expect(Either.isLeft(got) ? got.left.reason : "accepted", hex).toBe(reason)
      agree(b)
    }
  })

  it("decides alone on the largest safe integers, head boundaries and 64 levels of nesting; not on 65", () => {
    for (const v of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 32, 2 ** 32 - 1, 65535, 65536, 255, 256, 23, 24, -24, -25]) {
      const b = canonicalEncode(v)
      expect(fastCanonicalDecode(b), toHex(b)).toBe(v)
    }
    const nest = (d: number): unknown => (d === 0 ? 1 : [nest(d - 1)])
    expect(fastCanonicalDecode(canonicalEncode(nest(64)))).toStrictEqual(nest(64))
    expect(fastCanonicalDecode(canonicalEncode(nest(65)))).toBe(UNSURE)
    agree(canonicalEncode(nest(65)))
    agree(fromHex("81".repeat(5000) + "01"))
  })

  it("gives byte strings that share no memory with the input, also from a Buffer or a view into a larger array", () => {
    const enc = canonicalEncode({ a: new Uint8Array([1, 2, 3]), b: [new Uint8Array(40).fill(9)] })
    const inBig = new Uint8Array(enc.length + 10)
    inBig.set(enc, 5)
    for (const input of [enc, Buffer.from(enc), inBig.subarray(5, 5 + enc.length)]) {
      const got = canonicalDecode(input)
      expect(Either.isRight(got)).toBe(true)
      const v = Either.getOrThrow(got) as { a: Uint8Array; b: Uint8Array[] }
      expect(v.a.constructor).toBe(Uint8Array)
      expect(v.a.byteOffset).toBe(0)
      expect(v.a.buffer.byteLength).toBe(3)
      input.fill(0)
      expect([...v.a]).toEqual([1, 2, 3])
      expect(v.b[0]?.every((x) => x === 9)).toBe(true)
      input.set(enc)
    }
  })

  it("decides alone on a valid sample of every wire codec", () => {
    const before = fastDecodeStats.unsure
    for (const name of CODEC_NAMES) {
      const codec = Codecs[name] as unknown as { encode: (v: unknown) => Uint8Array; decode: (b: Uint8Array) => Either.Either<unknown, unknown> }
      for (let seed = 0; seed < 20; seed++) {
        const b = codec.encode(sampleOf(name, seed))
        expect(Either.isRight(codec.decode(b)), name).toBe(true)
      }
    }
    expect(fastDecodeStats.unsure).toBe(before)
  })

  it("still rejects an input longer than MAX_WIRE_BYTES before reading it", () => {
    const big = new Uint8Array(MAX_WIRE_BYTES + 1)
    const before = fastDecodeStats.unsure
    const got = canonicalDecode(big)
    expect(Either.isLeft(got) && got.left.reason).toBe("oversized")
    expect(fastDecodeStats.unsure).toBe(before)
  })
})

describe("ENC-CBOR.6: nesting deeper than MAX_NESTING is malformed, whatever the stack", () => {
  const wrap = (inner: string, kinds: ReadonlyArray<"array" | "map">): string => kinds.reduceRight((acc, k) => (k === "array" ? `81${acc}` : `a16161${acc}`), inner)

  it("the integer 1 at depth 256 is accepted, at depth 257 it is malformed (arrays, maps and both)", () => {
    for (const kinds of [(k: number) => "array" as const, (k: number) => "map" as const, (k: number) => (k % 3 === 0 ? ("map" as const) : ("array" as const))]) {
      const at = (d: number) => fromHex(wrap("01", Array.from({ length: d }, (_, i) => kinds(i))))
      const ok = canonicalDecode(at(MAX_NESTING))
      expect(Either.isRight(ok)).toBe(true)
      const deep = canonicalDecode(at(MAX_NESTING + 1))
      expect(Either.isLeft(deep) && deep.left.reason).toBe("malformed")
      expect(Either.isLeft(deep) && deep.left.detail).toContain("MAX_NESTING")
    }
  })

  it("at random depths and leaves (fast-check, 300 runs, seed 94): accepted iff depth <= MAX_NESTING, never a throw", () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 320 }), fc.constantFrom("01", "f6", "4100", "6161", "80", "a0"), fc.array(fc.boolean(), { minLength: 320, maxLength: 320 }), (d, leaf, maps) => {
        const b = fromHex(wrap(leaf, maps.slice(0, d).map((m) => (m ? "map" : "array"))))
        const r = canonicalDecode(b)
        // an empty array or map as the leaf holds nothing deeper
        expect(Either.isRight(r)).toBe(d <= MAX_NESTING)
        agree(b)
      }),
      { numRuns: 300, seed: 94 },
    )
  })

  it("100,000 and 2,000,000 nested arrays (within MAX_WIRE_BYTES): malformed, never a stack overflow", () => {
    for (const d of [100_000, 2_000_000]) {
      const b = new Uint8Array(d + 1).fill(0x81)
      b[d] = 0x01
      const r = canonicalDecode(b)
      expect(Either.isLeft(r) && r.left.reason).toBe("malformed")
      expect(Either.isLeft(r) && r.left.detail).toContain("MAX_NESTING")
    }
  })
})
