// VER-ATT.1..10: unified attestation with the sim TEE; one tampering per error code.
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toHex } from "../../src/codec/Bytes.ts"
import { nodeCryptoService as crypto } from "../../src/crypto/NodeCrypto.ts"
import {
  AttestationCodecs,
  attestationSigningBytes,
  decodeAttestation,
  verifyAttestation,
  type AttestationConfig,
  type AttestationErrorCode,
  type ExpectedAttestation,
  type UnifiedAttestation,
} from "../../src/verification/Attestation.ts"
import { SimTee, simAdapter, type SimClaim } from "../../src/verification/SimTee.ts"

const fill = (b: number, n = 32) => new Uint8Array(n).fill(b)
const rootSk = fill(1)
const otherRootSk = fill(2)
const deviceSk = fill(3)
const device = SimTee.makeDevice(crypto, rootSk, deviceSk)

const claim: SimClaim = {
  measurement: fill(0x10),
  codeHash: fill(0x11),
  inputHash: fill(0x12),
  outputHash: fill(0x13),
  taskId: fill(0x14),
  worker: crypto.ed25519.publicKey(fill(0x15)),
  nonce: fill(0x16),
}
const expected: ExpectedAttestation = {
  taskId: claim.taskId,
  inputHash: claim.inputHash,
  outputHash: claim.outputHash,
  worker: claim.worker,
  nonce: claim.nonce,
}
const config: AttestationConfig = {
  roots: { sim: [crypto.ed25519.publicKey(rootSk)] },
  approvedMeasurements: new Set([toHex(claim.measurement)]),
  adapters: { sim: simAdapter },
}

const att = SimTee.attest(crypto, device, claim)
const bytes = AttestationCodecs.UnifiedAttestation.encode(att)

const codeOf = (r: Either.Either<unknown, { code: AttestationErrorCode }>): AttestationErrorCode | "ok" =>
  Either.isLeft(r) ? r.left.code : "ok"
const verify = (a: Uint8Array | UnifiedAttestation, cfg = config, exp = expected) => codeOf(verifyAttestation(crypto, cfg, a, exp))
const encodeEnvelope = (x: Record<string, unknown>) =>
  AttestationCodecs.UnifiedAttestationEnvelope.encode({ ...att, ...x } as never)

