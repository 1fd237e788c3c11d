// spec: ENC-CBOR.1..4, ENC-HASH.1..2 (spec/02-encoding.md)
// Unit tests of the canonical CBOR layer below the typed codecs: the encoder against RFC 8949
// Appendix A, and the strict decoder's classification of every kind of bad input.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { fromHex, toHex, utf8 } from "../../src/codec/Bytes.ts"
import { DOMAIN, MAX_WIRE_BYTES, canonicalDecode, canonicalEncode, tagged } from "../../src/codec/Canonical.ts"

const reasonOf = (bytes: Uint8Array): string => {
  const r = canonicalDecode(bytes)
  return Either.isLeft(r) ? r.left.reason : "ok"
}

describe("canonicalEncode (RFC 8949 Appendix A and §4.2.1)", () => {
  // [value, expected canonical hex]
  const vectors: ReadonlyArray<readonly [string, unknown, string]> = [
    ["0", 0, "00"],
    ["23", 23, "17"],
    ["24", 24, "1818"],
    ["100", 100, "1864"],
    ["1000", 1000, "1903e8"],
    ["1000000", 1_000_000, "1a000f4240"],
    ["1000000000000", 1_000_000_000_000, "1b000000e8d4a51000"],
    ["2^53-1", Number.MAX_SAFE_INTEGER, "1b001fffffffffffff"],
    ["-1", -1, "20"],
    ["-1000", -1000, "3903e7"],
    ["-(2^53-1)", -Number.MAX_SAFE_INTEGER, "3b001ffffffffffffe"],
    ["-0 is the integer 0", -0, "00"],
    ['""', "", "60"],
    ['"a"', "a", "6161"],
    ['"IETF"', "IETF", "6449455446"],
    ['"\\u00fc"', "\u00fc", "62c3bc"],
    ["h''", new Uint8Array(0), "40"],
    ["h'01020304'", fromHex("01020304"), "4401020304"],
    ["24-byte string (1-byte length head)", new Uint8Array(24), "5818" + "00".repeat(24)],
    ["[]", [], "80"],
    ["[1,[2,3],[4,5]]", [1, [2, 3], [4, 5]], "8301820203820405"],
    ["{}", {}, "a0"],
    ['{"a":1,"b":[2,3]}', { a: 1, b: [2, 3] }, "a26161016162820203"],
    ["null", null, "f6"],
    ["true", true, "f5"],
    ["false", false, "f4"],
    // §4.2.1: keys sorted by the bytewise order of their encodings, so shorter text keys come first.
    ['{"b":1,"a":2,"aa":3} sorted a, b, aa', { b: 1, a: 2, aa: 3 }, "a361610261620162616103"],
    ['{"z":0,"yy":0,"xxx":0}', { xxx: 0, yy: 0, z: 0 }, "a3617a00627979006378787800"],
  ]

  it.each(vectors)("%s", (_name, value, hex) => {
    expect(toHex(canonicalEncode(value))).toBe(hex)
  })

  it.each(vectors.filter(([n]) => !n.startsWith("-0")))("decodes its own encoding of %s back to the value", (_n, value, hex) => {
    const r = canonicalDecode(fromHex(hex))
    expect(Either.isRight(r)).toBe(true)
    expect(Either.getOrThrow(r)).toEqual(value)
  })

  it("key order does not depend on insertion order", () => {
    expect(toHex(canonicalEncode({ a: 1, b: 2 }))).toBe(toHex(canonicalEncode({ b: 2, a: 1 })))
  })
})

