// spec: ENC-CBOR.1 (spec/02-encoding.md)
// deterministicEncode must give cborg's rfc8949 bytes for every value: a difference would change
// every hash and signature, so it is checked on arbitrary values, on the boundaries of every head
// size, on keys whose encodings sort differently from their strings, and on values it hands to cborg.
import { encode as cborEncode, rfc8949EncodeOptions } from "cborg"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { allocBytes, copyBytes, toHex, toLatin1, u64be } from "../../src/codec/Bytes.ts"
import { sketchBytes } from "../../src/quality/Novelty.ts"
import { deterministicEncode, fastCborStats } from "../../src/codec/FastCbor.ts"
import { boundaries, cborValue } from "../fixtures/cborValues.ts"

const reference = (v: unknown): string => toHex(cborEncode(v, rfc8949EncodeOptions))
const fast = (v: unknown): string => toHex(deterministicEncode(v))

const value = cborValue()

describe("ENC-CBOR.1: deterministicEncode equals cborg's RFC 8949 encoding", () => {
  it("on arbitrary wire values (fast-check, 3000 runs, seed 41)", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(fast(v)).toBe(reference(v))
      }),
      { numRuns: 3000, seed: 41 },
    )
  })

  it("on every head-size boundary, for every major type it writes", () => {
    for (const n of boundaries) {
      expect(fast(n)).toBe(reference(n))
      expect(fast(-n - 1)).toBe(reference(-n - 1))
    }
    for (const n of [0, 23, 24, 255, 256, 65535, 65536, 70000]) {
      expect(fast(new Uint8Array(n))).toBe(reference(new Uint8Array(n)))
      expect(fast("y".repeat(n))).toBe(reference("y".repeat(n)))
      expect(fast(new Array(n).fill(1))).toBe(reference(new Array(n).fill(1)))
      const o = Object.fromEntries(Array.from({ length: Math.min(n, 300) }, (_, i) => [`k${i}`, i]))
      expect(fast(o)).toBe(reference(o))
    }
  })

  it("sorts keys by their encodings: a shorter key first even when its string sorts later", () => {
    const o = { bb: 1, z: 2, aaa: 3, "é": 4 }
    expect(fast(o)).toBe(reference(o))
    // z (1 byte) < bb (2) < é (2 bytes c3 a9, after "bb") < aaa (3)
    expect(fast(o)).toBe(toHex(cborEncode(new Map<string, number>([["z", 2], ["bb", 1], ["é", 4], ["aaa", 3]]))))
    // the same shape in another insertion order encodes the same
    expect(fast({ "é": 4, aaa: 3, z: 2, bb: 1 })).toBe(fast(o))
  })

  it("tells apart shapes that share a first key and a length (the shape cache), and more shapes than one first key keeps", () => {
    // the same first key and size, other keys: each must get its own order
    const before = fastCborStats.fallbacks
    const shapes = [
      { a: 1, b: 2, zz: 3 },
      { a: 1, zz: 2, b: 3 },
      { a: 1, c: 2, bb: 3 },
      { a: 1, bb: 2, c: 3 },
      { a: 1, b: 2, c: 3 },
    ]
    for (let round = 0; round < 3; round++) for (const o of shapes) expect(fast(o)).toBe(reference(o))
    // 100 shapes under one first key (past the per-key bound of 32), each encoded twice
    const many = Array.from({ length: 100 }, (_, i) => ({ first: i, [`k${i}`]: 1, [`${"x".repeat(i % 30)}y`]: 2 }))
    for (const o of [...many, ...many]) expect(fast(o)).toBe(reference(o))
    // all of them written directly (a wrong shape reads a missing key as undefined and hands the value to cborg)
    expect(fastCborStats.fallbacks).toBe(before)
  })

  it("encodes objects with more keys than the shape cache holds, and more distinct shapes than it holds", () => {
    const before = fastCborStats.fallbacks
    const huge = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${(i * 7919) % 20_000}`, i % 3]))
    expect(fast(huge)).toBe(reference(huge))
    // 3,000 shapes of 6 keys: past the trie's bound, so it starts afresh at least once; every one still right
    const shapes = Array.from({ length: 3_000 }, (_, i) => Object.fromEntries(Array.from({ length: 6 }, (_, j) => [`s${i}_${(j * 5) % 6}${"x".repeat(j)}`, j])))
    for (const o of shapes) expect(fast(o)).toBe(reference(o))
    for (const o of shapes.slice(0, 50)) expect(fast(o)).toBe(reference(o))
    expect(fastCborStats.fallbacks).toBe(before)
  })

  it("hands values outside the wire data model to cborg, which encodes them as before", () => {
    const outside: ReadonlyArray<unknown> = [
      1.5,
      -0,
      Number.MAX_SAFE_INTEGER + 1,
      2n ** 64n,
      -(2n ** 64n), // cborg refuses it: so does the fast path
      undefined,
      [1, undefined],
      { a: undefined },
      new Map([["a", 1]]),
      new Uint16Array([1, 2]),
      Buffer.from([1, 2, 3]),
      Object.assign(Object.create(null), { a: 1 }),
      { constructor: 1 },
      // deeper than the fast path's depth limit
      JSON.parse("[".repeat(100) + "]".repeat(100)),
    ]
    const outcome = (f: () => string) => {
      try {
        return f()
      } catch (e) {
        return `throws ${String(e)}`
      }
    }
    for (const v of outside) expect(outcome(() => fast(v))).toBe(outcome(() => reference(v)))
  })

  it("a value that cborg refuses is refused the same way (a cycle, a function)", () => {
    const cyc: Record<string, unknown> = {}
    cyc.self = cyc
    expect(() => deterministicEncode(cyc)).toThrow()
    expect(() => cborEncode(cyc, rfc8949EncodeOptions)).toThrow()
    expect(() => deterministicEncode({ f: () => 1 })).toThrow()
  })

  it("returns a fresh array each call (the internal buffer is reused)", () => {
    const a = deterministicEncode({ a: 1 })
    const b = deterministicEncode({ a: 2 })
    expect(toHex(a)).toBe("a1616101")
    expect(toHex(b)).toBe("a1616102")
  })
})

describe("allocBytes / copyBytes (slab-cut byte arrays, issue 12)", () => {
  it("arrays cut from one slab are zeroed, never overlap, and a copy shares no memory with its source", () => {
    const got = [65, 100, 1024, 64, 1025, 200, 300].map((n) => allocBytes(n))
    for (const a of got) expect(a.every((x) => x === 0)).toBe(true)
    got.forEach((a, i) => a.fill(i + 1))
    got.forEach((a, i) => expect(a.every((x) => x === i + 1)).toBe(true))
    expect(got.map((a) => a.length)).toEqual([65, 100, 1024, 64, 1025, 200, 300])
    const src = new Uint8Array(150).fill(9)
    const c = copyBytes(src)
    src[0] = 1
    expect(c[0]).toBe(9)
    expect(c.length).toBe(150)
    // a plain Uint8Array (not a Buffer): slice() copies
    const s = c.slice()
    s[1] = 2
    expect(c[1]).toBe(9)
    expect(Object.getPrototypeOf(c)).toBe(Uint8Array.prototype)
  })

  it("fills slab after slab without overlap (2,000 arrays of 65..1024 bytes)", () => {
    const arrs = Array.from({ length: 2000 }, (_, i) => allocBytes(65 + ((i * 37) % 960)).fill(i % 251))
    arrs.forEach((a, i) => expect(a.every((x) => x === i % 251)).toBe(true))
  })
})

describe("byte helpers that never read a small array's .buffer (toHex, toLatin1, u64be, sketchBytes)", () => {
  const viaBuffer = (b: Uint8Array, enc: "hex" | "latin1") => Buffer.from(Uint8Array.from(b)).toString(enc)
  it("toHex and toLatin1 give Buffer's strings for every view (fast-check, 500 runs, seed 8)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (a, x, y) => {
        const start = a.length === 0 ? 0 : x % a.length
        const end = start + (a.length - start === 0 ? 0 : y % (a.length - start + 1))
        for (const v of [a, a.subarray(start, end), Buffer.from(a), copyBytes(a)]) {
          expect(toHex(v)).toBe(viaBuffer(v, "hex"))
          expect(toLatin1(v)).toBe(viaBuffer(v, "latin1"))
        }
      }),
      { numRuns: 500, seed: 8 },
    )
  })

  it("u64be writes both 32-bit halves big-endian, and keeps the old answers on bad input", () => {
    const viaView = (n: number) => {
      const out = new Uint8Array(8)
      new DataView(out.buffer).setBigUint64(0, BigInt(n))
      return toHex(out)
    }
    for (const n of [0, 1, 255, 256, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER])
      expect(toHex(u64be(n)), String(n)).toBe(viaView(n))
    fc.assert(fc.property(fc.maxSafeNat(), (n) => toHex(u64be(n)) === viaView(n)), { numRuns: 500, seed: 9 })
    expect(toHex(u64be(-1))).toBe("ffffffffffffffff")
    expect(() => u64be(1.5)).toThrow(RangeError)
  })

  it("sketchBytes is the 64-bit two's-complement big-endian of any bigint (fast-check, 500 runs, seed 10)", () => {
    const viaView = (fp: bigint) => {
      const out = new Uint8Array(8)
      new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, fp), false)
      return toHex(out)
    }
    for (const fp of [0n, 1n, -1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 63n)]) expect(toHex(sketchBytes(fp))).toBe(viaView(fp))
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (fp) => toHex(sketchBytes(fp)) === viaView(fp)), { numRuns: 500, seed: 10 })
  })
})