describe("unified attestation (VER-ATT.1..10)", () => {
  it("a valid sim attestation verifies, from bytes and from the value", () => {
    const r = verifyAttestation(crypto, config, bytes, expected)
    expect(Either.isRight(r)).toBe(true)
    if (Either.isRight(r)) expect(toHex(r.right.devicePubKey ?? new Uint8Array())).toBe(toHex(crypto.ed25519.publicKey(deviceSk)))
    expect(verify(att)).toBe("ok")
    expect(codeOf(decodeAttestation(bytes))).toBe("ok")
  })

  it("ATT_DECODE: truncated, garbage, trailing bytes and malformed evidence", () => {
    expect(verify(bytes.slice(0, bytes.length - 1))).toBe("ATT_DECODE")
    expect(verify(new Uint8Array([0xff, 0x00, 0x01]))).toBe("ATT_DECODE")
    expect(verify(new Uint8Array(0))).toBe("ATT_DECODE")
    const padded = new Uint8Array(bytes.length + 1)
    padded.set(bytes)
    expect(verify(padded)).toBe("ATT_DECODE")
    expect(verify({ ...att, evidence: new Uint8Array([1, 2, 3]) })).toBe("ATT_DECODE")
    expect(verify({ ...att, nonce: fill(0, 31) })).toBe("ATT_DECODE")
  })

  it("ATT_UNSUPPORTED_VERSION and ATT_UNKNOWN_PLATFORM", () => {
    expect(verify(encodeEnvelope({ version: 2 }))).toBe("ATT_UNSUPPORTED_VERSION")
    expect(verify(encodeEnvelope({ version: 0 }))).toBe("ATT_UNSUPPORTED_VERSION")
    expect(verify(encodeEnvelope({ platform: "tdx" }))).toBe("ATT_UNKNOWN_PLATFORM")
    // a defined platform with no adapter configured
    expect(verify(encodeEnvelope({ platform: "sev-snp" }))).toBe("ATT_UNKNOWN_PLATFORM")
  })

  it("ATT_BAD_CHAIN: wrong root, or no root configured", () => {
    const wrongRoot = { ...config, roots: { sim: [crypto.ed25519.publicKey(otherRootSk)] } }
    expect(verify(bytes, wrongRoot)).toBe("ATT_BAD_CHAIN")
    expect(verify(bytes, { ...config, roots: {} })).toBe("ATT_BAD_CHAIN")
    // a device certified by another root, presented with a forged issuer field
    const rogue = SimTee.makeDevice(crypto, otherRootSk, deviceSk)
    const forged = { ...rogue, certificate: { ...rogue.certificate, issuer: crypto.ed25519.publicKey(rootSk) } }
    expect(verify(SimTee.attest(crypto, forged, claim))).toBe("ATT_BAD_CHAIN")
  })

  it("ATT_BAD_SIGNATURE: a flipped bit in the attestation signature", () => {
    const sig = att.signature.slice()
    sig[5] = (sig[5] as number) ^ 0x01
    expect(verify(AttestationCodecs.UnifiedAttestation.encode({ ...att, signature: sig }))).toBe("ATT_BAD_SIGNATURE")
    // a field changed after signing
    expect(verify({ ...att, codeHash: fill(0x99) })).toBe("ATT_BAD_SIGNATURE")
  })

  it("ATT_MEASUREMENT_NOT_APPROVED", () => {
    expect(verify(bytes, { ...config, approvedMeasurements: new Set([toHex(fill(0x77))]) })).toBe(
      "ATT_MEASUREMENT_NOT_APPROVED",
    )
  })

  it("ATT_BINDING_MISMATCH: report data not binding the claim hashes", () => {
    expect(verify(SimTee.attest(crypto, device, claim, { reportData: fill(0, 64) }))).toBe("ATT_BINDING_MISMATCH")
    // evidence from another claim, spliced in and the attestation re-signed by the device key
    const other = SimTee.attest(crypto, device, { ...claim, outputHash: fill(0x55) })
    const { signature: _s, ...unsigned } = { ...att, evidence: other.evidence }
    const spliced = { ...unsigned, signature: crypto.ed25519.sign(attestationSigningBytes(unsigned), deviceSk) }
    expect(verify(spliced)).toBe("ATT_BINDING_MISMATCH")
    // evidence whose measurement differs from the attestation's
    const otherM = SimTee.attest(crypto, device, { ...claim, measurement: fill(0x66) })
    const { signature: _t, ...u2 } = { ...att, evidence: otherM.evidence }
    expect(verify({ ...u2, signature: crypto.ed25519.sign(attestationSigningBytes(u2), deviceSk) })).toBe(
      "ATT_BINDING_MISMATCH",
    )
    // without re-signing, splicing is caught by the signature
    expect(verify({ ...att, evidence: other.evidence })).toBe("ATT_BAD_SIGNATURE")
  })

  it("ATT_CLAIM_MISMATCH: attestation for another output, task or worker", () => {
    expect(verify(bytes, config, { ...expected, outputHash: fill(0x55) })).toBe("ATT_CLAIM_MISMATCH")
    expect(verify(bytes, config, { ...expected, taskId: fill(0x55) })).toBe("ATT_CLAIM_MISMATCH")
    expect(verify(bytes, config, { ...expected, worker: fill(0x55) })).toBe("ATT_CLAIM_MISMATCH")
    expect(verify(bytes, config, { ...expected, inputHash: fill(0x55) })).toBe("ATT_CLAIM_MISMATCH")
  })

  it("ATT_STALE: a replayed attestation with an old nonce", () => {
    expect(verify(bytes, config, { ...expected, nonce: fill(0x42) })).toBe("ATT_STALE")
  })

  it("decoding never throws on arbitrary or mutated bytes (fast-check seed 4242, 200 runs)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
            const b = bytes.slice()
            b[i] = (b[i] as number) ^ x
            return b
          }),
        ),
        (b) => {
          const r = verifyAttestation(crypto, config, b, expected)
          if (Either.isLeft(r)) expect(r.left._tag).toBe("AttestationError")
        },
      ),
      { numRuns: 200, seed: 4242 },
    )
  })
})
