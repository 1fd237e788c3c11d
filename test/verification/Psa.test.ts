// VER-PSA.1..9: the Arm PSA token adapter; one tampering per error code, and the measurement mapping.
import { p256 } from "@noble/curves/nist.js"
import { encode as cborEncode } from "cborg"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { concatBytes, fromHex, toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import {
  AttestationCodecs,
  verifyAttestation,
  type AttestationConfig,
  type AttestationErrorCode,
  type ExpectedAttestation,
} from "../../src/verification/Attestation.ts"
import {
  PSA_CLAIM,
  PSA_MAX_TOKEN_BYTES,
  decodeLooseCbor,
  inspectPsa,
  parsePsaToken,
  psaAdapter,
  psaMeasurement,
  psaSigStructure,
  scanCbor,
} from "../../src/verification/tee/Psa.ts"
import {
  DEFAULT_COMPONENTS,
  PSA_OTHER_IAK_SK,
  PSA_TEST_IAK_SK,
  buildPsaToken,
  coseSign1,
  iakInstanceId,
  iakSpki,
  psaAttest,
  psaTokenMeasurement,
  type PsaTokenOptions,
} from "../fixtures/tee/PsaBuilder.ts"

const fill = (b: number, n = 32) => new Uint8Array(n).fill(b)
const roots = [iakSpki(PSA_TEST_IAK_SK)]
const codeOf = (r: Either.Either<unknown, { code: AttestationErrorCode }>): AttestationErrorCode | "ok" =>
  Either.isLeft(r) ? r.left.code : "ok"
const adapt = (token: Uint8Array, rs: ReadonlyArray<Uint8Array> = roots) => codeOf(psaAdapter.verifyEvidence(crypto, token, rs))
const build = (o: PsaTokenOptions = {}) => adapt(buildPsaToken(o))
const ES256_PROTECTED = fromHex("a10126")

/** Sign an arbitrary claims value as a COSE_Sign1 with the test IAK. */
const signedPayload = (claims: unknown, alg: unknown = -7): Uint8Array => {
  const prot = cborEncode(new Map([[1, alg]]))
  const payload = cborEncode(claims)
  return coseSign1(prot, payload, p256.sign(psaSigStructure(prot, payload), PSA_TEST_IAK_SK))
}

describe("PSA token adapter (VER-PSA.1..7)", () => {
  const token = buildPsaToken()

  it("a valid token verifies, tagged (CBOR tag 18) or not, and yields the nonce and the mapped measurement", () => {
    const r = psaAdapter.verifyEvidence(crypto, token, roots)
    expect(Either.isRight(r)).toBe(true)
    if (Either.isRight(r)) {
      expect(r.right.devicePubKey).toBeUndefined()
      expect(toHex(r.right.reportData)).toBe(toHex(fill(0x77, 64)))
      expect(r.right.measurement.length).toBe(32)
      expect(toHex(r.right.measurement)).toBe(toHex(psaTokenMeasurement()))
    }
    expect(token[0]).toBe(0xd2)
    expect(build({ tagged: false })).toBe("ok")
    // the profile of the drafts before RFC 9783 (draft-tschofenig-rats-psa-token-08 onwards) is accepted too
    expect(build({ profile: "http://arm.com/psa/2.0.0" })).toBe("ok")
    // optional claims may be absent; unknown claims are ignored
    expect(build({ omit: [PSA_CLAIM.bootSeed, PSA_CLAIM.certificationReference, PSA_CLAIM.verificationServiceIndicator] })).toBe("ok")
    expect(build({ extra: [[-70000, "x"], [9999, fill(1, 3)]] })).toBe("ok")
  })

  it("end to end through verifyAttestation: binding report data as the nonce, zero unified signature", () => {
    const claim = {
      codeHash: fill(0x11), inputHash: fill(0x12), outputHash: fill(0x13), taskId: fill(0x14), worker: fill(0x15), nonce: fill(0x16),
    }
    const att = psaAttest(crypto, claim)
    const config: AttestationConfig = {
      roots: { psa: roots },
      approvedMeasurements: new Set([toHex(att.measurement)]),
      adapters: { psa: psaAdapter },
    }
    const expected: ExpectedAttestation = { taskId: claim.taskId, inputHash: claim.inputHash, outputHash: claim.outputHash, worker: claim.worker, nonce: claim.nonce }
    const v = (a: typeof att, cfg = config) => codeOf(verifyAttestation(crypto, cfg, AttestationCodecs.UnifiedAttestation.encode(a), expected))
    expect(v(att)).toBe("ok")
    // wrong binding: a token whose nonce is the report data of another output
    expect(v(psaAttest(crypto, claim, { nonce: fill(0x01, 64) }))).toBe("ATT_BINDING_MISMATCH")
    const otherOutput = psaAttest(crypto, { ...claim, outputHash: fill(0x99) })
    expect(v({ ...att, evidence: otherOutput.evidence })).toBe("ATT_BINDING_MISMATCH")
    // measurement of the attestation differs from the token's
    expect(v({ ...att, measurement: fill(0x66) })).toBe("ATT_BINDING_MISMATCH")
    // a nonzero unified signature is not allowed for a hardware platform
    expect(v({ ...att, signature: fill(1, 64) })).toBe("ATT_BAD_SIGNATURE")
    expect(v(att, { ...config, approvedMeasurements: new Set() })).toBe("ATT_MEASUREMENT_NOT_APPROVED")
    expect(v(att, { ...config, roots: {} })).toBe("ATT_BAD_CHAIN")
  })

  it("ATT_DECODE: truncated, padded, non-array COSE and malformed envelopes", () => {
    expect(adapt(token.slice(0, token.length - 1))).toBe("ATT_DECODE")
    expect(adapt(concatBytes(token, new Uint8Array([0])))).toBe("ATT_DECODE")
    expect(adapt(new Uint8Array(0))).toBe("ATT_DECODE")
    expect(adapt(cborEncode(new Map([[1, 2]])))).toBe("ATT_DECODE") // a map, not an array
    expect(adapt(cborEncode(fill(1, 10)))).toBe("ATT_DECODE") // a byte string
    const parts = [ES256_PROTECTED, new Map(), cborEncode(new Map()), fill(1, 64)]
    expect(adapt(cborEncode(parts.slice(0, 3)))).toBe("ATT_DECODE") // 3 items
    expect(adapt(cborEncode([ES256_PROTECTED, new Map(), null, fill(1, 64)]))).toBe("ATT_DECODE") // detached payload
    expect(adapt(cborEncode([new Map([[1, -7]]), new Map(), fill(0, 3), fill(1, 64)]))).toBe("ATT_DECODE") // protected not bstr
    expect(adapt(cborEncode([fromHex("a0"), new Map(), fill(0, 3), fill(1, 64)]))).toBe("ATT_DECODE") // no alg
    expect(adapt(cborEncode([fromHex("a20126020a"), new Map(), fill(0, 3), fill(1, 64)]))).toBe("ATT_DECODE") // crit
    expect(adapt(concatBytes(new Uint8Array([0xd1]), token.subarray(1)))).toBe("ATT_DECODE") // tag 17, not 18
    expect(adapt(new Uint8Array(PSA_MAX_TOKEN_BYTES + 1))).toBe("ATT_DECODE")
  })

  it("ATT_DECODE: missing or ill-formed claims", () => {
    expect(build({ omit: [PSA_CLAIM.nonce] })).toBe("ATT_DECODE") // missing nonce
    expect(build({ nonce: fill(1, 31) })).toBe("ATT_DECODE") // not a psa-hash-type length
    expect(build({ nonce: fill(1, 65) })).toBe("ATT_DECODE")
    expect(build({ extra: [[PSA_CLAIM.nonce, [fill(1, 64)]]] })).toBe("ATT_DECODE") // an array of nonces
    expect(build({ omit: [PSA_CLAIM.instanceId] })).toBe("ATT_DECODE")
    expect(build({ instanceId: concatBytes(new Uint8Array([0x02]), fill(1, 32)) })).toBe("ATT_DECODE") // not RAND type
    expect(build({ instanceId: fill(1, 32) })).toBe("ATT_DECODE")
    expect(build({ profile: "PSA_IOT_PROFILE_1" })).toBe("ATT_DECODE")
    expect(build({ omit: [PSA_CLAIM.profile] })).toBe("ATT_DECODE")
    expect(build({ lifecycle: 0x7000 })).toBe("ATT_DECODE")
    expect(build({ lifecycle: 0x3100 })).toBe("ATT_DECODE")
    expect(build({ clientId: 2 ** 31 })).toBe("ATT_DECODE")
    expect(build({ omit: [PSA_CLAIM.implementationId] })).toBe("ATT_DECODE")
    expect(build({ components: [] })).toBe("ATT_DECODE")
    expect(build({ extra: [[PSA_CLAIM.swComponents, [new Map([[5, fill(1, 32)]])]]] })).toBe("ATT_DECODE") // no measurement value
    expect(build({ extra: [[PSA_CLAIM.swComponents, [new Map([[2, fill(1, 32)]])]]] })).toBe("ATT_DECODE") // no signer id
    expect(build({ extra: [[PSA_CLAIM.swComponents, [new Map<number, unknown>([[1, 7], [2, fill(1, 32)], [5, fill(1, 32)]])]]] })).toBe("ATT_DECODE")
    expect(build({ extra: [[PSA_CLAIM.bootSeed, fill(1, 7)]] })).toBe("ATT_DECODE")
    expect(build({ extra: [[PSA_CLAIM.certificationReference, "12345"]] })).toBe("ATT_DECODE")
    expect(build({ extra: [[PSA_CLAIM.verificationServiceIndicator, ""]] })).toBe("ATT_DECODE")
    expect(adapt(signedPayload([1, 2, 3]))).toBe("ATT_DECODE") // claims not a map
  })

  it("ATT_DECODE: CBOR outside the bounded profile (indefinite lengths, depth, floats, tags, duplicate keys)", () => {
    expect(scanCbor(fromHex("9f01ff"), { maxBytes: 100, maxDepth: 8 })).toMatch(/indefinite/)
    expect(scanCbor(new Uint8Array(20).fill(0x81), { maxBytes: 100, maxDepth: 8 })).toMatch(/deeper/)
    expect(scanCbor(fromHex("f93c00"), { maxBytes: 100, maxDepth: 8 })).toMatch(/float/)
    expect(scanCbor(fromHex("f7"), { maxBytes: 100, maxDepth: 8 })).toMatch(/simple/) // undefined
    expect(scanCbor(fromHex("5b00000000000000ff00"), { maxBytes: 100, maxDepth: 8 })).toMatch(/truncated/)
    expect(scanCbor(fromHex("8301f5f6"), { maxBytes: 100, maxDepth: 8 })).toBeUndefined()
    expect(Either.isLeft(decodeLooseCbor(fromHex("c11a00000000"), { maxBytes: 100, maxDepth: 8 }))).toBe(true) // tag 1
    expect(Either.isLeft(decodeLooseCbor(fromHex("a201010102"), { maxBytes: 100, maxDepth: 8 }))).toBe(true) // duplicate key
    // a 10 000-deep nesting is rejected before any recursive decoder sees it
    expect(adapt(new Uint8Array(10_000).fill(0x81))).toBe("ATT_DECODE")
    expect(build({ extra: [[PSA_CLAIM.clientId, 1.5]] })).toBe("ATT_DECODE")
  })

  it("ATT_BAD_CHAIN: an instance id that is no configured IAK", () => {
    // a genuine token from another device, whose IAK is not registered
    expect(build({ iakSk: PSA_OTHER_IAK_SK })).toBe("ATT_BAD_CHAIN")
    expect(adapt(token, [])).toBe("ATT_BAD_CHAIN")
    // roots that are not P-256 SPKIs are ignored
    expect(adapt(token, [fill(0, 91), new Uint8Array(0)])).toBe("ATT_BAD_CHAIN")
    expect(adapt(token, [fill(0, 91), ...roots])).toBe("ok")
    // the token claims the registered device's instance id but is signed by another key
    expect(build({ iakSk: PSA_OTHER_IAK_SK, instanceId: iakInstanceId(PSA_TEST_IAK_SK) })).toBe("ATT_BAD_SIGNATURE")
  })

  it("ATT_BAD_SIGNATURE: wrong alg, tampered payload, flipped signature, r or s out of range", () => {
    expect(build({ alg: -35 })).toBe("ATT_BAD_SIGNATURE") // ES384
    expect(build({ alg: "ES256" })).toBe("ATT_BAD_SIGNATURE")
    // tampered payload: flip one nonce byte (the token still parses)
    const i = toHex(token).indexOf("77".repeat(64)) / 2
    expect(i).toBeGreaterThan(0)
    const t2 = token.slice()
    t2[i + 5] = 0x78
    expect(Either.isRight(parsePsaToken(t2))).toBe(true)
    expect(adapt(t2)).toBe("ATT_BAD_SIGNATURE")
    const t3 = token.slice()
    t3[t3.length - 1] = (t3[t3.length - 1] as number) ^ 1
    expect(adapt(t3)).toBe("ATT_BAD_SIGNATURE")
    const p = parsePsaToken(token)
    if (Either.isLeft(p)) throw p.left
    const n = fromHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
    const withSig = (sig: Uint8Array) => adapt(coseSign1(p.right.protectedBytes, p.right.payload, sig))
    expect(withSig(concatBytes(fill(0, 32), p.right.signature.subarray(32)))).toBe("ATT_BAD_SIGNATURE") // r = 0
    expect(withSig(concatBytes(p.right.signature.subarray(0, 32), n))).toBe("ATT_BAD_SIGNATURE") // s = n
    expect(withSig(p.right.signature.subarray(0, 63))).toBe("ATT_BAD_SIGNATURE")
    expect(withSig(p.right.signature)).toBe("ok")
  })

  it("ATT_BINDING_MISMATCH: a valid 32- or 48-byte nonce cannot carry poai's 64-byte report data", () => {
    expect(build({ nonce: fill(1, 32) })).toBe("ATT_BINDING_MISMATCH")
    expect(build({ nonce: fill(1, 48) })).toBe("ATT_BINDING_MISMATCH")
  })
})

describe("PSA measurement mapping (VER-PSA.6)", () => {
  const m = (o: PsaTokenOptions = {}) => toHex(psaTokenMeasurement(o))

  it("is independent of component order and of version, signer id and description", () => {
    const reversed = [...DEFAULT_COMPONENTS].reverse()
    expect(m({ components: reversed })).toBe(m())
    expect(m({ components: DEFAULT_COMPONENTS.map((c) => ({ ...c, version: "9.9.9", signerId: fill(0x99), desc: "x" })) })).toBe(m())
    // but not of the nonce-independent fields it covers
    expect(m({ components: DEFAULT_COMPONENTS.slice(1) })).not.toBe(m())
    expect(m({ components: [...DEFAULT_COMPONENTS, DEFAULT_COMPONENTS[0]!] })).not.toBe(m()) // a multiset
    expect(m({ components: DEFAULT_COMPONENTS.map((c, i) => (i === 1 ? { ...c, value: fill(0xee) } : c)) })).not.toBe(m())
    expect(m({ components: DEFAULT_COMPONENTS.map((c, i) => (i === 1 ? { ...c, type: "SPE2" } : c)) })).not.toBe(m())
    expect(m({ lifecycle: 0x4000 })).not.toBe(m()) // non-PSA-RoT debug
    expect(m({ clientId: -1 })).not.toBe(m()) // a non-secure caller
    expect(m({ nonce: fill(3, 64) })).toBe(m())
  })

  it("has the documented preimage", () => {
    const p = parsePsaToken(buildPsaToken({ components: [...DEFAULT_COMPONENTS].reverse() }))
    if (Either.isLeft(p)) throw p.left
    const pairs = DEFAULT_COMPONENTS.map((c) => [c.type ?? "", c.value] as const)
    // by canonical bytes a shorter text sorts first (its head byte is smaller): BL < SPE < NSPE
    const sorted = [pairs[0]!, pairs[1]!, pairs[2]!]
    const pre = concatBytes(new Uint8Array([23]), new TextEncoder().encode("POAI/v1/psa-measurement"), cborEncode([0x3000, 1, sorted]))
    expect(toHex(psaMeasurement(p.right.claims, crypto.sha256))).toBe(toHex(crypto.sha256(pre)))
  })
})

describe("inspectPsa (CLI-ATTEST.2)", () => {
  it("shows the claims under RFC 9783 names", () => {
    const r = inspectPsa(buildPsaToken())
    if (Either.isLeft(r)) throw r.left
    const j = r.right
    for (const k of ["profile", "client_id", "security_lifecycle", "implementation_id", "boot_seed", "certification_reference", "sw_components", "verification_service_indicator", "nonce", "instance_id", "alg"])
      expect(j, k).toHaveProperty(k)
    expect(j.alg).toBe(-7)
    expect(j.instance_id).toBe(toHex(iakInstanceId(PSA_TEST_IAK_SK)))
    expect((j.sw_components as Array<Record<string, unknown>>)[0]).toEqual({
      measurement_type: "BL", measurement_value: "b1".repeat(32), version: "2.1.0", signer_id: "51".repeat(32), measurement_desc: "sha-256",
    })
    expect(JSON.parse(JSON.stringify(j))).toEqual(j)
    expect(codeOf(inspectPsa(fill(0, 10)))).toBe("ATT_DECODE")
  })
})

describe("PSA debug lifecycle (VER-PSA.10)", () => {
  it("non-psa-rot-debug (0x4000-0x40ff) and recoverable-psa-rot-debug (0x5000-0x50ff) are ATT_DEBUG, after the signature", () => {
    for (const lifecycle of [0x4000, 0x40ff, 0x5000, 0x5001, 0x50ff]) expect(build({ lifecycle })).toBe("ATT_DEBUG")
    for (const lifecycle of [0x3000, 0x30ff, 0x2000, 0x6000]) expect(build({ lifecycle })).toBe("ok")
    expect(build({ lifecycle: 0x4000, iakSk: PSA_OTHER_IAK_SK, instanceId: iakInstanceId(PSA_TEST_IAK_SK) })).toBe("ATT_BAD_SIGNATURE")
  })
})
