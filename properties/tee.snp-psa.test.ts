// spec: VER-SNP.1..7, VER-PSA.1..7 (spec/13-tee-sev-snp-psa.md), VER-ATT.9 (spec/11-compute-verification.md)
//
// The SEV-SNP and PSA adapters on hostile bytes. For inputs drawn from
//   - arbitrary bytes (and, for SNP, arbitrary 1184-byte reports, raw or wrapped in a well-formed
//     container with the real certificates),
//   - single-byte changes, truncations and extensions of valid evidence,
//   - (PSA) claims maps with each claim either valid or replaced by an arbitrary CBOR value, correctly
//     signed by the registered IAK,
// parse*, inspect* and verifyEvidence never throw and, unless the input is accepted, return an
// AttestationError whose code is in the catalogue (VER-ATT.9). Arbitrary bytes, truncations and
// extensions are never accepted. A changed byte anywhere inside the signed bytes (SNP: report[0x000,
// 0x2A0); PSA: the protected header and the payload) is never accepted; any other accepted change yields
// exactly the original facts.
//
// Runs (CI default): 300 per property; seeds fixed below; POAI_PROPERTY_RUNS / POAI_PROPERTY_SEED override.
import { p256 } from "@noble/curves/nist.js"
import { encode as cborEncode } from "cborg"
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bytesEqual, concatBytes, toHex } from "../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../src/crypto/NodeCrypto.ts"
import { ATTESTATION_ERROR_CODES, AttestationError, type EvidenceFacts } from "../src/verification/Attestation.ts"
import { PSA_CLAIM, inspectPsa, parsePsaToken, psaAdapter, psaSigStructure } from "../src/verification/tee/Psa.ts"
import { SNP_REPORT_BYTES, SNP_SIGNED_BYTES, inspectSnp, parseSnpReport, sevSnpAdapter } from "../src/verification/tee/SevSnp.ts"
import { PSA_TEST_IAK_SK, buildPsaToken, coseSign1, iakSpki, psaClaimsMap } from "../test/fixtures/tee/PsaBuilder.ts"
import { buildSnpReport, snpChain, snpEvidence } from "../test/fixtures/tee/SnpBuilder.ts"
import { propertyRuns, propertySeed } from "./config.ts"

const opts = (seed: number) => ({ numRuns: propertyRuns(300), seed: propertySeed(seed) })

const checkError = (r: Either.Either<unknown, AttestationError>) => {
  if (Either.isLeft(r)) {
    expect(r.left).toBeInstanceOf(AttestationError)
    expect(Object.keys(ATTESTATION_ERROR_CODES)).toContain(r.left.code)
  }
}
const sameFacts = (a: EvidenceFacts, b: EvidenceFacts) =>
  bytesEqual(a.measurement, b.measurement) && bytesEqual(a.reportData, b.reportData) && a.devicePubKey === b.devicePubKey

/** A byte change (xor with a nonzero value) at an index of `b` within [lo, hi). */
const byteChange = (b: Uint8Array, lo = 0, hi = b.length) =>
  fc.tuple(fc.integer({ min: lo, max: hi - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
    const c = b.slice()
    c[i] = (c[i] as number) ^ x
    return c
  })
const truncation = (b: Uint8Array) => fc.integer({ min: 0, max: b.length - 1 }).map((n) => b.slice(0, n))
const extension = (b: Uint8Array) => fc.uint8Array({ minLength: 1, maxLength: 16 }).map((t) => concatBytes(b, t))

// ------------------------------------------------------------------------------------------------

describe("SEV-SNP adapter on hostile bytes (VER-SNP.1..7)", () => {
  const chain = snpChain()
  const roots = [chain.ark]
  const report = buildSnpReport()
  const evidence = snpEvidence(report)
  const good = sevSnpAdapter.verifyEvidence(crypto, evidence, roots)
  if (Either.isLeft(good)) throw new Error(`fixture evidence does not verify: ${good.left.message}`)

  const run = (b: Uint8Array) => {
    const v = sevSnpAdapter.verifyEvidence(crypto, b, roots)
    checkError(v)
    checkError(inspectSnp(b))
    checkError(parseSnpReport(b))
    return v
  }

  it("arbitrary bytes, raw or as a report in a well-formed container, are never accepted and never throw", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ minLength: SNP_REPORT_BYTES, maxLength: SNP_REPORT_BYTES })),
        fc.boolean(),
        (b, wrap) => {
          const input = wrap && b.length === SNP_REPORT_BYTES ? snpEvidence(b) : b
          expect(Either.isLeft(run(input))).toBe(true)
        },
      ),
      opts(13001),
    )
  })

  it("every change inside the signed bytes report[0x000, 0x2A0) is rejected", () => {
    fc.assert(
      fc.property(byteChange(report, 0, SNP_SIGNED_BYTES), (r) => {
        const v = run(snpEvidence(r))
        expect(Either.isLeft(v)).toBe(true)
        if (Either.isLeft(v)) expect(["ATT_DECODE", "ATT_BAD_SIGNATURE"]).toContain(v.left.code)
      }),
      opts(13002),
    )
  })

  it("changes, truncations and extensions of the evidence never throw; an accepted change has the original facts", () => {
    fc.assert(
      fc.property(fc.oneof(byteChange(evidence), byteChange(report), truncation(evidence), extension(evidence)), (b) => {
        const v = run(b.length === SNP_REPORT_BYTES ? snpEvidence(b) : b)
        if (Either.isRight(v)) expect(sameFacts(v.right, good.right)).toBe(true)
        if (b.length !== evidence.length && b.length !== SNP_REPORT_BYTES) expect(Either.isLeft(v)).toBe(true)
      }),
      opts(13003),
    )
  })
})

