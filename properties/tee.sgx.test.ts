// spec: VER-SGX.5..8, VER-X509.1..4 (spec/12-tee-sgx-dcap.md), VER-ATT.9 (spec/11-compute-verification.md)
//
// The SGX DCAP adapter on hostile bytes. For inputs drawn from
//   - arbitrary bytes, and arbitrary bytes behind a well-formed v3/v4 header and a consistent
//     signature_data_len (so that they reach the signature-data parser),
//   - single-byte changes, multi-byte changes, truncations and extensions of valid v3 and v4 quotes,
// parseSgxQuote, inspectSgxQuote and sgxDcapAdapter.verifyEvidence never throw and, unless the input
// is accepted, return an AttestationError whose code is in the catalogue (VER-ATT.9). Arbitrary bytes,
// truncations and extensions are never accepted (ATT_DECODE). A changed byte anywhere before the PEM
// PCK chain (header, report body, lengths, quote signature, attestation key, QE report and its
// signature, QE auth data, certification data headers) is never accepted; a changed byte inside the
// PEM text may be accepted only where it does not change the decoded certificates (whitespace, base64
// padding bits), and then yields exactly the original facts.
//
// Runs (CI default): 300 per property; seeds fixed below; POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../src/crypto/NodeCrypto.ts"
import { ATTESTATION_ERROR_CODES, AttestationError, type EvidenceFacts } from "../src/verification/Attestation.ts"
import { inspectSgxQuote, parseSgxQuote, sgxDcapAdapter } from "../src/verification/tee/SgxDcap.ts"
import { buildSgxQuote, makeSgxPki } from "../test/fixtures/tee/SgxBuilder.ts"
import { propertyRuns, propertySeed } from "./config.ts"

const pki = makeSgxPki()
const valid = ([3, 4] as const).map((version) => {
  const bytes = buildSgxQuote({
    version,
    pki,
    mrEnclave: new Uint8Array(32).fill(0x42),
    reportData: Uint8Array.from({ length: 64 }, (_, i) => i),
  })
  const q = parseSgxQuote(bytes)
  if (Either.isLeft(q)) throw new Error(`fixture quote v${version} does not parse`)
  return { version, bytes, pemStart: bytes.length - q.right.pckCertChain.length }
})

const opts = (seed: number) => ({ numRuns: propertyRuns(300), seed: propertySeed(seed) })

/** Run every entry point; none may throw; a rejection is a catalogued AttestationError. */
const run = (b: Uint8Array): Either.Either<EvidenceFacts, AttestationError> => {
  const p = parseSgxQuote(b)
  const i = inspectSgxQuote(b)
  const v = sgxDcapAdapter.verifyEvidence(crypto, b, pki.roots)
  const all: ReadonlyArray<Either.Either<unknown, AttestationError>> = [p, i, v]
  for (const r of all) {
    if (Either.isLeft(r)) {
      expect(r.left).toBeInstanceOf(AttestationError)
      expect(Object.keys(ATTESTATION_ERROR_CODES)).toContain(r.left.code)
    }
  }
  // parse and inspect agree; verification never accepts what does not parse
  expect(Either.isLeft(p)).toBe(Either.isLeft(i))
  if (Either.isLeft(p)) expect(Either.isLeft(v)).toBe(true)
  return v
}

const expectDecodeReject = (b: Uint8Array) => {
  const v = run(b)
  expect(Either.isLeft(v) && v.left.code).toBe("ATT_DECODE")
}

const sameFacts = (a: EvidenceFacts, b: EvidenceFacts) =>
  toHex(a.measurement) === toHex(b.measurement) && toHex(a.reportData) === toHex(b.reportData) && a.devicePubKey === b.devicePubKey

const u16 = (v: number) => [v & 0xff, v >>> 8]
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]

describe("SGX DCAP adapter on hostile bytes (VER-SGX.5..8)", () => {
  const original = valid.map((v) => {
    const r = sgxDcapAdapter.verifyEvidence(crypto, v.bytes, pki.roots)
    if (Either.isLeft(r)) throw new Error(`fixture quote v${v.version} does not verify: ${r.left.message}`)
    return r.right
  })

  it("arbitrary bytes are rejected with ATT_DECODE", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => expectDecodeReject(b)),
      opts(20250301),
    )
  })

  it("arbitrary signature data behind a well-formed header is rejected, never thrown", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(3, 4),
        fc.uint8Array({ minLength: 384, maxLength: 384 }),
        fc.uint8Array({ maxLength: 3000 }),
        (version, body, sigData) => {
          const header = [...u16(version), ...u16(2), ...u32(0), ...new Array<number>(40).fill(0)]
          const b = Uint8Array.from([...header, ...body, ...u32(sigData.length), ...sigData])
          expectDecodeReject(b)
        },
      ),
      opts(20250302),
    )
  })

  it("a changed byte never verifies before the PEM chain; inside it only without changing the facts", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, pos, delta) => {
        const v = valid[which] as (typeof valid)[number]
        const i = pos % v.bytes.length
        const b = v.bytes.slice()
        b[i] = ((b[i] as number) + delta) & 0xff
        const r = run(b)
        if (Either.isRight(r)) {
          expect(i).toBeGreaterThanOrEqual(v.pemStart)
          expect(sameFacts(r.right, original[which] as EvidenceFacts)).toBe(true)
        }
      }),
      opts(20250303),
    )
  })

  it("changes at several positions never verify when one of them is before the PEM chain", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 2, maxLength: 8 }),
        (which, edits) => {
          const v = valid[which] as (typeof valid)[number]
          const b = v.bytes.slice()
          const touched = new Set<number>()
          for (const [pos, delta] of edits) {
            const i = pos % b.length
            b[i] = ((b[i] as number) + delta) & 0xff
            touched.add(i)
          }
          const changed = [...touched].filter((i) => b[i] !== v.bytes[i])
          const r = run(b)
          if (Either.isRight(r)) {
            expect(changed.every((i) => i >= v.pemStart)).toBe(true)
            expect(sameFacts(r.right, original[which] as EvidenceFacts)).toBe(true)
          }
        },
      ),
      opts(20250304),
    )
  })

  it("every truncation and every extension is ATT_DECODE", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }), (which, cut, ext) => {
        const v = valid[which] as (typeof valid)[number]
        expectDecodeReject(v.bytes.slice(0, cut % v.bytes.length))
        const extended = new Uint8Array(v.bytes.length + ext.length)
        extended.set(v.bytes)
        extended.set(ext, v.bytes.length)
        expectDecodeReject(extended)
      }),
      opts(20250305),
    )
  })
})