describe("canonicalDecode classifies bad input", () => {
  // [name, hex, expected reason]
  const cases: ReadonlyArray<readonly [string, string, "malformed" | "non-canonical" | "ok"]> = [
    // not one well-formed data item
    ["empty input", "", "malformed"],
    ["truncated uint head", "19 01", "malformed"],
    ["truncated byte string", "44 0102", "malformed"],
    ["array missing an element", "82 01", "malformed"],
    ["map missing a value", "a1 6161", "malformed"],
    ["trailing byte after a complete item", "01 00", "malformed"],
    ["two complete items", "01 01", "malformed"],
    ["reserved additional info 28", "1c", "malformed"],
    ["stray break byte", "ff", "malformed"],
    // outside the poai data model (ENC-CBOR.2/3)
    ["indefinite-length array", "9f 01 02 ff", "malformed"],
    ["indefinite-length map", "bf 6161 01 ff", "malformed"],
    ["indefinite-length byte string", "5f 41 01 ff", "malformed"],
    ["duplicate map key", "a2 6161 01 6161 02", "malformed"],
    ["non-integral float", "f9 3e00", "malformed"],
    ["float NaN", "f9 7e00", "malformed"],
    ["float +Infinity", "f9 7c00", "malformed"],
    ["integer 2^53 (beyond the safe range)", "1b 0020000000000000", "malformed"],
    ["integer 2^64-1", "1b ffffffffffffffff", "malformed"],
    ["integer -(2^53)-1", "3b 0020000000000000", "malformed"],
    ["2^53 nested in a map", "a1 6161 1b0020000000000000", "malformed"],
    // floats holding an integer outside the safe range are outside the data model (ENC-CBOR.2), not a
    // non-canonical spelling of an integer: malformed (regression: Number.isInteger let them through)
    ["float64 2^53", "fb 4340000000000000", "malformed"],
    ["float64 -2^53", "fb c340000000000000", "malformed"],
    ["float64 2^64", "fb 43f0000000000000", "malformed"],
    ["float64 1e300", "fb 7e37e43c8800759c", "malformed"],
    ["float32 2^64", "fa 5f800000", "malformed"],
    ["float64 2^53 nested in an array in a map", "a1 6161 81 fb4340000000000000", "malformed"],
    ["float64 2^53-1 (a safe integer written as a float)", "fb 433fffffffffffff", "non-canonical"],
    ["float64 -(2^53-1)", "fb c33fffffffffffff", "non-canonical"],
    ["tag 0", "c0 6161", "malformed"],
    ["tag 24 (encoded CBOR)", "d818 4101", "malformed"],
    ["undefined", "f7", "malformed"],
    ["simple value 16", "f0", "malformed"],
    ["integer map key", "a1 01 01", "malformed"],
    ["byte string map key", "a1 4101 01", "malformed"],
    // well-formed and in the data model, but not the deterministic encoding (RFC 8949 §4.2.1)
    ["0 with a 1-byte argument", "18 00", "non-canonical"],
    ["23 with a 1-byte argument", "18 17", "non-canonical"],
    ["24 with a 2-byte argument", "19 0018", "non-canonical"],
    ["255 with a 4-byte argument", "1a 000000ff", "non-canonical"],
    ["65536 with an 8-byte argument", "1b 0000000000010000", "non-canonical"],
    ["-1 with a 1-byte argument", "38 00", "non-canonical"],
    ["byte string length with a 1-byte argument", "58 01 ff", "non-canonical"],
    ["text length with a 1-byte argument", "78 01 61", "non-canonical"],
    ["array length with a 1-byte argument", "98 01 01", "non-canonical"],
    ["map length with a 1-byte argument", "b8 01 6161 01", "non-canonical"],
    ["map keys in reverse order", "a2 6162 01 6161 02", "non-canonical"],
    ["longer key before shorter key", "a2 626161 01 6162 02", "non-canonical"],
    ["nested map keys out of order", "a1 6161 a2 6162 01 6161 02", "non-canonical"],
    ["integral float16 1.0 where an int belongs", "f9 3c00", "non-canonical"],
    ["integral float64 1.0", "fb 3ff0000000000000", "non-canonical"],
    ["float16 -0.0", "f9 8000", "non-canonical"],
    ["__proto__ key (never an own property)", "a1 69 5f5f70726f746f5f5f a0", "non-canonical"],
    // the __proto__ rule: non-canonical whatever its value, but a malformed defect anywhere in the item,
    // inside the __proto__ value included, is reported first (malformed before non-canonical)
    ["__proto__ key with an integer value", "a1 69 5f5f70726f746f5f5f 01", "non-canonical"],
    ["__proto__ key with a byte string value", "a1 69 5f5f70726f746f5f5f 4100", "non-canonical"],
    ["__proto__ key with a null value", "a1 69 5f5f70726f746f5f5f f6", "non-canonical"],
    ["__proto__ key in a nested map, after another key", "a1 6161 a2 6162 01 69 5f5f70726f746f5f5f 02", "non-canonical"],
    ["__proto__ key whose value holds 1.5", "a1 69 5f5f70726f746f5f5f a1 6161 f93e00", "malformed"],
    ["__proto__ key whose value is 2^53", "a1 69 5f5f70726f746f5f5f 1b0020000000000000", "malformed"],
    ["__proto__ key whose value has an integer map key", "a1 69 5f5f70726f746f5f5f a1 01 01", "malformed"],
    ["__proto__ key twice", "a2 69 5f5f70726f746f5f5f 01 69 5f5f70726f746f5f5f 02", "malformed"],
    ["a key that merely contains __proto__", "a1 6a 5f5f70726f746f5f5f78 01", "ok"],
  ]

  it.each(cases)("%s -> %s", (_name, hex, reason) => {
    expect(reasonOf(fromHex(hex.replace(/ /g, "")))).toBe(reason)
  })

  it("a decoded map is a plain object; a __proto__ key never becomes a prototype", () => {
    const v = Either.getOrThrow(canonicalDecode(fromHex("a1 6161 a1 6162 01".replace(/ /g, "")))) as Record<string, Record<string, unknown>>
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(v["a"])).toBe(Object.prototype)
    expect(v).toEqual({ a: { b: 1 } })
  })

  it("a __proto__ key does not pollute Object.prototype", () => {
    canonicalDecode(fromHex("a169" + toHex(utf8("__proto__")) + "a1" + "68" + toHex(utf8("polluted")) + "f5"))
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("never throws on inputs that are not byte arrays", () => {
    for (const x of [undefined, null, "00", 0, [0], new ArrayBuffer(1), { length: 1, 0: 0 }]) {
      const r = canonicalDecode(x as unknown as Uint8Array)
      expect(Either.isLeft(r) && r.left.reason).toBe("malformed")
    }
  })

  it("accepts a Buffer (a Uint8Array subclass)", () => {
    expect(Either.getOrThrow(canonicalDecode(Buffer.from("a1616101", "hex")))).toEqual({ a: 1 })
  })

  it("decoded byte strings are copies, not views of the input", () => {
    const input = fromHex("4401020304")
    const v = Either.getOrThrow(canonicalDecode(input)) as Uint8Array
    input[1] = 0xff
    expect(toHex(v)).toBe("01020304")
  })
})

describe("MAX_WIRE_BYTES (ENC-CBOR.4)", () => {
  // A byte string of n bytes with n >= 2^16 has a 5-byte head (0x5a + 4-byte length).
  const byteStringOfTotalSize = (total: number): Uint8Array => {
    const n = total - 5
    const out = new Uint8Array(total)
    out[0] = 0x5a
    new DataView(out.buffer).setUint32(1, n)
    return out
  }

  it("is 4 MiB", () => expect(MAX_WIRE_BYTES).toBe(4 * 1024 * 1024))

  it("accepts a canonical item of exactly MAX_WIRE_BYTES", () => {
    const r = canonicalDecode(byteStringOfTotalSize(MAX_WIRE_BYTES))
    expect(Either.isRight(r)).toBe(true)
    expect((Either.getOrThrow(r) as Uint8Array).length).toBe(MAX_WIRE_BYTES - 5)
  })

  it("rejects MAX_WIRE_BYTES + 1 as oversized before parsing it", () => {
    expect(reasonOf(byteStringOfTotalSize(MAX_WIRE_BYTES + 1))).toBe("oversized")
    expect(reasonOf(new Uint8Array(MAX_WIRE_BYTES + 1))).toBe("oversized") // would be malformed if parsed
  })

  it("MAX_WIRE_BYTES of garbage is malformed, not oversized", () => {
    expect(reasonOf(new Uint8Array(MAX_WIRE_BYTES).fill(0xff))).toBe("malformed")
  })
})

describe("tagged / DOMAIN (ENC-HASH.1..2)", () => {
  it("is len(tag) || ascii(tag) || payload", () => {
    expect(toHex(tagged(DOMAIN.tx, fromHex("a0")))).toBe("0a" + toHex(utf8("POAI/v1/tx")) + "a0")
    expect(toHex(tagged(DOMAIN.vote, new Uint8Array(0)))).toBe("0c" + toHex(utf8("POAI/v1/vote")))
  })

  it("tags are distinct, ASCII, versioned and shorter than 256 bytes", () => {
    const tags = Object.values(DOMAIN)
    expect(new Set(tags).size).toBe(tags.length)
    for (const t of tags) {
      expect(t).toMatch(/^POAI\/v1\/[a-z-]+$/)
      expect(t.length).toBeLessThan(256)
    }
  })

  it("no tag is a prefix of another tag's preimage (the length byte separates them)", () => {
    // tx and tx-id share a textual prefix; their tagged preimages must still differ at byte 0.
    expect(tagged(DOMAIN.tx, utf8("-id"))[0]).not.toBe(tagged(DOMAIN.txId, new Uint8Array(0))[0])
  })
})