// ------------------------------------------------------------------------------------------------

describe("PSA adapter on hostile bytes (VER-PSA.1..7)", () => {
  const roots = [iakSpki(PSA_TEST_IAK_SK)]
  const token = buildPsaToken()
  const parsed = parsePsaToken(token)
  if (Either.isLeft(parsed)) throw parsed.left
  const good = psaAdapter.verifyEvidence(crypto, token, roots)
  if (Either.isLeft(good)) throw new Error(`fixture token does not verify: ${good.left.message}`)
  // where the signed bytes lie in the token: the protected bucket's and the payload's contents
  const protStart = toHex(token).indexOf(toHex(parsed.right.protectedBytes)) / 2
  const payloadStart = toHex(token).indexOf(toHex(parsed.right.payload)) / 2
  expect(protStart).toBeGreaterThan(0)
  expect(payloadStart).toBeGreaterThan(protStart)

  const run = (b: Uint8Array) => {
    const v = psaAdapter.verifyEvidence(crypto, b, roots)
    checkError(v)
    checkError(inspectPsa(b))
    checkError(parsePsaToken(b))
    return v
  }

  it("arbitrary bytes are never accepted and never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), (b) => {
        expect(Either.isLeft(run(b))).toBe(true)
        expect(Either.isLeft(run(concatBytes(new Uint8Array([0xd2, 0x84]), b)))).toBe(true)
      }),
      opts(13101),
    )
  })

  it("every change inside the signed bytes (protected header, payload) is rejected", () => {
    const p = parsed.right
    fc.assert(
      fc.property(
        fc.oneof(
          byteChange(token, protStart, protStart + p.protectedBytes.length),
          byteChange(token, payloadStart, payloadStart + p.payload.length),
        ),
        (b) => {
          expect(Either.isLeft(run(b))).toBe(true)
        },
      ),
      opts(13102),
    )
  })

  it("changes, truncations and extensions of a token never throw; an accepted change has the original facts", () => {
    fc.assert(
      fc.property(fc.oneof(byteChange(token), truncation(token), extension(token)), (b) => {
        const v = run(b)
        if (Either.isRight(v)) expect(sameFacts(v.right, good.right)).toBe(true)
        if (b.length !== token.length) expect(Either.isLeft(v)).toBe(true)
      }),
      opts(13103),
    )
  })

  it("correctly signed claims maps with arbitrary claim values never throw, and are accepted only when well-formed", () => {
    const base = psaClaimsMap()
    const junk = fc.oneof(
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.string({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 70 }),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
      fc.constant(new Map<number, unknown>([[2, new Uint8Array(32)], [5, new Uint8Array(32)]])),
    )
    const keys = [...base.keys()]
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(junk, fc.constant(undefined))), { maxLength: 4 }),
        (edits) => {
          const m = new Map(base)
          for (const [k, v] of edits) {
            if (v === undefined) m.delete(k)
            else m.set(k, v)
          }
          const prot = cborEncode(new Map([[1, -7]]))
          const payload = cborEncode(m)
          const b = coseSign1(prot, payload, p256.sign(psaSigStructure(prot, payload), PSA_TEST_IAK_SK))
          const v = run(b)
          if (Either.isRight(v)) {
            // accepted: then the mandatory claims are present and the report data is the 64-byte nonce
            expect(m.has(PSA_CLAIM.nonce) && m.has(PSA_CLAIM.instanceId) && m.has(PSA_CLAIM.swComponents)).toBe(true)
            expect(bytesEqual(v.right.reportData, m.get(PSA_CLAIM.nonce) as Uint8Array)).toBe(true)
          }
        },
      ),
      opts(13104),
    )
  })
})
