// Byte helpers (src/codec/Bytes.ts) against their definitions.
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bytesToBigInt } from "../../src/codec/Bytes.ts"

/** The definition: big-endian, most significant byte first. */
const fold = (b: Uint8Array): bigint => {
  let x = 0n
  for (const v of b) x = (x << 8n) | BigInt(v)
  return x
}

describe("bytesToBigInt (big-endian; QUAL-COMMITTEE.1, VER-AUDIT seeds)", () => {
  it("equals the big-endian fold on 0..80 bytes (fast-check, seed 3141, 2,000 runs)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => bytesToBigInt(b) === fold(b)),
      { numRuns: 2000, seed: 3141 },
    )
  })

  it("edge values: empty, leading zeros, all 0xff, a subarray view", () => {
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n)
    expect(bytesToBigInt(new Uint8Array([0, 0, 1]))).toBe(1n)
    expect(bytesToBigInt(new Uint8Array([1, 0]))).toBe(256n)
    expect(bytesToBigInt(new Uint8Array(32).fill(0xff))).toBe(2n ** 256n - 1n)
    const buf = new Uint8Array([9, 9, 0x12, 0x34, 9])
    expect(bytesToBigInt(buf.subarray(2, 4))).toBe(0x1234n)
  })
})
